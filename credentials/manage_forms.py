"""Forms of the administrators' credential pages: they parse input only; credentials/status.py decides."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from .lifecycle import end_of_day
from .models import STATUS_CATEGORY_CHOICES, Credential
from .status import REASON_MAX_LENGTH


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


class SuspendForm(forms.Form):
    category = category_field(_("Shown on the public verification page and in the verification API."))
    reason = forms.CharField(
        label=_("Reason in full"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For the holder (by e-mail) and the association's records; never shown to verifiers."),
    )
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


class RevokeForm(forms.Form):
    category = category_field(_("Shown on the public verification page and in the verification API."))
    reason = forms.CharField(
        label=_("Reason in full"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For the holder (by e-mail) and the association's records; never shown to verifiers."),
    )
    confirm = forms.BooleanField(
        label=_("I understand that revocation is final: the credential can never be reinstated."),
        required=True,
        error_messages={"required": _("Tick the box to confirm the revocation.")},
    )
