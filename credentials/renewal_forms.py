"""Forms of the CPD log and the renewal pages: they parse input only; credentials/cpd.py and renewal.py decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .cpd import DESCRIPTION_MAX_LENGTH, MAX_HOURS_PER_ACTIVITY
from .renewal import TEXT_MAX_LENGTH


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
    declaration = forms.CharField(
        label=_("Declaration of continued practice"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Declare that you have continued to practise the profession during the validity of your credential: "
            "your role, your employer or clients, and the kind of work."
        ),
    )


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
