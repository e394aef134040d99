"""Putting a dossier in the committee's hands: questions to the applicant (and what their resubmission answers),
resuming an assessment, and assigning the assessors once the submitted version is checked complete.

Dossier status changes go through ``dossiers.services.change_status`` (locked, table-checked, audited,
notified on commit).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from aipia.errors import DomainError, InvalidTransition, NotAllowed
from dossiers import services as dossier_services
from dossiers.models import Dossier, DossierStatus, DossierSubmission

from .. import notifications
from ..models import Assignment, InformationRequest
from ..selectors import checked_complete, is_secretariat, live_assessors, min_assessors
from .common import ensure_assignable, ensure_secretariat, locked, record_event


@transaction.atomic
def request_information(*, dossier: Dossier, actor: User, questions: str) -> InformationRequest:
    """Send the dossier back to the applicant with questions; their resubmission resumes the assessment."""
    dossier = locked(dossier)
    allowed = (
        is_secretariat(user=actor, dossier=dossier)
        or Assignment.objects.filter(
            dossier=dossier,
            member=actor,
            role=Assignment.Role.ASSESSOR,
            status__in=[Assignment.Status.ACTIVE, Assignment.Status.DONE],
        ).exists()
    )
    if not allowed:
        raise NotAllowed(_("Only the secretariat, the chair or an assessor of this dossier can ask for information."))
    if not questions.strip():
        raise DomainError(_("Write the questions for the applicant."))
    request = InformationRequest.objects.create(dossier=dossier, requested_by=actor, questions=questions.strip())
    dossier_services.change_status(
        dossier=dossier,
        to=DossierStatus.INFORMATION_REQUESTED,
        actor=actor,
        action="assessment.information_requested",
        reason=questions.strip(),
    )
    return request


@transaction.atomic
def resume_after_resubmission(*, dossier: Dossier, submission: DossierSubmission, actor: User) -> None:
    """Called when the applicant resubmits: the open request is answered by the new version, which waits, like
    every submitted version, for its completeness check (``services.completeness``) before assessors see it."""
    InformationRequest.objects.filter(dossier=dossier, answered_by_submission__isnull=True).update(
        answered_by_submission=submission
    )


def resume_assessment(dossier: Dossier) -> None:
    """After a complete check of a resubmitted version: the assessors already at work score the new version afresh
    (their earlier sheets stay with the earlier version). Without such assessors, nothing: the secretariat assigns."""
    at_work = Assignment.objects.filter(
        dossier=dossier, role=Assignment.Role.ASSESSOR, status__in=[Assignment.Status.ACTIVE, Assignment.Status.DONE]
    )
    if at_work.exists():
        at_work.filter(status=Assignment.Status.DONE).update(status=Assignment.Status.ACTIVE)
        dossier_services.change_status(
            dossier=dossier, to=DossierStatus.UNDER_ASSESSMENT, actor=None, action="assessment.resumed"
        )


@transaction.atomic
def assign_assessors(*, dossier: Dossier, actor: User, assessors: Sequence[User]) -> list[Assignment]:
    """Assign assessors. The first assignment needs at least the profile's minimum (two) and starts the
    assessment; later ones replace a conflicted assessor or add the third one after a disagreement."""
    dossier = locked(dossier)
    ensure_secretariat(actor, dossier)
    if dossier.status not in (DossierStatus.SUBMITTED, DossierStatus.UNDER_ASSESSMENT):
        raise InvalidTransition(_("Assessors can be assigned only to a submitted dossier or one under assessment."))
    # A dossier under assessment got there through a complete check of its version (or, before checks were
    # recorded, through its first assignment): replacing an assessor or adding a third needs no new check.
    if dossier.status == DossierStatus.SUBMITTED and not checked_complete(dossier):
        raise InvalidTransition(
            _(
                "Assessors can be assigned only once the completeness check of the submitted version is recorded "
                "as complete."
            ),
            code="completeness_check_required",
        )
    if len({a.pk for a in assessors}) != len(assessors) or not assessors:
        raise DomainError(_("Choose each assessor once."))
    live = live_assessors(dossier).count()
    if dossier.status == DossierStatus.SUBMITTED and live + len(assessors) < min_assessors(dossier):
        needed = min_assessors(dossier)
        raise DomainError(
            ngettext("Assign at least %(n)d assessor.", "Assign at least %(n)d assessors.", needed) % {"n": needed},
            code="too_few_assessors",
        )
    created = []
    for user in assessors:
        ensure_assignable(user, dossier, role=Assignment.Role.ASSESSOR)
        try:
            with transaction.atomic():
                created.append(
                    Assignment.objects.create(
                        dossier=dossier, member=user, role=Assignment.Role.ASSESSOR, assigned_by=actor
                    )
                )
        except IntegrityError as exc:
            raise DomainError(_("%(name)s is already assigned to this dossier.") % {"name": user}) from exc
        record_event(dossier, action="assessment.assessor_assigned", actor=actor, data={"assessor": user.pk})
    if dossier.status == DossierStatus.SUBMITTED:
        dossier_services.change_status(
            dossier=dossier, to=DossierStatus.UNDER_ASSESSMENT, actor=actor, action="assessment.started"
        )
    for assignment in created:
        notifications.queue_assignment_notice(assignment_id=assignment.pk)
    return created
