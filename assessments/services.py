"""The committee's verbs: declarations, assignments, scoring, interviews, decisions and appeals.

Segregation of duties (ISO/IEC 17024) is enforced here, not in views:
- nobody assesses, interviews, decides or hears an appeal on their own dossier;
- an assessor or interviewer declares any conflict of interest before seeing the dossier, and a
  declared conflict ends the assignment;
- the decision maker is not an assessor or interviewer of the dossier (nor anyone who declared a conflict);
- an appeal is heard by people involved neither in the decision nor in the assessment.
Every committee member needs a signed impartiality declaration, renewed yearly.

Dossier status changes go through ``dossiers.services.change_status`` (locked, table-checked, audited,
notified on commit).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from aipia.errors import DomainError, InvalidTransition, NotAllowed
from aipia.queue import enqueue_on_commit
from dossiers import services as dossier_services
from dossiers.models import Dossier, DossierEvent, DossierStatus, DossierSubmission

from .models import (
    Appeal,
    Assessment,
    Assignment,
    CommitteeMember,
    CriterionScore,
    Decision,
    Escalation,
    ImpartialityDeclaration,
    InformationRequest,
    Interview,
    InterviewRecord,
)
from .scoring import aggregate, needs_third_assessor
from .selectors import (
    LIVE_ASSIGNMENT,
    dossier_aggregate,
    dossier_agreement,
    effective_sheets,
    latest_submission,
    scoring_criteria,
    sheet_scores,
)

DECLARATION_TEXT_VERSION = "2026-1"


# --- who is who ------------------------------------------------------------------------------------------


def has_committee_role(*, user: User, dossier: Dossier, role: str) -> bool:
    """Whether ``user`` holds ``role`` (``is_assessor``, ``is_interviewer``, ``is_decision_maker``,
    ``is_chair``) on any active committee responsible for the dossier's profile."""
    return CommitteeMember.objects.filter(
        user=user, committee__is_active=True, committee__profiles=dossier.profile_id, **{role: True}
    ).exists()


def is_secretariat(*, user: User, dossier: Dossier) -> bool:
    """Staff, or the chair of the dossier's committee: they check completeness and assign people."""
    return user.is_staff or has_committee_role(user=user, dossier=dossier, role="is_chair")


def has_valid_declaration(*, user: User, on: datetime.date | None = None) -> bool:
    on = on or timezone.localdate()
    return ImpartialityDeclaration.objects.filter(user=user, valid_until__gte=on).exists()


def _ensure_secretariat(user: User, dossier: Dossier) -> None:
    if not is_secretariat(user=user, dossier=dossier):
        raise NotAllowed(_("Only the committee's chair or the secretariat can do this."))
    _ensure_not_owner(user, dossier)
    if not user.is_staff:
        # A chair is a committee member like any other: no work on dossiers without a valid declaration.
        _ensure_declaration(user)


def _ensure_declaration(user: User) -> None:
    if not has_valid_declaration(user=user):
        raise NotAllowed(
            _("%(name)s has no valid impartiality and confidentiality declaration (it is renewed every year).")
            % {"name": user},
            code="declaration_required",
        )


def _ensure_not_owner(user: User, dossier: Dossier) -> None:
    if user.pk == dossier.owner_id:
        raise NotAllowed(_("Nobody can take part in the assessment of their own dossier."), code="own_dossier")


def involved_in_assessment(*, user: User, dossier: Dossier) -> bool:
    """Assessor or interviewer of the dossier, in any state (a declared conflict counts too)."""
    return Assignment.objects.filter(dossier=dossier, member=user).exists()


def _event(dossier: Dossier, *, action: str, actor: User | None, reason: str = "", data: dict | None = None) -> None:
    """Audit a committee action that does not change the dossier's status."""
    DossierEvent.objects.create(dossier=dossier, action=action, actor=actor, reason=reason, data=data or {})


def _locked(dossier: Dossier) -> Dossier:
    return Dossier.objects.select_for_update().select_related("profile", "owner").get(pk=dossier.pk)


# --- impartiality ----------------------------------------------------------------------------------------


@transaction.atomic
def sign_impartiality_declaration(*, user: User) -> ImpartialityDeclaration:
    """Record the member's signature of the current declaration, valid for one year from today."""
    if not (user.is_staff or CommitteeMember.objects.filter(user=user, committee__is_active=True).exists()):
        raise NotAllowed(_("Only committee members sign the impartiality declaration."))
    now = timezone.now()
    today = timezone.localdate()
    try:
        valid_until = today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        valid_until = today + datetime.timedelta(days=365)
    return ImpartialityDeclaration.objects.create(
        user=user, text_version=DECLARATION_TEXT_VERSION, signed_at=now, valid_until=valid_until
    )


# --- completeness check and information requests ---------------------------------------------------------


@transaction.atomic
def request_information(*, dossier: Dossier, actor: User, questions: str) -> InformationRequest:
    """Send the dossier back to the applicant with questions; their resubmission resumes the assessment."""
    dossier = _locked(dossier)
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
    """Called when the applicant resubmits: answer the open request and resume any assessment in progress."""
    InformationRequest.objects.filter(dossier=dossier, answered_by_submission__isnull=True).update(
        answered_by_submission=submission
    )
    live_assessors = Assignment.objects.filter(
        dossier=dossier, role=Assignment.Role.ASSESSOR, status__in=[Assignment.Status.ACTIVE, Assignment.Status.DONE]
    )
    if live_assessors.exists():
        # Assessors score the new version afresh; their earlier sheets stay with the earlier version.
        live_assessors.filter(status=Assignment.Status.DONE).update(status=Assignment.Status.ACTIVE)
        dossier_services.change_status(
            dossier=dossier, to=DossierStatus.UNDER_ASSESSMENT, actor=None, action="assessment.resumed"
        )


# --- assignments -----------------------------------------------------------------------------------------


def _workload(users: Iterable[User]) -> dict[int, int]:
    counts = (
        Assignment.objects.filter(
            member__in=list(users), status__in=[Assignment.Status.AWAITING_DECLARATION, Assignment.Status.ACTIVE]
        )
        .values("member")
        .annotate(n=Count("pk"))
    )
    return {row["member"]: row["n"] for row in counts}


def eligible_assessors(*, dossier: Dossier) -> list[User]:
    """Assessors of the dossier's committee who may be assigned, least busy first."""
    candidates = [
        m.user
        for m in CommitteeMember.objects.filter(
            committee__is_active=True, committee__profiles=dossier.profile_id, is_assessor=True
        ).select_related("user")
        if m.user_id != dossier.owner_id
        and has_valid_declaration(user=m.user)
        and not involved_in_assessment(user=m.user, dossier=dossier)
        and not Decision.objects.filter(dossier=dossier, decided_by=m.user).exists()
    ]
    load = _workload(candidates)
    return sorted(candidates, key=lambda u: (load.get(u.pk, 0), u.last_name, u.pk))


def suggest_assessors(*, dossier: Dossier, count: int | None = None) -> list[User]:
    """The suggestion shown when assigning: enough eligible assessors, by workload."""
    needed = count if count is not None else _assessors_needed(dossier)
    return eligible_assessors(dossier=dossier)[: max(needed, 0)]


def _min_assessors(dossier: Dossier) -> int:
    return int(dossier.profile.pass_rules.get("min_assessors", 2))


def _live_assessors(dossier: Dossier):
    return Assignment.objects.filter(dossier=dossier, role=Assignment.Role.ASSESSOR, status__in=LIVE_ASSIGNMENT)


def _assessors_needed(dossier: Dossier) -> int:
    wanted = _min_assessors(dossier)
    submission = dossier.submissions.order_by("-number").first()
    if submission and Escalation.objects.filter(submission=submission, resolved_at__isnull=True).exists():
        wanted += 1
    return wanted - _live_assessors(dossier).count()


def _check_assignable(member_user: User, dossier: Dossier, *, role: str) -> None:
    _ensure_not_owner(member_user, dossier)
    flag = "is_assessor" if role == Assignment.Role.ASSESSOR else "is_interviewer"
    if not has_committee_role(user=member_user, dossier=dossier, role=flag):
        raise NotAllowed(
            _("%(name)s is not on this profile's committee with the role: %(role)s.")
            % {"name": member_user, "role": Assignment.Role(role).label.lower()}
        )
    _ensure_declaration(member_user)
    if Decision.objects.filter(dossier=dossier, decided_by=member_user).exists():
        raise NotAllowed(_("%(name)s took a decision on this dossier.") % {"name": member_user})
    if Assignment.objects.filter(dossier=dossier, member=member_user, status=Assignment.Status.CONFLICTED).exists():
        raise NotAllowed(_("%(name)s declared a conflict of interest on this dossier.") % {"name": member_user})


@transaction.atomic
def assign_assessors(*, dossier: Dossier, actor: User, assessors: Sequence[User]) -> list[Assignment]:
    """Assign assessors. The first assignment needs at least the profile's minimum (two) and starts the
    assessment; later ones replace a conflicted assessor or add the third one after a disagreement."""
    dossier = _locked(dossier)
    _ensure_secretariat(actor, dossier)
    if dossier.status not in (DossierStatus.SUBMITTED, DossierStatus.UNDER_ASSESSMENT):
        raise InvalidTransition(_("Assessors can be assigned only to a submitted dossier or one under assessment."))
    if len({a.pk for a in assessors}) != len(assessors) or not assessors:
        raise DomainError(_("Choose each assessor once."))
    live = _live_assessors(dossier).count()
    if dossier.status == DossierStatus.SUBMITTED and live + len(assessors) < _min_assessors(dossier):
        needed = _min_assessors(dossier)
        raise DomainError(
            ngettext("Assign at least %(n)d assessor.", "Assign at least %(n)d assessors.", needed) % {"n": needed},
            code="too_few_assessors",
        )
    created = []
    for user in assessors:
        _check_assignable(user, dossier, role=Assignment.Role.ASSESSOR)
        try:
            with transaction.atomic():
                created.append(
                    Assignment.objects.create(
                        dossier=dossier, member=user, role=Assignment.Role.ASSESSOR, assigned_by=actor
                    )
                )
        except IntegrityError as exc:
            raise DomainError(_("%(name)s is already assigned to this dossier.") % {"name": user}) from exc
        _event(dossier, action="assessment.assessor_assigned", actor=actor, data={"assessor": user.pk})
    if dossier.status == DossierStatus.SUBMITTED:
        dossier_services.change_status(
            dossier=dossier, to=DossierStatus.UNDER_ASSESSMENT, actor=actor, action="assessment.started"
        )
    for assignment in created:
        enqueue_on_commit("assessments.notify_assignment", assignment.pk)
    return created


@transaction.atomic
def declare_conflict_of_interest(
    *, assignment: Assignment, actor: User, has_conflict: bool, reason: str = ""
) -> Assignment:
    """The assigned member's declaration, before they see anything of the dossier. Made once; kept forever."""
    assignment = Assignment.objects.select_for_update().select_related("dossier").get(pk=assignment.pk)
    if assignment.member_id != actor.pk:
        raise NotAllowed(_("Only the assigned member can make this declaration."))
    if assignment.status != Assignment.Status.AWAITING_DECLARATION:
        raise InvalidTransition(_("The declaration for this assignment has already been made."))
    _ensure_declaration(actor)
    if has_conflict and not reason.strip():
        raise DomainError(_("Describe the conflict (for example: employer, trainer, relative)."))
    assignment.declared_at = timezone.now()
    assignment.has_conflict = has_conflict
    assignment.conflict_reason = reason.strip()
    assignment.status = Assignment.Status.CONFLICTED if has_conflict else Assignment.Status.ACTIVE
    assignment.save(update_fields=["declared_at", "has_conflict", "conflict_reason", "status"])
    _event(
        assignment.dossier,
        action="assessment.conflict_declared" if has_conflict else "assessment.no_conflict_declared",
        actor=actor,
        reason=assignment.conflict_reason,
        data={"assignment": assignment.pk, "role": assignment.role},
    )
    return assignment


# --- scoring ---------------------------------------------------------------------------------------------


def current_sheet(*, assignment: Assignment) -> Assessment | None:
    """The assessor's newest sheet (draft, submitted or amended) for the dossier's latest version."""
    submission = latest_submission(assignment.dossier)
    return (
        Assessment.objects.filter(assignment=assignment, submission=submission, superseded_by__isnull=True)
        .order_by("-created_at", "-pk")
        .first()
    )


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
    dossier = _locked(assignment.dossier)
    _event(dossier, action="assessment.scores_submitted", actor=actor, data={"assessment": sheet.pk})
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
    dossier = _locked(original.assignment.dossier)
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
    _event(
        dossier, action="assessment.scores_amended", actor=actor, reason=reason.strip(), data={"assessment": amended.pk}
    )
    return amended


def _advance_after_scoring(dossier: Dossier) -> None:
    """Once every live assessor has submitted: escalate a disagreement, or move on to interview or decision."""
    pending = _live_assessors(dossier).exclude(status=Assignment.Status.DONE).exists()
    submission = latest_submission(dossier)
    sheets = effective_sheets(dossier=dossier, submission=submission)
    if pending or len(sheets) < _min_assessors(dossier):
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
        _event(dossier, action="assessment.third_assessor_requested", actor=None, data={"spread": str(result.spread)})
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


# --- interview -------------------------------------------------------------------------------------------


@transaction.atomic
def schedule_interview(
    *,
    dossier: Dossier,
    actor: User,
    starts_at: datetime.datetime,
    time_zone: str,
    mode: str,
    location: str,
    interviewers: Sequence[User],
    duration_minutes: int = 45,
) -> Interview:
    """Schedule the interview and invite the applicant and the panel (iCalendar by e-mail, on commit)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    dossier = _locked(dossier)
    _ensure_secretariat(actor, dossier)
    if dossier.status != DossierStatus.INTERVIEW:
        raise InvalidTransition(_("An interview can be scheduled only when the dossier awaits one."))
    if Interview.objects.filter(dossier=dossier, status=Interview.Status.SCHEDULED).exists():
        raise InvalidTransition(_("An interview is already scheduled; cancel it first."))
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise DomainError(_("Unknown time zone: %(tz)s") % {"tz": time_zone}) from exc
    if timezone.is_naive(starts_at):
        starts_at = starts_at.replace(tzinfo=zone)
    if starts_at <= timezone.now():
        raise DomainError(_("The interview must be in the future."))
    if mode not in Interview.Mode.values or not location.strip():
        raise DomainError(_("Give the interview's mode and its address or video link."))
    if not interviewers:
        raise DomainError(_("Choose at least one interviewer."))
    for user in interviewers:
        _check_assignable(user, dossier, role=Assignment.Role.INTERVIEWER)
    interview = Interview.objects.create(
        dossier=dossier,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        time_zone=time_zone,
        mode=mode,
        location=location.strip(),
        questions=list(dossier.profile.interview_questions),
        uid=f"{uuid.uuid4()}@aipia-credentials",
        scheduled_by=actor,
    )
    for user in interviewers:
        existing = Assignment.objects.filter(
            dossier=dossier, member=user, role=Assignment.Role.INTERVIEWER, status__in=LIVE_ASSIGNMENT
        ).first()
        if existing is None:
            Assignment.objects.create(dossier=dossier, member=user, role=Assignment.Role.INTERVIEWER, assigned_by=actor)
    _event(
        dossier,
        action="assessment.interview_scheduled",
        actor=actor,
        data={
            "interview": interview.pk,
            "starts_at": starts_at.isoformat(),
            "interviewers": [u.pk for u in interviewers],
        },
    )
    enqueue_on_commit("assessments.send_interview_invitations", interview.pk)
    return interview


@transaction.atomic
def record_interview(
    *,
    interview: Interview,
    actor: User,
    answers: list[dict[str, Any]],
    minutes: str,
    score: int,
    recommendation: str,
) -> InterviewRecord:
    """An interviewer's minutes and scores. When every interviewer has recorded, the dossier awaits decision."""
    interview = Interview.objects.select_for_update().select_related("dossier").get(pk=interview.pk)
    dossier = interview.dossier
    if InterviewRecord.objects.filter(interview=interview, interviewer=actor).exists():
        raise InvalidTransition(_("You have already recorded this interview."))
    assignment = Assignment.objects.filter(
        dossier=dossier, member=actor, role=Assignment.Role.INTERVIEWER, status=Assignment.Status.ACTIVE
    ).first()
    if assignment is None:
        raise NotAllowed(_("Only an interviewer of this dossier who declared no conflict can record the interview."))
    if interview.status != Interview.Status.SCHEDULED:
        raise InvalidTransition(_("This interview is not open for records."))
    if not minutes.strip():
        raise DomainError(_("Write the minutes of the interview."))
    if not 0 <= score <= 4:
        raise DomainError(_("The interview score must be from 0 to 4."))
    if recommendation not in (Assessment.Recommendation.PASS, Assessment.Recommendation.FAIL):
        raise DomainError(_("Recommend certifying or not."))
    try:
        with transaction.atomic():
            record = InterviewRecord.objects.create(
                interview=interview,
                interviewer=actor,
                answers=answers,
                minutes=minutes.strip(),
                score=score,
                recommendation=recommendation,
                submitted_at=timezone.now(),
            )
    except IntegrityError as exc:
        raise InvalidTransition(_("You have already recorded this interview.")) from exc
    assignment.status = Assignment.Status.DONE
    assignment.save(update_fields=["status"])
    _event(dossier, action="assessment.interview_recorded", actor=actor, data={"interview": interview.pk})
    still_open = Assignment.objects.filter(
        dossier=dossier,
        role=Assignment.Role.INTERVIEWER,
        status__in=[Assignment.Status.AWAITING_DECLARATION, Assignment.Status.ACTIVE],
    ).exists()
    if not still_open:
        interview.status = Interview.Status.COMPLETED
        interview.save(update_fields=["status"])
        dossier_services.change_status(
            dossier=dossier, to=DossierStatus.AWAITING_DECISION, actor=None, action="assessment.interview_completed"
        )
    return record


# --- decision --------------------------------------------------------------------------------------------


def decision_record(*, dossier: Dossier) -> dict[str, Any]:
    """What the decision maker sees, and what the decision keeps: aggregated scores, agreement, interview."""
    result = dossier_aggregate(dossier=dossier)
    interviews = [
        {
            "starts_at": i.starts_at.isoformat(),
            "records": [
                {"interviewer": r.interviewer_id, "score": r.score, "recommendation": r.recommendation}
                for r in i.records.all()
            ],
        }
        for i in dossier.interviews.filter(status=Interview.Status.COMPLETED).prefetch_related("records")
    ]
    return {
        "submission": latest_submission(dossier).number,
        "aggregate": None
        if result is None
        else {
            "criterion_means": {k: str(v) for k, v in result.criterion_means.items()},
            "weighted_average": str(result.weighted_average),
            "passed": result.passed,
            "reasons": result.reasons,
            "spread": str(result.spread),
            "assessors": result.assessors,
        },
        "agreement": dossier_agreement(dossier=dossier),
        "recommendations": [s.recommendation for s in effective_sheets(dossier=dossier)],
        "interviews": interviews,
    }


def _ensure_can_decide(actor: User, dossier: Dossier) -> None:
    _ensure_not_owner(actor, dossier)
    if not has_committee_role(user=actor, dossier=dossier, role="is_decision_maker"):
        raise NotAllowed(_("Only a decision maker of the committee for this profile can decide."))
    _ensure_declaration(actor)
    if involved_in_assessment(user=actor, dossier=dossier):
        raise NotAllowed(
            _("You assessed or interviewed this applicant (or declared a conflict): someone else must decide."),
            code="segregation_of_duties",
        )


@transaction.atomic
def decide(*, dossier: Dossier, actor: User, outcome: str, rationale: str) -> Decision:
    """Approve or reject with a written rationale; the applicant is told, with the rationale.

    Two decision makers acting at once: the dossier row lock serialises them and the second finds the
    dossier already decided (and the unique constraint backs this up).
    """
    dossier = _locked(dossier)
    _ensure_can_decide(actor, dossier)
    if dossier.status != DossierStatus.AWAITING_DECISION:
        if Decision.objects.filter(dossier=dossier, kind=Decision.Kind.INITIAL).exists():
            raise InvalidTransition(_("This dossier has already been decided."), code="already_decided")
        raise InvalidTransition(_("This dossier is not awaiting a decision."))
    if outcome not in Decision.Outcome.values:
        raise DomainError(_("Choose approve or reject."))
    if len(rationale.strip()) < 20:
        raise DomainError(_("Write the rationale of the decision (at least 20 characters)."))
    try:
        with transaction.atomic():
            decision = Decision.objects.create(
                dossier=dossier,
                kind=Decision.Kind.INITIAL,
                outcome=outcome,
                rationale=rationale.strip(),
                decided_by=actor,
                decided_at=timezone.now(),
                record=decision_record(dossier=dossier),
            )
    except IntegrityError as exc:
        raise InvalidTransition(_("This dossier has already been decided."), code="already_decided") from exc
    to = DossierStatus.APPROVED if outcome == Decision.Outcome.APPROVE else DossierStatus.REJECTED
    dossier_services.change_status(
        dossier=dossier,
        to=to,
        actor=actor,
        action="decision.approved" if outcome == Decision.Outcome.APPROVE else "decision.rejected",
        reason=decision.rationale,
    )
    return decision


# --- appeal ----------------------------------------------------------------------------------------------


def appeal_deadline(*, decision: Decision) -> datetime.datetime:
    return decision.decided_at + datetime.timedelta(days=settings.APPEAL_PERIOD_DAYS)


@transaction.atomic
def lodge_appeal(*, dossier: Dossier, actor: User, statement: str) -> Appeal:
    """The applicant appeals a rejection, within the appeal period, with a statement."""
    dossier = _locked(dossier)
    if dossier.owner_id != actor.pk:
        raise NotAllowed(_("Only the applicant can appeal."))
    if dossier.status != DossierStatus.REJECTED:
        raise InvalidTransition(_("Only a rejected dossier can be appealed."))
    decision = Decision.objects.filter(dossier=dossier, kind=Decision.Kind.INITIAL).first()
    if decision is None or Appeal.objects.filter(dossier=dossier).exists():
        raise InvalidTransition(_("This decision has already been appealed."))
    if timezone.now() > appeal_deadline(decision=decision):
        raise InvalidTransition(
            _("The appeal period ended on %(date)s.")
            % {"date": timezone.localtime(appeal_deadline(decision=decision)).date()},
            code="appeal_period_over",
        )
    if len(statement.strip()) < 20:
        raise DomainError(_("Explain the grounds of your appeal (at least 20 characters)."))
    if (
        Dossier.objects.filter(owner=dossier.owner, profile=dossier.profile)
        .exclude(pk=dossier.pk)
        .exclude(status__in=[DossierStatus.APPROVED, DossierStatus.REJECTED, DossierStatus.WITHDRAWN])
        .exists()
    ):
        raise DomainError(_("You have another open dossier for this profile: withdraw it before appealing."))
    appeal = Appeal.objects.create(
        dossier=dossier, decision=decision, statement=statement.strip(), lodged_at=timezone.now()
    )
    dossier_services.change_status(
        dossier=dossier, to=DossierStatus.APPEALED, actor=actor, action="appeal.lodged", reason=appeal.statement
    )
    return appeal


def uninvolved_members(*, dossier: Dossier) -> list[User]:
    """Committee members who may hear an appeal: not the applicant, not the decision maker, not involved."""
    deciders = set(Decision.objects.filter(dossier=dossier).values_list("decided_by", flat=True))
    involved = set(Assignment.objects.filter(dossier=dossier).values_list("member", flat=True))
    return [
        m.user
        for m in CommitteeMember.objects.filter(
            committee__is_active=True, committee__profiles=dossier.profile_id
        ).select_related("user")
        if m.user_id not in deciders | involved | {dossier.owner_id} and has_valid_declaration(user=m.user)
    ]


@transaction.atomic
def set_appeal_panel(*, appeal: Appeal, actor: User, members: Sequence[User]) -> Appeal:
    appeal = Appeal.objects.select_for_update().select_related("dossier").get(pk=appeal.pk)
    _ensure_secretariat(actor, appeal.dossier)
    if appeal.status != Appeal.Status.LODGED:
        raise InvalidTransition(_("This appeal has been decided."))
    if not members:
        raise DomainError(_("Choose the members of the appeal panel."))
    allowed = {u.pk for u in uninvolved_members(dossier=appeal.dossier)}
    for user in members:
        if user.pk not in allowed:
            raise NotAllowed(
                _("%(name)s was involved in this dossier or its decision and cannot hear the appeal.") % {"name": user},
                code="segregation_of_duties",
            )
    appeal.panel.set(members)
    _event(appeal.dossier, action="appeal.panel_set", actor=actor, data={"panel": [u.pk for u in members]})
    return appeal


@transaction.atomic
def decide_appeal(*, appeal: Appeal, actor: User, overturn: bool, rationale: str) -> Decision:
    """The panel upholds the rejection or overturns it (the dossier is then approved)."""
    appeal = Appeal.objects.select_for_update().select_related("dossier").get(pk=appeal.pk)
    dossier = _locked(appeal.dossier)
    if not appeal.panel.filter(pk=actor.pk).exists():
        raise NotAllowed(_("Only a member of the appeal panel can record its decision."))
    _ensure_declaration(actor)
    if appeal.status != Appeal.Status.LODGED or dossier.status != DossierStatus.APPEALED:
        raise InvalidTransition(_("This appeal has already been decided."), code="already_decided")
    if len(rationale.strip()) < 20:
        raise DomainError(_("Write the rationale of the appeal decision (at least 20 characters)."))
    try:
        with transaction.atomic():
            decision = Decision.objects.create(
                dossier=dossier,
                kind=Decision.Kind.APPEAL,
                outcome=Decision.Outcome.APPROVE if overturn else Decision.Outcome.REJECT,
                rationale=rationale.strip(),
                decided_by=actor,
                decided_at=timezone.now(),
                record=decision_record(dossier=dossier),
            )
    except IntegrityError as exc:
        raise InvalidTransition(_("This appeal has already been decided."), code="already_decided") from exc
    appeal.status = Appeal.Status.OVERTURNED if overturn else Appeal.Status.UPHELD
    appeal.save(update_fields=["status"])
    dossier_services.change_status(
        dossier=dossier,
        to=DossierStatus.APPROVED if overturn else DossierStatus.REJECTED,
        actor=actor,
        action="appeal.overturned" if overturn else "appeal.upheld",
        reason=decision.rationale,
    )
    return decision
