"""The desk's forms: what a sender writes, and what a handler records. The services check everything again."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from credentials.documents import categories

from .models import About, Kind, Message, Outcome
from .services import MESSAGE_MAX, NAME_MAX, SUBJECT_MAX

COMPLAINT_CATEGORIES = (categories.MISCONDUCT, categories.UNDER_INVESTIGATION)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):  # type: ignore[no-untyped-def]
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("What would you like to do?"), choices=Kind.choices, widget=forms.RadioSelect)
    about = forms.ChoiceField(label=_("Whom is it about?"), choices=About.choices, widget=forms.RadioSelect)
    professional_name = forms.CharField(
        label=_("The professional's name"),
        max_length=NAME_MAX,
        required=False,
        help_text=_("As on their certificate or in the public register."),
    )
    credential_reference = forms.CharField(
        label=_("Serial number of their certificate (optional)"),
        max_length=100,
        required=False,
        help_text=_("Printed under the QR code, e.g. AIPIA-2026-000123."),
    )
    sender_name = forms.CharField(label=_("Your name"), max_length=NAME_MAX)
    sender_email = forms.EmailField(
        label=_("Your e-mail address"),
        help_text=_("We send a link to it: your request counts from when you follow it."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    message = forms.CharField(
        label=_("Your request"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=MESSAGE_MAX,
        min_length=20,
        help_text=_("What happened, when, and what you expect from the association."),
    )
    attachments = MultipleFileField(
        label=_("Documents (optional)"),
        required=False,
        help_text=_("Up to %(count)d files: PDF, PNG, JPEG or DOCX, each up to %(size)d MB.")
        % {"count": settings.DESK_MAX_ATTACHMENTS, "size": settings.EVIDENCE_MAX_BYTES // (1024 * 1024)},
    )

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        named = (data.get("professional_name") or "").strip() or (data.get("credential_reference") or "").strip()
        if data.get("about") == About.PROFESSIONAL and not named:
            self.add_error("professional_name", _("Enter the name of the professional your request is about."))
        return data


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 5}), max_length=MESSAGE_MAX)


class AssignForm(forms.Form):
    handler = forms.ChoiceField(label=_("Handler"))

    def __init__(self, *args, handlers=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["handler"].choices = [("", "—")] + [(str(user.pk), str(user)) for user in handlers]


class ConflictForm(forms.Form):
    has_conflict = forms.TypedChoiceField(
        label=_("Do you have a conflict of interest with the professional or the sender?"),
        choices=[("no", _("No: I have no conflict of interest")), ("yes", _("Yes: I have a conflict of interest"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("What is the conflict? (if any)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Message to the sender (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MESSAGE_MAX,
    )


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect)
    conclusion = forms.CharField(
        label=_("Reasons, as the sender will read them"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=MESSAGE_MAX,
    )


class ConclusionForm(forms.Form):
    conclusion = forms.CharField(
        label=_("What the sender will read"), widget=forms.Textarea(attrs={"rows": 5}), max_length=MESSAGE_MAX
    )


class WriteForm(forms.Form):
    audience = forms.ChoiceField(label=_("To"), choices=Message.Audience.choices)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=MESSAGE_MAX)


class CredentialActionForm(forms.Form):
    credential_action = forms.ChoiceField(
        label=_("Action"), choices=[("suspend", _("Suspend")), ("revoke", _("Revoke"))]
    )
    category = forms.ChoiceField(
        label=_("Reason category (public)"),
        choices=[
            (code, _(categories.LABELS[code])) for code in (categories.MISCONDUCT, categories.UNDER_INVESTIGATION)
        ],
    )
    reason = forms.CharField(
        label=_("Reason (for staff and the holder)"), widget=forms.Textarea(attrs={"rows": 3}), max_length=MESSAGE_MAX
    )
