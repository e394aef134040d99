"""Forms of the third-party route and the attestation: they parse input only; credentials/routes.py decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from profiles.models import Profile

from .routes import NOTE_MAX_LENGTH


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
