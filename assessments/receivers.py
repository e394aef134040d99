from django.dispatch import receiver

from dossiers.models import Dossier
from dossiers.signals import dossier_submitted

from .services.assignments import resume_after_resubmission


@receiver(dossier_submitted, sender=Dossier, dispatch_uid="assessments.resume_after_resubmission")
def _resume_after_resubmission(sender, *, dossier, submission, actor, **kwargs):
    if submission.number > 1:
        resume_after_resubmission(dossier=dossier, submission=submission, actor=actor)
