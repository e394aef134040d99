from django.dispatch import receiver

from dossiers.models import Dossier, DossierStatus
from dossiers.signals import dossier_status_changed


@receiver(dossier_status_changed, sender=Dossier, dispatch_uid="credentials.start_issuance_on_approval")
def _start_issuance_on_approval(sender, *, dossier, to_status, actor, **kwargs):
    if to_status == DossierStatus.APPROVED:
        from .services import start_issuance

        start_issuance(dossier=dossier, actor=actor)
