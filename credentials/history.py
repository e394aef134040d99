"""The sentences of the events that the credentials app writes into a credential's history (accounts/history.py)."""

from django.utils.translation import gettext_lazy as _

from accounts.history import register_events

register_events(
    {
        "credential.issuance_requested": _("Issuance requested"),
        "credential.issued": _("Credential issued"),
        "credential.issuance_failed": _("Issuance failed"),
        "credential.issuance_retried": _("Issuance retried"),
        "credential.suspended": _("Credential suspended"),
        "credential.reinstated": _("Credential reinstated"),
        "credential.revoked": _("Credential revoked"),
        "credential.expired": _("Credential expired"),
        "credential.reminder_sent": _("Renewal reminder sent"),
        "credential.register_listed": _("Listed in the public register"),
        "credential.register_unlisted": _("Removed from the public register"),
        "credential.public_page_on": _("Public page switched on by the holder"),
        "credential.public_page_off": _("Public page switched off by the holder"),
        "credential.wallet_offer_created": _("Wallet offer created by the holder"),
        "credential.wallet_offer_revoked": _("Wallet offer revoked by the holder"),
        "credential.wallet_offer_locked": _("Wallet offer closed after too many wrong codes"),
        "credential.wallet_issued": _("Added to a wallet"),
        "credential.ltv_extended": _("Archive timestamp added to the certificate (long-term validation)"),
        "renewal.submitted": _("Renewal application submitted"),
        "renewal.resubmitted": _("Renewal application submitted again"),
        "renewal.more_info": _("More information requested for the renewal"),
        "renewal.approved": _("Renewal approved"),
        "renewal.rejected": _("Renewal rejected"),
        "renewal.reassessment": _("Renewal sent to a full re-assessment"),
        "cpd.activity_logged": _("CPD activity logged"),
        "cpd.activity_deleted": _("CPD activity deleted"),
        "external_certification.verified": _("External certification verified"),
        "attestation.statement": _("Attestation statement recorded"),
    }
)
