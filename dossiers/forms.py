"""Forms of the applicant's dossier pages: they parse input only; the services in ``services.py`` decide.

Each entry form's ``service_data()`` returns exactly the keyword arguments of its service, with the
chosen files and competences as lists.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import QuerySet
from django.forms.boundfield import BoundField
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from profiles.models import EcfCompetence

from .completeness import FIELD_RULES, MIN_JUSTIFICATION_CHARS, MIN_SUMMARY_CHARS, field_warnings
from .models import Dossier, EvidenceFile, ExperienceEntry, ProjectEntry, SelfAssessment, TrainingEntry
from .selectors import current_files
from .uploads import allowed_labels

EVIDENCE_ACCEPT = ".pdf,.png,.jpg,.jpeg,.docx"
CV_ACCEPT = ".pdf"


class DateInput(forms.DateInput):
    # The browser's date picker reads and writes ISO dates whatever the page's language.
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class EvidenceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: EvidenceFile) -> str:
        return f"{obj.original_name} — {obj.description}" if obj.description else obj.original_name


class CompetenceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: EcfCompetence) -> str:
        return f"{obj.code} {obj.tr('title')}"


def _evidence_field() -> EvidenceChoiceField:
    return EvidenceChoiceField(
        label=_("Evidence files"),
        queryset=EvidenceFile.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choices"}),
        help_text=_("Tick the uploaded files that support this. You upload files on the Evidence page."),
    )


def _offer_evidence(form: forms.Form, dossier: Dossier) -> None:
    """Let ``form`` link the dossier's current files; without any file there is nothing to tick."""
    files = current_files(dossier=dossier)
    if files.exists():
        form.fields["evidence"].queryset = files
    else:
        del form.fields["evidence"]


def _as_lists(data: dict[str, Any]) -> dict[str, Any]:
    return {key: list(value) if isinstance(value, QuerySet) else value for key, value in data.items()}


class RuledBoundField(BoundField):
    """A field that also says when its text is still too short for submission (``warning``), in an element that
    the input names in its aria-describedby (``<id>_warning``)."""

    @property
    def warning(self) -> str | None:
        return self.form.field_warnings.get(self.name)  # type: ignore[attr-defined]

    @property
    def aria_describedby(self) -> str | None:
        described = super().aria_describedby
        if self.warning and self.auto_id:
            return f"{described} {self.auto_id}_warning".strip()
        return described


class RuledForm(forms.Form):
    """A form with fields that the completeness rules (completeness.FIELD_RULES) apply to.

    Each text with a minimum length gets ``data-min-length``, which the browser's counter reads
    (static/js/dossier-live.js); ``field_warnings`` are the warnings of the values shown, typed or saved.
    """

    bound_field_class = RuledBoundField

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            rule = FIELD_RULES.get(name)
            if rule is not None and rule.min_length > 1:
                field.widget.attrs["data-min-length"] = str(rule.min_length)

    @property
    def field_warnings(self) -> dict[str, str]:
        return field_warnings({name: self[name].value() for name in self.fields if name in FIELD_RULES})

    def values_for_rules(self) -> dict[str, object]:
        """The cleaned values of the fields that the completeness rules apply to, in the form's order."""
        return {name: self.cleaned_data.get(name) for name in self.fields if name in FIELD_RULES}


class CvSummaryForm(RuledForm):
    cv_headline = forms.CharField(
        label=_("Headline"),
        max_length=200,
        required=False,
        help_text=_("Your current professional title, for example “Machine learning engineer”."),
    )
    cv_summary = forms.CharField(
        label=_("Professional summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    years_of_experience = forms.IntegerField(
        label=_("Years of professional experience"), required=False, min_value=0, max_value=70
    )
    highest_education = forms.CharField(
        label=_("Highest education"),
        max_length=200,
        required=False,
        help_text=_("For example “Master's degree in computer science”."),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["cv_summary"].help_text = gettext(
            "Who you are professionally and what you do; at least %(n)d characters."
        ) % {"n": MIN_SUMMARY_CHARS}

    @staticmethod
    def initial_for(dossier: Dossier) -> dict[str, Any]:
        return {
            "cv_headline": dossier.cv_headline,
            "cv_summary": dossier.cv_summary,
            "years_of_experience": dossier.years_of_experience,
            "highest_education": dossier.highest_education,
        }


class UploadForm(forms.Form):
    """One uploaded file; ``kind`` says whether it is the CV or a piece of evidence.

    The type and the size are checked by the service on the file's content, not here.
    """

    file = forms.FileField(label=_("File"))
    kind = forms.CharField(widget=forms.HiddenInput, initial=EvidenceFile.Kind.EVIDENCE)
    description = forms.CharField(
        label=_("Description"),
        max_length=255,
        required=False,
        help_text=_("What the file shows, for example “Certificate of the Deep Learning course”."),
    )

    def __init__(self, *args: Any, kind: str = EvidenceFile.Kind.EVIDENCE, **kwargs: Any):
        super().__init__(*args, **kwargs)
        limit = filesizeformat(settings.EVIDENCE_MAX_BYTES)
        self.fields["kind"].initial = kind
        if kind == EvidenceFile.Kind.CV:
            del self.fields["description"]
            self.fields["file"].label = _("CV as a PDF file")
            self.fields["file"].widget.attrs["accept"] = CV_ACCEPT
            self.fields["file"].help_text = gettext("A PDF file of at most %(limit)s. It replaces the current CV.") % {
                "limit": limit
            }
        else:
            self.fields["file"].widget.attrs["accept"] = EVIDENCE_ACCEPT
            self.fields["file"].help_text = gettext("Accepted types: %(types)s; at most %(limit)s per file.") % {
                "types": allowed_labels(),
                "limit": limit,
            }


class EntryForm(RuledForm):
    """Base of the training, experience and project forms: evidence is chosen among the dossier's files."""

    evidence = _evidence_field()

    def __init__(self, *args: Any, dossier: Dossier, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _offer_evidence(self, dossier)

    def service_data(self) -> dict[str, Any]:
        return _as_lists(self.cleaned_data)


class DatedEntryForm(EntryForm):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", gettext("The end date is before the start date."))
        return cleaned


class TrainingForm(DatedEntryForm):
    title = forms.CharField(
        label=_("Title"), max_length=200, help_text=_("The course, degree or certification, as on its certificate.")
    )
    provider = forms.CharField(label=_("Provider"), max_length=200, help_text=_("The school, university or company."))
    start_date = forms.DateField(label=_("Start date"), widget=DateInput)
    end_date = forms.DateField(label=_("End date"), widget=DateInput, required=False)
    hours = forms.IntegerField(label=_("Hours"), min_value=1, max_value=10000)

    field_order = ["title", "provider", "start_date", "end_date", "hours", "evidence"]

    @staticmethod
    def initial_for(entry: TrainingEntry) -> dict[str, Any]:
        return {
            "title": entry.title,
            "provider": entry.provider,
            "start_date": entry.start_date,
            "end_date": entry.end_date,
            "hours": entry.hours,
            "evidence": [f.pk for f in entry.evidence.all()],
        }


class ExperienceForm(DatedEntryForm):
    employer = forms.CharField(label=_("Employer"), max_length=200)
    role = forms.CharField(label=_("Role"), max_length=200)
    start_date = forms.DateField(label=_("Start date"), widget=DateInput)
    end_date = forms.DateField(
        label=_("End date"), widget=DateInput, required=False, help_text=_("Leave empty if current.")
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Your responsibilities and what you did, in your own words."),
    )
    competences = CompetenceChoiceField(
        label=_("e-CF competences shown in this experience"),
        queryset=EcfCompetence.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choices"}),
    )

    field_order = ["employer", "role", "start_date", "end_date", "description", "competences", "evidence"]

    def __init__(self, *args: Any, dossier: Dossier, **kwargs: Any):
        super().__init__(*args, dossier=dossier, **kwargs)
        # Only the competences of the dossier's profile can be claimed.
        self.fields["competences"].queryset = EcfCompetence.objects.filter(profiles=dossier.profile)

    @staticmethod
    def initial_for(entry: ExperienceEntry) -> dict[str, Any]:
        return {
            "employer": entry.employer,
            "role": entry.role,
            "start_date": entry.start_date,
            "end_date": entry.end_date,
            "description": entry.description,
            "competences": [c.pk for c in entry.competences.all()],
            "evidence": [f.pk for f in entry.evidence.all()],
        }


class ProjectForm(EntryForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    role = forms.CharField(label=_("Your role"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}))
    technologies = forms.CharField(
        label=_("Technologies"),
        max_length=500,
        required=False,
        help_text=_("Separated by commas, for example “Python, PyTorch, Kubernetes”."),
    )
    outcomes = forms.CharField(
        label=_("Outcomes"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the project achieved, with measurable results where you can."),
    )
    links = forms.CharField(
        label=_("Links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One web address per line, starting with https:// (repository, publication, demo…)."),
    )

    field_order = ["title", "role", "description", "technologies", "outcomes", "links", "evidence"]

    def clean_links(self) -> list[str]:
        links = [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]
        validate = URLValidator(schemes=["http", "https"])
        errors = []
        for link in links:
            try:
                validate(link)
            except ValidationError:
                errors.append(
                    ValidationError(
                        gettext("“%(link)s” is not a valid web address starting with https:// or http://.")
                        % {"link": link}
                    )
                )
        if errors:
            raise ValidationError(errors)
        return links

    @staticmethod
    def initial_for(entry: ProjectEntry) -> dict[str, Any]:
        return {
            "title": entry.title,
            "role": entry.role,
            "description": entry.description,
            "technologies": entry.technologies,
            "outcomes": entry.outcomes,
            "links": "\n".join(entry.links),
            "evidence": [f.pk for f in entry.evidence.all()],
        }


LEVEL_CHOICES = [("", _("Not rated yet"))] + [(str(n), f"e-{n}") for n in range(1, 6)]


class SelfAssessmentForm(RuledForm):
    """The claim for one competence. Both blank means "later"; a half-filled claim is an error."""

    claimed_level = forms.TypedChoiceField(
        label=_("Claimed level"), choices=LEVEL_CHOICES, coerce=int, empty_value=None, required=False
    )
    justification = forms.CharField(label=_("Justification"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    evidence = _evidence_field()

    def __init__(self, *args: Any, dossier: Dossier, competence: EcfCompetence, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _offer_evidence(self, dossier)
        # Only the levels at which the e-CF framework defines this competence: a level it does not define is
        # not offered, rather than refused after the applicant has written the justification.
        self.fields["claimed_level"].choices = [LEVEL_CHOICES[0]] + [
            (str(n), f"e-{n}") for n in range(competence.min_level, competence.max_level + 1)
        ]
        self.fields["claimed_level"].help_text = gettext("%(code)s is defined at levels e-%(low)d to e-%(high)d.") % {
            "code": competence.code,
            "low": competence.min_level,
            "high": competence.max_level,
        }
        self.fields["justification"].help_text = gettext(
            "Explain, with concrete examples, why you work at this level; at least %(n)d characters."
        ) % {"n": MIN_JUSTIFICATION_CHARS}

    @property
    def is_blank(self) -> bool:
        return self.cleaned_data.get("claimed_level") is None and not self.cleaned_data.get("justification", "").strip()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        level, justification = cleaned.get("claimed_level"), cleaned.get("justification", "").strip()
        if level is None and justification:
            self.add_error("claimed_level", gettext("Choose a level, or clear the justification to rate this later."))
        elif level is not None and not justification and "justification" not in self.errors:
            self.add_error("justification", gettext("Write a justification, or clear the level to rate this later."))
        return cleaned

    @staticmethod
    def initial_for(assessment: SelfAssessment | None) -> dict[str, Any] | None:
        if assessment is None:
            return None
        return {
            "claimed_level": str(assessment.claimed_level),
            "justification": assessment.justification,
            "evidence": [f.pk for f in assessment.evidence.all()],
        }

    def service_data(self) -> dict[str, Any]:
        return _as_lists(self.cleaned_data)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The reason is kept in the history of your dossier; you do not have to give one."),
    )
