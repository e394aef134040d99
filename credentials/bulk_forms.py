"""Forms of the expiring-credentials page: they parse input only; credentials/bulk.py decides."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from profiles.models import Profile

from .bulk import NOTE_MAX_LENGTH
from .models import STATUS_CATEGORY_CHOICES, Credential
from .status import REASON_MAX_LENGTH

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
