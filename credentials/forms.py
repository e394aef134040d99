"""The credentials pages' forms: they parse and bound input only; the services decide."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from credentials.models import STATUS_CATEGORY_CHOICES, Credential
from credentials.services.clock import end_of_day
from credentials.services.cpd import DESCRIPTION_MAX_LENGTH, MAX_HOURS_PER_ACTIVITY
from credentials.services.texts import NOTE_MAX_LENGTH, REASON_MAX_LENGTH, TEXT_MAX_LENGTH
from profiles.models import Profile

DEFAULT_PERIOD_DAYS = 90


class ExpiringFilterForm(forms.Form):
    """The period (default: today and the next 90 days), the profile and the status of the list."""

    expires_from = forms.DateField(
        label=_("Expiring from"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    expires_to = forms.DateField(
        label=_("Expiring until"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    profile = forms.ModelChoiceField(
        label=_("Profile"), required=False, queryset=Profile.objects.order_by("code"), empty_label=_("Any profile")
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Credential.Status.choices]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["expires_from"].initial = today
        self.fields["expires_to"].initial = today + datetime.timedelta(days=DEFAULT_PERIOD_DAYS)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        data["expires_from"] = data.get("expires_from") or today
        data["expires_to"] = data.get("expires_to") or data["expires_from"] + datetime.timedelta(
            days=DEFAULT_PERIOD_DAYS
        )
        if data["expires_to"] < data["expires_from"]:
            raise ValidationError(_("The end of the period comes before its start."))
        return data

    def period(self) -> dict[str, Any]:
        """The arguments of ``bulk.expiring_credentials`` for this (valid) form."""
        return {
            "start": self.cleaned_data["expires_from"],
            "end": self.cleaned_data["expires_to"],
            "profile": self.cleaned_data.get("profile"),
            "status_filter": self.cleaned_data.get("status") or "",
        }


class BulkActionForm(forms.Form):
    """Which action, on which credentials (the ticked ones, or all that match the filter), with what."""

    ACTIONS = [
        ("renew", _("Renew")),
        ("suspend", _("Suspend")),
        ("remind", _("Send reminder")),
        ("export", _("Export CSV")),
    ]
    SCOPES = [("selected", _("The selected credentials")), ("all", _("Every credential matching the filter"))]

    action = forms.ChoiceField(choices=ACTIONS)
    scope = forms.ChoiceField(label=_("Apply to"), choices=SCOPES, initial="selected", widget=forms.RadioSelect)
    category = forms.ChoiceField(
        label=_("Reason for the suspension, as verifiers read it"),
        required=False,
        choices=[("", "—"), *STATUS_CATEGORY_CHOICES],
    )
    reason = forms.CharField(
        label=_("Reason for the suspension, in full"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to suspend; each holder receives it by e-mail. Never shown to verifiers."),
    )
    note = forms.CharField(
        label=_("Renewal note (optional)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded with each renewal, e.g. the policy or the off-line decision."),
    )

    def __init__(self, *args: Any, selected: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.selected_raw = selected or []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        ids = []
        for value in self.selected_raw:
            try:
                ids.append(uuid.UUID(value))
            except ValueError:
                continue  # not an id: ignored, like a box nobody ticked
        data["credential_ids"] = ids
        if data.get("scope") == "selected" and not ids:
            raise ValidationError(_("Select at least one credential, or apply the action to all of them."))
        if data.get("action") == "suspend":
            if not data.get("category"):
                self.add_error("category", _("Choose the category of the reason, which verifiers see."))
            if not (data.get("reason") or "").strip():
                self.add_error("reason", _("A suspension needs a reason."))
        return data


def category_field(help_text: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Reason, as verifiers read it"),
        choices=[("", "—"), *STATUS_CATEGORY_CHOICES],
        help_text=help_text,
    )


class CredentialSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Holder name or e-mail, serial number or credential id."),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Credential.Status.choices]
    )


class _StatusChangeForm(forms.Form):
    """What every suspension or revocation says: the category verifiers see, and the reason in full they never
    see."""

    category = category_field(_("Shown on the public verification page and in the verification API."))
    reason = forms.CharField(
        label=_("Reason in full"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For the holder (by e-mail) and the association's records; never shown to verifiers."),
    )


class SuspendForm(_StatusChangeForm):
    until = forms.DateField(
        label=_("Suspended until (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The suspension ends by itself at the end of this day. Leave empty to suspend until reinstated."),
    )

    def until_moment(self) -> datetime.datetime | None:
        """The end of the chosen day in the issuer's time zone (midnight starting the next day)."""
        day = self.cleaned_data.get("until")
        return end_of_day(day) if day is not None else None


class ReinstateForm(forms.Form):
    reason = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RevokeForm(_StatusChangeForm):
    confirm = forms.BooleanField(
        label=_("I understand that revocation is final: the credential can never be reinstated."),
        required=True,
        error_messages={"required": _("Tick the box to confirm the revocation.")},
    )


class CpdActivityForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    category = forms.ChoiceField(label=_("Category"))
    hours = forms.DecimalField(
        label=_("Hours"),
        min_value=Decimal("0.1"),
        max_value=MAX_HOURS_PER_ACTIVITY,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5"}),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you did, with whom, and what you learnt."),
    )
    evidence = forms.FileField(
        label=_("Evidence (optional)"),
        required=False,
        help_text=_("A certificate of attendance, a programme, a publication: PDF, PNG, JPEG or DOCX."),
    )

    def __init__(self, *args, categories: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        language = (get_language() or "en")[:2]
        self.fields["category"].choices = [
            (c["code"], (c.get("title") or {}).get(language) or (c.get("title") or {}).get("en") or c["code"])
            for c in categories
        ]


class DeclarationForm(forms.Form):
    """The renewal application: the declaration and, only while the CPD rules are not met (``cpd_short``), the
    holder's acknowledgement that they apply with incomplete CPD."""

    declaration = forms.CharField(
        label=_("Declaration of continued practice"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Declare that you have continued to practise the profession during the validity of your credential: "
            "your role, your employer or clients, and the kind of work."
        ),
    )

    def __init__(self, *args: Any, cpd_short: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if cpd_short:
            self.fields["acknowledge_cpd_shortfall"] = forms.BooleanField(
                label=_(
                    "I understand my CPD is incomplete, and that my application may be refused or sent to a full "
                    "re-assessment."
                ),
                error_messages={
                    "required": _("Tick the box to apply with incomplete CPD, or log the missing hours first.")
                },
            )

    def acknowledged(self) -> bool:
        return bool(self.cleaned_data.get("acknowledge_cpd_shortfall"))


class DecisionForm(forms.Form):
    ACTIONS = [
        ("approve", _("Approve: issue the renewed credential")),
        ("more_info", _("Ask the holder for more information")),
        ("reject", _("Reject")),
        ("reassessment", _("Send to a full re-assessment")),
    ]
    action = forms.ChoiceField(label=_("Decision"), choices=ACTIONS, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note to the holder"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required unless you approve an application that meets the rules."),
    )


class ExternalCertificationForm(forms.Form):
    profile = forms.ModelChoiceField(
        label=_("Profile"), queryset=Profile.objects.filter(is_published=True), to_field_name="code"
    )
    body = forms.CharField(label=_("Certification body"), max_length=300)
    accreditation = forms.CharField(
        label=_("Accreditation"),
        max_length=300,
        required=False,
        help_text=_("The body's accreditation under ISO/IEC 17024, e.g. ACCREDIA PRS n. 123."),
    )
    scheme = forms.CharField(label=_("Certification scheme"), max_length=300)
    number = forms.CharField(label=_("Certificate number"), max_length=100)
    issued_on = forms.DateField(label=_("Issued on"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"}))
    scan = forms.FileField(label=_("Scan of the certificate"), help_text=_("PDF, PNG or JPEG."))


class CheckForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to reject; the member reads it."),
    )


class IssueAttestationForm(forms.Form):
    member_number = forms.CharField(label=_("Member number"), max_length=30)
