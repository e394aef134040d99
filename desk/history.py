"""The sentences of the events of a desk case's history (accounts/history.py)."""

from django.utils.translation import gettext_lazy as _

from accounts.history import register_events

register_events(
    {
        "desk.submitted": _("Request written; waiting for the sender to confirm their e-mail address"),
        "desk.received": _("Request received"),
        "desk.handler_assigned": _("Handler assigned"),
        "desk.conflict_declared": _("The handler declared a conflict of interest and left the case"),
        "desk.no_conflict_declared": _("The handler declared no conflict of interest"),
        "desk.acknowledged": _("Receipt acknowledged"),
        "desk.review_started": _("Review started"),
        "desk.mediation_started": _("Mediation started"),
        "desk.mediation_ended": _("Mediation ended; review resumed"),
        "desk.decided": _("Complaint decided"),
        "desk.referred": _("Referred outside the association's remit"),
        "desk.answered": _("Request answered"),
        "desk.message_sent": _("Message sent"),
        "desk.note_added": _("Internal note added"),
        "desk.sender_wrote": _("The sender wrote"),
        "desk.professional_wrote": _("The professional answered"),
        "desk.credential_suspended": _("The professional's credential was suspended"),
        "desk.credential_revoked": _("The professional's credential was revoked"),
        "desk.credential_linked": _("Credential linked to the case"),
    }
)
