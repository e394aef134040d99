from django import forms
from django.utils.translation import gettext_lazy as _

from . import events


class EndpointForm(forms.Form):
    url = forms.CharField(label=_("URL"), max_length=2000, help_text=_("https:// (plain http only in development)."))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(key, f"{key} — {label}") for key, label in events.EVENT_TYPES.items()],
        widget=forms.CheckboxSelectMultiple,
        initial=events.DEFAULT_EVENTS,
    )
