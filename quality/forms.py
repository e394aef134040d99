from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CompetenceRecord, ImpartialityRisk
from .services import TEXT_MAX, TITLE_MAX


class SectionForm(forms.Form):
    title_en = forms.CharField(label=_("Title (English)"), max_length=TITLE_MAX)
    title_it = forms.CharField(label=_("Title (Italian)"), max_length=TITLE_MAX)
    body_en = forms.CharField(label=_("Text (English)"), widget=forms.Textarea(attrs={"rows": 6}), max_length=TEXT_MAX)
    body_it = forms.CharField(label=_("Text (Italian)"), widget=forms.Textarea(attrs={"rows": 6}), max_length=TEXT_MAX)


class RiskForm(forms.Form):
    threat = forms.CharField(label=_("Threat to impartiality"), widget=forms.Textarea(attrs={"rows": 3}))
    source = forms.ChoiceField(label=_("Source"), choices=ImpartialityRisk.Source.choices)
    likelihood = forms.ChoiceField(label=_("Likelihood"), choices=ImpartialityRisk.Likelihood.choices)
    mitigation = forms.CharField(label=_("Mitigation"), widget=forms.Textarea(attrs={"rows": 3}))
    review_by = forms.DateField(label=_("Review by"), widget=forms.DateInput(attrs={"type": "date"}))


class ReviewForm(forms.Form):
    likelihood = forms.ChoiceField(label=_("Likelihood now"), choices=ImpartialityRisk.Likelihood.choices)
    note = forms.CharField(label=_("What the review concluded"), widget=forms.Textarea(attrs={"rows": 2}))
    mitigation = forms.CharField(
        label=_("New mitigation (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    next_review_by = forms.DateField(
        label=_("Next review by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to close the risk: it no longer applies."),
    )


class CompetenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CompetenceRecord.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    issuer = forms.CharField(label=_("Issued by"), max_length=TITLE_MAX, required=False)
    obtained_on = forms.DateField(label=_("Obtained on"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(
        label=_("Valid until (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    hours = forms.IntegerField(label=_("Hours (optional)"), required=False, min_value=1, max_value=10_000)


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):  # type: ignore[no-untyped-def]
        from .report import MAX_DAYS

        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The period must end on or after its first day."))
            if (end - start).days > MAX_DAYS:
                raise forms.ValidationError(_("A report covers at most three years."))
        return data
