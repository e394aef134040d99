"""Reads for the committee, always scoped to who is asking: who holds which committee role on a dossier, what
an assigned member may see, the scoresheets that count and the agreement between them, whom to assign. The
figures across dossiers (dashboard, time in status, agreement by month) are in assessments/figures.py.

Nothing here writes. The services (assessments/services/) import these reads; this module never imports them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from aipia.errors import InvalidTransition
from dossiers.models import Dossier, DossierSubmission

from .models import (
    Assessment,
    Assignment,
    Committee,
    CommitteeMember,
    CompletenessCheck,
    Decision,
    Escalation,
    ImpartialityDeclaration,
    Interview,
    InterviewRecord,
)
from .scoring import Aggregate, Criterion, aggregate, mean_pairwise_kappa, min_pairs_for_kappa, reportable_kappa

LIVE_ASSIGNMENT = (Assignment.Status.AWAITING_DECLARATION, Assignment.Status.ACTIVE, Assignment.Status.DONE)


# --- who is who ---------------------------------------------------------------------------------------------


def is_staff(user: User) -> bool:
    """The association's staff, the committee's secretariat on every dossier: Django's staff flag.

    Not ``accounts.roles.is_association_staff``, which counts administrators without the flag too: they would act
    as the secretariat, without an impartiality declaration. That is a decision to take, not a refactoring."""
    return bool(user.is_staff)


def is_committee_user(user: User) -> bool:
    """Staff, or a member of an active committee (in whatever role): who reaches the committee's pages."""
    return user.is_authenticated and (
        is_staff(user) or CommitteeMember.objects.filter(user=user, committee__is_active=True).exists()
    )


def has_committee_role(*, user: User, dossier: Dossier, role: str) -> bool:
    """Whether ``user`` holds ``role`` (``is_assessor``, ``is_interviewer``, ``is_decision_maker``,
    ``is_chair``) on any active committee responsible for the dossier's profile."""
    return CommitteeMember.objects.filter(
        user=user, committee__is_active=True, committee__profiles=dossier.profile_id, **{role: True}
    ).exists()


def is_secretariat(*, user: User, dossier: Dossier) -> bool:
    """Staff, or the chair of the dossier's committee: they check completeness and assign people."""
    return is_staff(user) or has_committee_role(user=user, dossier=dossier, role="is_chair")


def is_decision_maker(*, user: User, dossier: Dossier) -> bool:
    """A decision maker of the dossier's committee (whether they may decide this dossier is the services' call)."""
    return has_committee_role(user=user, dossier=dossier, role="is_decision_maker")


def has_valid_declaration(*, user: User, on: datetime.date | None = None) -> bool:
    on = on or timezone.localdate()
    return ImpartialityDeclaration.objects.filter(user=user, valid_until__gte=on).exists()


def involved_in_assessment(*, user: User, dossier: Dossier) -> bool:
    """Assessor or interviewer of the dossier, in any state (a declared conflict counts too)."""
    return Assignment.objects.filter(dossier=dossier, member=user).exists()


# --- what an assigned member sees ---------------------------------------------------------------------------


def my_assignments(*, user: User) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(member=user)
        .select_related("dossier__profile", "dossier__owner")
        .order_by("-assigned_at")
    )


def get_my_assignment(*, user: User, assignment_id) -> Assignment:
    try:
        return my_assignments(user=user).get(pk=assignment_id)
    except (Assignment.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such assignment.") from exc


def can_see_dossier_content(*, assignment: Assignment) -> bool:
    """Only after declaring no conflict does an assessor or interviewer see the dossier."""
    return assignment.status in (Assignment.Status.ACTIVE, Assignment.Status.DONE)


def scores_hidden_from(*, user: User, dossier: Dossier) -> bool:
    """Whether nobody else's scores of ``dossier`` may reach ``user``: an assessor of it who has not submitted their
    own yet, whatever other role they also hold (a chair, the secretariat). The one rule for the pages and the API."""
    return Assignment.objects.filter(
        dossier=dossier,
        member=user,
        role=Assignment.Role.ASSESSOR,
        status__in=[Assignment.Status.AWAITING_DECLARATION, Assignment.Status.ACTIVE],
    ).exists()


def others_sheets_visible(*, assignment: Assignment) -> bool:
    """Assessors see each other's scores only once their own are submitted."""
    return assignment.status == Assignment.Status.DONE


def interviewer_assignment(*, user: User, interview: Interview) -> Assignment | None:
    """The user's assignment as interviewer of the interview's dossier, once they declared no conflict."""
    return Assignment.objects.filter(
        dossier=interview.dossier,
        member=user,
        role=Assignment.Role.INTERVIEWER,
        status__in=[Assignment.Status.ACTIVE, Assignment.Status.DONE],
    ).first()


def interview_record_of(*, user: User, interview: Interview) -> InterviewRecord | None:
    """The user's own record of the interview, once made."""
    return InterviewRecord.objects.filter(interview=interview, interviewer=user).first()


def has_scheduled_interview(*, dossier: Dossier) -> bool:
    return Interview.objects.filter(dossier=dossier, status=Interview.Status.SCHEDULED).exists()


def scheduled_interview(*, dossier: Dossier) -> Interview | None:
    return Interview.objects.filter(dossier=dossier, status=Interview.Status.SCHEDULED).order_by("starts_at").first()


def interview_recorded(*, dossier: Dossier) -> bool:
    """Whether an interviewer has recorded the dossier's scheduled interview (it can then no longer be moved)."""
    return InterviewRecord.objects.filter(
        interview__dossier=dossier, interview__status=Interview.Status.SCHEDULED
    ).exists()


# --- the dossiers the committee works on --------------------------------------------------------------------


def committee_dossiers(*, user: User) -> QuerySet[Dossier]:
    """Dossiers the secretariat or a chair / decision maker works on (never their own)."""
    # Only dossiers that were submitted at least once: a draft withdrawn unsubmitted is nobody's business.
    qs = Dossier.objects.filter(submitted_at__isnull=False).exclude(owner=user).select_related("profile", "owner")
    if is_staff(user):
        return qs
    memberships = CommitteeMember.objects.filter(user=user, committee__is_active=True).filter(
        is_chair=True
    ) | CommitteeMember.objects.filter(user=user, committee__is_active=True, is_decision_maker=True)
    profiles = memberships.values_list("committee__profiles", flat=True)
    panel = Dossier.objects.filter(appeal__panel=user).values_list("pk", flat=True)
    return qs.filter(profile__in=profiles) | qs.filter(pk__in=panel)


def get_committee_dossier(*, user: User, dossier_id) -> Dossier:
    try:
        return committee_dossiers(user=user).distinct().get(pk=dossier_id)
    except (Dossier.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such dossier.") from exc


def committees_of(*, user: User) -> QuerySet[Committee]:
    """The active committees the user sits on (all of them for staff)."""
    committees = Committee.objects.filter(is_active=True)
    return committees if is_staff(user) else committees.filter(members__user=user).distinct()


# --- versions, scoresheets and what the decision keeps ------------------------------------------------------


def latest_submission_or_none(dossier: Dossier) -> DossierSubmission | None:
    """The dossier's latest submitted version; None for a dossier never submitted."""
    return dossier.submissions.order_by("-number").first()


def latest_submission(dossier: Dossier) -> DossierSubmission:
    """The dossier's latest submitted version, which the committee assesses; InvalidTransition without one."""
    submission = latest_submission_or_none(dossier)
    if submission is None:
        raise InvalidTransition(_("This dossier has not been submitted."))
    return submission


def completeness_check_of(*, submission: DossierSubmission) -> CompletenessCheck | None:
    """The completeness check recorded for ``submission`` (one per version), or None."""
    return CompletenessCheck.objects.filter(submission=submission).select_related("checked_by").first()


def checked_complete(dossier: Dossier) -> bool:
    """Whether the dossier's latest submitted version was checked and found complete: assessors may work on it."""
    submission = latest_submission_or_none(dossier)
    return (
        submission is not None
        and CompletenessCheck.objects.filter(submission=submission, outcome=CompletenessCheck.Outcome.COMPLETE).exists()
    )


def scoring_criteria(dossier: Dossier) -> list[Criterion]:
    """The profile's criteria, as the pure scoring rules take them."""
    return [
        Criterion(code=c.code, weight=c.weight, max_score=c.max_score, min_score=c.min_score)
        for c in dossier.profile.criteria.all()
    ]


def current_sheet(*, assignment: Assignment) -> Assessment | None:
    """The assessor's newest sheet (draft, submitted or amended) for the dossier's latest version."""
    submission = latest_submission(assignment.dossier)
    return (
        Assessment.objects.filter(assignment=assignment, submission=submission, superseded_by__isnull=True)
        .order_by("-created_at", "-pk")
        .first()
    )


def effective_sheets(*, dossier: Dossier, submission: DossierSubmission | None = None) -> list[Assessment]:
    """Submitted, not superseded sheets of live assessors for a version (the latest by default)."""
    submission = submission or latest_submission(dossier)
    return list(
        Assessment.objects.filter(
            submission=submission,
            submitted_at__isnull=False,
            superseded_by__isnull=True,
            assignment__status__in=LIVE_ASSIGNMENT,
        )
        .select_related("assignment__member")
        .prefetch_related("scores__criterion")
    )


def sheet_scores(sheet: Assessment) -> dict[str, int]:
    return {s.criterion.code: s.score for s in sheet.scores.all()}


def dossier_aggregate(*, dossier: Dossier) -> Aggregate | None:
    """The effective sheets of the latest version combined under the profile's pass rules (None without any)."""
    sheets = effective_sheets(dossier=dossier)
    if not sheets:
        return None
    return aggregate(
        sheets=[sheet_scores(s) for s in sheets],
        criteria=scoring_criteria(dossier),
        pass_rules=dossier.profile.pass_rules,
    )


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
            "criterion_ranges": {k: list(v) for k, v in result.criterion_ranges.items()},
        },
        "agreement": dossier_agreement(dossier=dossier),
        "recommendations": [s.recommendation for s in effective_sheets(dossier=dossier)],
        "interviews": interviews,
    }


# --- whom to assign -----------------------------------------------------------------------------------------


def min_assessors(dossier: Dossier) -> int:
    return int(dossier.profile.pass_rules.get("min_assessors", 2))


def live_assessors(dossier: Dossier) -> QuerySet[Assignment]:
    return Assignment.objects.filter(dossier=dossier, role=Assignment.Role.ASSESSOR, status__in=LIVE_ASSIGNMENT)


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


def _assessors_needed(dossier: Dossier) -> int:
    wanted = min_assessors(dossier)
    submission = latest_submission_or_none(dossier)
    if submission and Escalation.objects.filter(submission=submission, resolved_at__isnull=True).exists():
        wanted += 1
    return wanted - live_assessors(dossier).count()


def suggest_assessors(*, dossier: Dossier, count: int | None = None) -> list[User]:
    """The suggestion shown when assigning: enough eligible assessors, by workload."""
    needed = count if count is not None else _assessors_needed(dossier)
    return eligible_assessors(dossier=dossier)[: max(needed, 0)]


def interviewer_candidates(*, dossier: Dossier) -> list[User]:
    """The interviewers of the dossier's committee but its applicant, by name, each once."""
    members = (
        CommitteeMember.objects.filter(
            committee__profiles=dossier.profile, committee__is_active=True, is_interviewer=True
        )
        .exclude(user_id=dossier.owner_id)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__pk")
    )
    return list({m.user_id: m.user for m in members}.values())


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


# --- appeal -------------------------------------------------------------------------------------------------


def appeal_deadline(*, decision: Decision) -> datetime.datetime:
    return decision.decided_at + datetime.timedelta(days=settings.APPEAL_PERIOD_DAYS)


# --- agreement between a dossier's assessors ----------------------------------------------------------------


def dossier_agreement(*, dossier: Dossier) -> dict[str, Any]:
    """Agreement between the assessors of the latest version: ``paired_scores`` (per pair of assessors, one per
    criterion), ``min_paired_scores`` (what a kappa needs on the profile's scale) and ``kappa``, the mean
    quadratic-weighted kappa over the pairs, only when it rests on enough paired scores (assessments/scoring.py:
    with a profile's few criteria it never does, and the page compares the scores criterion by criterion instead);
    None otherwise."""
    sheets = effective_sheets(dossier=dossier) if dossier.submissions.exists() else []
    criteria = list(dossier.profile.criteria.all())
    categories = max((c.max_score for c in criteria), default=0) + 1
    result = {
        "kappa": None,
        "assessors": len(sheets),
        "paired_scores": len(criteria),
        "min_paired_scores": min_pairs_for_kappa(categories),
    }
    if len(sheets) < 2 or not criteria:
        return result
    ratings = [[sheet_scores(s)[c.code] for c in criteria] for s in sheets]
    kappa = mean_pairwise_kappa(ratings, categories=categories)
    return {**result, "kappa": reportable_kappa(kappa, pairs=len(criteria), categories=categories)}
