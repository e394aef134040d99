"""The webhook events we send (a public contract: docs/webhooks.md). Each app that causes one writes it through
:func:`outbox.services.emit_event`; this list is what endpoints may subscribe to."""

from django.utils.translation import gettext_lazy as _

CREDENTIAL_EVENTS = {
    "credential.issued": _("A credential was issued"),
    "credential.renewed": _("A credential was renewed (the data is the new credential)"),
    "credential.suspended": _("A credential was suspended"),
    "credential.reinstated": _("A suspended credential was reinstated"),
    "credential.revoked": _("A credential was revoked"),
    "credential.expiring": _("A credential expires soon (sent at the reminder offsets)"),
    "credential.expired": _("A credential expired"),
}
OPT_IN_EVENTS = {
    "dossier.status_changed": _("A dossier's status changed (for the association's own systems)"),
}
TEST_EVENT = "webhook.test"
EVENT_TYPES = {**CREDENTIAL_EVENTS, **OPT_IN_EVENTS, TEST_EVENT: _("A test event, sent on request")}
# What an endpoint created without a list of events receives: every credential event, not the opt-in ones.
DEFAULT_EVENTS = list(CREDENTIAL_EVENTS)
