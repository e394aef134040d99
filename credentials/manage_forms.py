"""Forms of the administrators' credential pages: they parse input only; credentials/status.py decides."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Credential
from .status import REASON_MAX_LENGTH


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
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The holder receives it by e-mail."),
    )
    until = forms.DateField(
        label=_("Suspended until (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The suspension ends by itself at the end of this day. Leave empty to suspend until reinstated."),
    )

    def until_moment(self) -> datetime.datetime | None:
        """The end of the chosen day in the server's time zone, i.e. midnight of the next day."""
        day = self.cleaned_data.get("until")
        if day is None:
            return None
        return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


class ReinstateForm(forms.Form):
    reason = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Verifiers and the holder see it."),
    )
    confirm = forms.BooleanField(
        label=_("I understand that revocation is final: the credential can never be reinstated."),
        required=True,
        error_messages={"required": _("Tick the box to confirm the revocation.")},
    )
