from django import template
from django.utils import timezone

from assessments.models import Appeal, Decision
from assessments.selectors import appeal_deadline
from dossiers.models import DossierStatus

register = template.Library()


@register.simple_tag
def appeal_info(dossier) -> dict:
    """For the applicant's dossier page: whether a rejection can still be appealed, until when, and any appeal."""
    if dossier.status not in (DossierStatus.REJECTED, DossierStatus.APPEALED, DossierStatus.APPROVED):
        return {}
    appeal = Appeal.objects.filter(dossier=dossier).first()
    decision = Decision.objects.filter(dossier=dossier, kind=Decision.Kind.INITIAL).first()
    if decision is None:
        return {"appeal": appeal}
    deadline = appeal_deadline(decision=decision)
    return {
        "appeal": appeal,
        "deadline": deadline,
        "can_appeal": dossier.status == DossierStatus.REJECTED and appeal is None and timezone.now() <= deadline,
    }
