"""What credentials do when other apps' records change: an approved dossier starts an issuance, a membership's
change suspends or reinstates the member's Law 4/2013 attestations. Connected in CredentialsConfig.ready()."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import Membership
from credentials.services.attestation import sync_attestations_with_membership
from credentials.services.issuance import start_issuance
from dossiers.models import Dossier, DossierStatus
from dossiers.signals import dossier_status_changed


@receiver(dossier_status_changed, sender=Dossier, dispatch_uid="credentials.start_issuance_on_approval")
def _start_issuance_on_approval(sender, *, dossier, to_status, actor, **kwargs):
    if to_status == DossierStatus.APPROVED:
        start_issuance(dossier=dossier, actor=actor)


@receiver(post_save, sender=Membership, dispatch_uid="credentials.sync_attestations_with_membership")
def _sync_attestations_with_membership(sender, *, instance, raw=False, **kwargs):
    # A lapsed or suspended membership suspends the member's Law 4/2013 attestations; a restored one
    # reinstates them (credentials/services/attestation.py). Memberships that lapse by date are caught by the
    # daily sweep.
    if raw:
        return
    sync_attestations_with_membership(member=instance.user)
