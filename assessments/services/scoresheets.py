"""Scoring: the assessor's draft scoresheet, its submission, amendments, and what follows once every assessor
has submitted (a third assessor on disagreement, else the interview or the decision)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from aipia.errors import DomainError, InvalidTransition, NotAllowed
from dossiers import services as dossier_services
from dossiers.models import Dossier, DossierStatus

from ..models import Assessment, Assignment, CriterionScore, Escalation
from ..scoring import aggregate, needs_third_assessor
from ..selectors import (
    current_sheet,
    effective_sheets,
    latest_submission,
    live_assessors,
    min_assessors,
    scoring_criteria,
    sheet_scores,
)
from .common import locked, record_event


def _ensure_can_score(assignment: Assignment, actor: User) -> None:
    if assignment.member_id != actor.pk:
        raise NotAllowed(_("Only the assigned assessor can score this dossier."))
    if assignment.role != Assignment.Role.ASSESSOR or assignment.status != Assignment.Status.ACTIVE:
        raise NotAllowed(_("This assignment is not active for scoring."))
    if assignment.dossier.status != DossierStatus.UNDER_ASSESSMENT:
        raise InvalidTransition(_("The dossier is not under assessment."))


def _write_scores(sheet: Assessment, dossier: Dossier, scores: dict[str, dict[str, Any]], *, complete: bool) -> None:
    criteria = {c.code: c for c in dossier.profile.criteria.all()}
    unknown = set(scores) - set(criteria)
    if unknown:
        raise DomainError(_("Unknown criteria: %(codes)s") % {"codes": ", ".join(sorted(unknown))})
    for code, value in scores.items():
        criterion = criteria[code]
        score = value.get("score")
        if score is None:
            CriterionScore.objects.filter(assessment=sheet, criterion=criterion).delete()
            continue
        if not isinstance(score, int) or not 0 <= score <= criterion.max_score:
            raise DomainError(
                _("%(code)s: the score must be from 0 to %(max)d.") % {"code": code, "max": criterion.max_score}
            )
        CriterionScore.objects.update_or_create(
            assessment=sheet, criterion=criterion, defaults={"score": score, "comment": str(value.get("comment", ""))}
        )
    if complete:
        missing = sorted(set(criteria) - set(sheet.scores.values_list("criterion__code", flat=True)))
        if missing:
            raise DomainError(_("Score every criterion first: %(codes)s") % {"codes": ", ".join(missing)})


@transaction.atomic
def save_scores(
    *,
    assignment: Assignment,
    actor: User,
    scores: dict[str, dict[str, Any]],
    recommendation: str = "",
    comment: str = "",
) -> Assessment:
    """Save a draft scoresheet (any subset of criteria); nothing is visible to others until submitted."""
    assignment = Assignment.objects.select_for_update().select_related("dossier__profile").get(pk=assignment.pk)
    _ensure_can_score(assignment, actor)
    if recommendation and recommendation not in Assessment.Recommendation.values:
        raise DomainError(_("Unknown recommendation."))
    submission = latest_submission(assignment.dossier)
    sheet = current_sheet(assignment=assignment)
    if sheet is not None and sheet.submitted_at is not None:
        raise InvalidTransition(_("This scoresheet is submitted and can no longer be changed; amend it instead."))
    if sheet is None:
        sheet = Assessment.objects.create(assignment=assignment, submission=submission)
    sheet.recommendation, sheet.comment = recommendation, comment.strip()
    sheet.save(update_fields=["recommendation", "comment"])
    _write_scores(sheet, assignment.dossier, scores, complete=False)
    return sheet


@transaction.atomic
def submit_assessment(*, assignment: Assignment, actor: User) -> Assessment:
    """Submit the draft: every criterion scored and a recommendation given. Then immutable."""
    assignment = Assignment.objects.select_for_update().select_related("dossier__profile").get(pk=assignment.pk)
    _ensure_can_score(assignment, actor)
    sheet = current_sheet(assignment=assignment)
    if sheet is None:
        raise DomainError(_("Score every criterion first."))
    if sheet.submitted_at is not None:
        raise InvalidTransition(_("This scoresheet is already submitted."))
    _write_scores(sheet, assignment.dossier, {}, complete=True)
    if not sheet.recommendation:
        raise DomainError(_("Give your overall recommendation."))
    sheet.submitted_at = timezone.now()
    sheet.save(update_fields=["submitted_at"])
    assignment.status = Assignment.Status.DONE
    assignment.save(update_fields=["status"])
    dossier = locked(assignment.dossier)
    record_event(dossier, action="assessment.scores_submitted", actor=actor, data={"assessment": sheet.pk})
    _advance_after_scoring(dossier)
    return sheet


@transaction.atomic
def amend_assessment(
    *,
    assessment: Assessment,
    actor: User,
    scores: dict[str, dict[str, Any]],
    recommendation: str,
    comment: str,
    reason: str,
) -> Assessment:
    """Correct a submitted scoresheet: a new, audited sheet supersedes it; the original stays as it was."""
    original = (
        Assessment.objects.select_for_update().select_related("assignment__dossier__profile").get(pk=assessment.pk)
    )
    dossier = locked(original.assignment.dossier)
    if original.assignment.member_id != actor.pk:
        raise NotAllowed(_("Only its author can amend a scoresheet."))
    if original.assignment.status not in (Assignment.Status.ACTIVE, Assignment.Status.DONE):
        raise NotAllowed(_("This assignment has ended: its scores can no longer be amended."))
    if original.submitted_at is None:
        raise InvalidTransition(_("A draft is changed directly, not amended."))
    if Assessment.objects.filter(supersedes=original).exists():
        raise InvalidTransition(_("This scoresheet has already been amended; amend the newest version."))
    if dossier.status not in (DossierStatus.UNDER_ASSESSMENT, DossierStatus.INTERVIEW, DossierStatus.AWAITING_DECISION):
        raise InvalidTransition(_("Scores can no longer be amended: the dossier has moved on."))
    if not reason.strip():
        raise DomainError(_("Explain why the scores are amended."))
    if recommendation not in Assessment.Recommendation.values:
        raise DomainError(_("Unknown recommendation."))
    amended = Assessment.objects.create(
        assignment=original.assignment,
        submission=original.submission,
        recommendation=recommendation,
        comment=comment.strip(),
        supersedes=original,
        amendment_reason=reason.strip(),
    )
    previous = {
        s.criterion.code: {"score": s.score, "comment": s.comment} for s in original.scores.select_related("criterion")
    }
    _write_scores(amended, dossier, {**previous, **scores}, complete=True)
    amended.submitted_at = timezone.now()
    amended.save(update_fields=["submitted_at"])
    record_event(
        dossier, action="assessment.scores_amended", actor=actor, reason=reason.strip(), data={"assessment": amended.pk}
    )
    return amended


def _advance_after_scoring(dossier: Dossier) -> None:
    """Once every live assessor has submitted: escalate a disagreement, or move on to interview or decision."""
    pending = live_assessors(dossier).exclude(status=Assignment.Status.DONE).exists()
    submission = latest_submission(dossier)
    sheets = effective_sheets(dossier=dossier, submission=submission)
    if pending or len(sheets) < min_assessors(dossier):
        return
    result = aggregate(
        sheets=[sheet_scores(s) for s in sheets],
        criteria=scoring_criteria(dossier),
        pass_rules=dossier.profile.pass_rules,
    )
    escalation = Escalation.objects.filter(submission=submission).first()
    if escalation is None and needs_third_assessor(
        spread=result.spread, assessors=len(sheets), pass_rules=dossier.profile.pass_rules
    ):
        Escalation.objects.create(dossier=dossier, submission=submission, spread=result.spread)
        record_event(
            dossier, action="assessment.third_assessor_requested", actor=None, data={"spread": str(result.spread)}
        )
        return
    if escalation is not None and escalation.resolved_at is None:
        escalation.resolved_at = timezone.now()
        escalation.save(update_fields=["resolved_at"])
    wants_interview = dossier.profile.interview_required or any(
        s.recommendation == Assessment.Recommendation.INTERVIEW for s in sheets
    )
    to = DossierStatus.INTERVIEW if wants_interview else DossierStatus.AWAITING_DECISION
    action = "assessment.interview_needed" if wants_interview else "assessment.completed"
    dossier_services.change_status(dossier=dossier, to=to, actor=None, action=action)
