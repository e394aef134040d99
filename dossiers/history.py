"""The sentences of the events that the dossiers app writes into a dossier's history (accounts/history.py)."""

from django.utils.translation import gettext_lazy as _

from accounts.history import register_events

register_events(
    {
        "dossier.created": _("Dossier created"),
        "dossier.submitted": _("Dossier submitted"),
        "dossier.resubmitted": _("Dossier submitted again"),
        "dossier.withdrawn": _("Dossier withdrawn"),
    }
)
