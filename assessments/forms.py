"""Forms of the committee's pages: they parse input only; the services in ``services.py`` decide.

Choices of people (assessors, interviewers, an appeal panel) are offered from a list the view computes
with the services, and cleaned back into those users, in the order offered.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.forms.fields import BaseTemporalField
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from profiles.models import AssessmentCriterion

from .checklist import ChecklistItem
from .models import Assessment, Decision, Interview
from .services.completeness import Verdict

INTERVIEW_SCORES = range(5)
DATETIME_LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class UserChoiceField(forms.MultipleChoiceField):
    """Tick boxes over a list of users; cleans to the chosen ``User`` objects."""

    widget = forms.CheckboxSelectMultiple(attrs={"class": "choices"})

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.users: dict[str, User] = {}

    def offer(self, users: Iterable[User], *, notes: dict[int, str] | None = None) -> None:
        """Offer ``users``; ``notes`` adds a remark after some names (e.g. "suggested")."""
        notes = notes or {}
        self.users = {str(u.pk): u for u in users}
        self.choices = [
            (key, f"{user} — {notes[user.pk]}" if user.pk in notes else str(user)) for key, user in self.users.items()
        ]

    def clean(self, value: Any) -> list[User]:  # type: ignore[override]
        return [self.users[key] for key in super().clean(value)]


class NaiveDateTimeField(forms.DateTimeField):
    """A ``datetime-local`` value kept naive: the time zone is chosen in another field of the form."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    input_formats = DATETIME_LOCAL_FORMATS

    def to_python(self, value: Any) -> datetime.datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            return value.replace(tzinfo=None)
        # Skip DateTimeField's conversion from the server's time zone.
        return BaseTemporalField.to_python(self, value)


# --- impartiality ----------------------------------------------------------------------------------------


class DeclarationForm(forms.Form):
    accept = forms.BooleanField(
        label=_("I have read and accept the declaration"),
        error_messages={"required": _("Tick the box to accept the declaration.")},
    )


class ConflictForm(forms.Form):
    """The assigned member's conflict-of-interest declaration."""

    CHOICES = [
        ("no", _("I have no conflict of interest with this applicant")),
        ("yes", _("I have a conflict of interest")),
    ]

    has_conflict = forms.TypedChoiceField(
        label=_("Your declaration"),
        choices=CHOICES,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect(attrs={"class": "choices"}),
        error_messages={"required": _("Choose one of the two statements.")},
    )
    reason = forms.CharField(
        label=_("The conflict"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Required if you have a conflict. For example: the applicant is or was your employer, employee or "
            "colleague; you trained them; you are relatives; you are business partners."
        ),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("has_conflict") and not cleaned.get("reason", "").strip():
            self.add_error("reason", gettext("Describe the conflict."))
        return cleaned


# --- the secretariat's actions on a dossier --------------------------------------------------------------


class InformationRequestForm(forms.Form):
    questions = forms.CharField(
        label=_("Questions for the applicant"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The applicant reads these questions, updates the dossier and submits it again."),
    )


class CompletenessCheckForm(forms.Form):
    """The secretariat's verdict on each item of the checklist: confirmed, or missing with a note for the applicant."""

    VERDICTS = [("confirmed", _("Confirmed")), ("missing", _("Missing or insufficient"))]

    def __init__(self, *args: Any, items: Sequence[ChecklistItem], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            name = self.field_name(item.key)
            self.fields[f"verdict_{name}"] = forms.ChoiceField(
                label=_("Verdict"),
                choices=self.VERDICTS,
                widget=forms.RadioSelect(attrs={"class": "choices"}),
                error_messages={"required": _("Confirm this item or mark it missing.")},
            )
            self.fields[f"note_{name}"] = forms.CharField(
                label=_("Note"),
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_(
                    "Required when the item is missing: the applicant reads it in the request for information."
                ),
            )

    @staticmethod
    def field_name(key: str) -> str:
        # Item keys hold a competence code ("self_assessment:B.1"); field names keep letters, digits and "_".
        return "".join(c if c.isalnum() else "_" for c in key)

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "item": item,
                "verdict": self[f"verdict_{self.field_name(item.key)}"],
                "note": self[f"note_{self.field_name(item.key)}"],
            }
            for item in self.items
        ]

    def verdicts(self) -> dict[str, Verdict]:
        return {
            item.key: Verdict(
                confirmed=self.cleaned_data[f"verdict_{self.field_name(item.key)}"] == "confirmed",
                note=self.cleaned_data[f"note_{self.field_name(item.key)}"],
            )
            for item in self.items
        }


class AssignAssessorsForm(forms.Form):
    assessors = UserChoiceField(label=_("Assessors"))

    def __init__(self, *args: Any, eligible: Sequence[User], suggested: Sequence[User], **kwargs: Any):
        suggested_ids = [u.pk for u in suggested]
        kwargs.setdefault("initial", {"assessors": [str(pk) for pk in suggested_ids]})
        super().__init__(*args, **kwargs)
        self.fields["assessors"].offer(
            eligible, notes=dict.fromkeys(suggested_ids, gettext("suggested (lowest workload)"))
        )
        self.fields["assessors"].help_text = _(
            "Committee assessors with a valid impartiality declaration who are not involved in this dossier, "
            "least busy first."
        )


class InterviewForm(forms.Form):
    starts_at = NaiveDateTimeField(label=_("Date and time"))
    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        initial="Europe/Rome",
        help_text=_("The time zone of the date and time above, for example Europe/Rome."),
    )
    mode = forms.ChoiceField(label=_("Mode"), choices=Interview.Mode.choices)
    location = forms.CharField(label=_("Address or video link"), max_length=500)
    duration_minutes = forms.IntegerField(label=_("Duration in minutes"), min_value=10, max_value=480, initial=45)
    interviewers = UserChoiceField(label=_("Interviewers"))

    def __init__(self, *args: Any, interviewers: Sequence[User], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["interviewers"].offer(interviewers)


class RescheduleInterviewForm(forms.Form):
    """A new date, time and place for the scheduled interview; its interviewers stay."""

    starts_at = NaiveDateTimeField(label=_("New date and time"))
    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        help_text=_("The time zone of the date and time above, for example Europe/Rome."),
    )
    mode = forms.ChoiceField(label=_("Mode"), choices=Interview.Mode.choices)
    location = forms.CharField(label=_("Address or video link"), max_length=500)
    duration_minutes = forms.IntegerField(label=_("Duration in minutes"), min_value=10, max_value=480)

    @staticmethod
    def initial_for(interview: Interview) -> dict[str, Any]:
        """The interview as scheduled, its start read in its own time zone."""
        local = interview.starts_at.astimezone(ZoneInfo(interview.time_zone)).replace(tzinfo=None)
        return {
            "starts_at": local,
            "time_zone": interview.time_zone,
            "mode": interview.mode,
            "location": interview.location,
            "duration_minutes": interview.duration_minutes,
        }


class AppealPanelForm(forms.Form):
    members = UserChoiceField(
        label=_("Members of the appeal panel"),
        help_text=_("Only committee members involved neither in the assessment nor in the decision are listed."),
    )

    def __init__(self, *args: Any, members: Sequence[User], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["members"].offer(members)


# --- scoring ---------------------------------------------------------------------------------------------


class ScoreSheetForm(forms.Form):
    """A score and a comment per criterion of the profile, then the overall recommendation.

    A draft may leave scores blank; ``scores()`` gives None for them, which clears a saved draft score.
    """

    recommendation = forms.ChoiceField(
        label=_("Overall recommendation"),
        choices=[("", _("Not decided yet")), *Assessment.Recommendation.choices],
        required=False,
    )
    comment = forms.CharField(
        label=_("Overall comment"), required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 5})
    )

    scores_required = False

    def __init__(self, *args: Any, criteria: Iterable[AssessmentCriterion], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"score_{criterion.code}"] = forms.TypedChoiceField(
                label=_("Score"),
                choices=[("", gettext("Not scored yet"))] + [(str(n), str(n)) for n in range(criterion.max_score + 1)],
                coerce=int,
                empty_value=None,
                required=self.scores_required,
            )
            self.fields[f"comment_{criterion.code}"] = forms.CharField(
                label=_("Comment"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
            )

    @staticmethod
    def initial_for(sheet: Assessment | None) -> dict[str, Any]:
        if sheet is None:
            return {}
        initial: dict[str, Any] = {"recommendation": sheet.recommendation, "comment": sheet.comment}
        for score in sheet.scores.select_related("criterion"):
            initial[f"score_{score.criterion.code}"] = str(score.score)
            initial[f"comment_{score.criterion.code}"] = score.comment
        return initial

    def rows(self) -> list[dict[str, Any]]:
        """Each criterion with its bound fields, for the template."""
        return [
            {"criterion": c, "score": self[f"score_{c.code}"], "comment": self[f"comment_{c.code}"]}
            for c in self.criteria
        ]

    def scores(self) -> dict[str, dict[str, Any]]:
        return {
            c.code: {
                "score": self.cleaned_data[f"score_{c.code}"],
                "comment": self.cleaned_data[f"comment_{c.code}"].strip(),
            }
            for c in self.criteria
        }


class AmendForm(ScoreSheetForm):
    """A correction of a submitted scoresheet: every score, the recommendation and the reason."""

    scores_required = True

    reason = forms.CharField(
        label=_("Reason for the amendment"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the dossier's history with the amended scores; the original scoresheet is kept too."),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["recommendation"].required = True


# --- interview, decision, appeal -------------------------------------------------------------------------


def _score_choices(blank: str) -> list[tuple[str, str]]:
    return [("", blank)] + [(str(n), str(n)) for n in INTERVIEW_SCORES]


class InterviewRecordForm(forms.Form):
    """An interviewer's notes and score for each structured question, then the minutes and the verdict."""

    minutes = forms.CharField(label=_("Minutes of the interview"), widget=forms.Textarea(attrs={"rows": 8}))
    score = forms.TypedChoiceField(label=_("Overall score (0 to 4)"), choices=(), coerce=int, empty_value=None)
    recommendation = forms.ChoiceField(
        label=_("Recommendation"),
        choices=Assessment.Recommendation.choices[:2],
        widget=forms.RadioSelect(attrs={"class": "choices"}),
    )

    def __init__(self, *args: Any, questions: Sequence[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["score"].choices = _score_choices(gettext("Choose a score"))
        self.questions = list(questions)
        for i, _question in enumerate(self.questions):
            self.fields[f"notes_{i}"] = forms.CharField(
                label=_("Notes"), required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
            )
            self.fields[f"score_{i}"] = forms.TypedChoiceField(
                label=_("Score (0 to 4)"),
                choices=_score_choices(gettext("Not scored")),
                coerce=int,
                empty_value=None,
                required=False,
            )

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"number": i + 1, "question": q, "notes": self[f"notes_{i}"], "score": self[f"score_{i}"]}
            for i, q in enumerate(self.questions)
        ]

    def answers(self) -> list[dict[str, Any]]:
        return [
            {"question": i, "notes": self.cleaned_data[f"notes_{i}"].strip(), "score": self.cleaned_data[f"score_{i}"]}
            for i in range(len(self.questions))
        ]


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (Decision.Outcome.APPROVE, _("Approve: certify the applicant")),
            (Decision.Outcome.REJECT, _("Reject")),
        ],
        widget=forms.RadioSelect(attrs={"class": "choices"}),
    )
    rationale = forms.CharField(
        label=_("Rationale"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The applicant receives the rationale with the decision; at least 20 characters."),
    )


class AppealDecisionForm(forms.Form):
    overturn = forms.TypedChoiceField(
        label=_("Decision on the appeal"),
        choices=[("uphold", _("Uphold the rejection")), ("overturn", _("Overturn: approve the certification"))],
        coerce=lambda value: value == "overturn",
        widget=forms.RadioSelect(attrs={"class": "choices"}),
    )
    rationale = forms.CharField(
        label=_("Rationale"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The applicant receives the rationale with the decision; at least 20 characters."),
    )
