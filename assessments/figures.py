"""The committee's figures, across dossiers: the dashboard (dossiers by status, who holds each open one, for how
long, what is overdue), the time dossiers spend in each status, and the agreement between a committee's
assessors month by month, scoped to who is asking like the selectors they build on; and the typical time in each
status an applicant may expect, medians across the committee's dossiers that name nobody. Reads only.
"""

from __future__ import annotations

import datetime
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Max, QuerySet
from django.utils import timezone

from accounts.models import User
from dossiers.models import OPEN_STATUSES, Dossier, DossierEvent, DossierStatus
from profiles.models import AssessmentCriterion, Profile

from .models import Assessment, Assignment, Committee
from .scoring import min_pairs_for_kappa, quadratic_weighted_kappa, reportable_kappa
from .selectors import committee_dossiers, sheet_scores

# --- agreement between a committee's assessors --------------------------------------------------------------


def agreement_since(*, months: int, now: datetime.datetime) -> datetime.datetime:
    """The start of the period :func:`committee_agreement` covers: ``months`` long months before ``now``."""
    return now - datetime.timedelta(days=31 * months)


def agreement_months(*, months: int, now: datetime.datetime) -> list[str]:
    """Every calendar month (``YYYY-MM``, local time, oldest first) of the period :func:`committee_agreement`
    covers, those without a paired score included: the months a chart of it spans."""
    first = timezone.localtime(agreement_since(months=months, now=now)).date().replace(day=1)
    last = timezone.localtime(now).date()
    labels = []
    while first <= last:
        labels.append(first.strftime("%Y-%m"))
        first = (first + datetime.timedelta(days=32)).replace(day=1)
    return labels


def committee_agreement(
    *, committee: Committee, months: int = 12, now: datetime.datetime | None = None
) -> list[dict[str, Any]]:
    """Agreement of a committee's assessors month by month: every pair of sheets on the same dossier
    version, pooled by the month (local time) the later sheet was submitted. Only months with paired scores are
    listed. ``kappa`` is None when undefined or when the month's ``pairs`` are fewer than ``min_pairs``, what a
    kappa on the committee's score scale needs to mean anything (assessments/scoring.py)."""
    now = now or timezone.now()
    since = agreement_since(months=months, now=now)
    sheets = (
        Assessment.objects.filter(
            assignment__dossier__profile__in=committee.profiles.all(),
            submitted_at__gte=since,
            superseded_by__isnull=True,
            assignment__status__in=[Assignment.Status.ACTIVE, Assignment.Status.DONE],
        )
        .select_related("submission")
        .prefetch_related("scores__criterion")
    )
    by_version: dict[int, list[Assessment]] = defaultdict(list)
    for sheet in sheets:
        by_version[sheet.submission_id].append(sheet)
    pooled: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for version_sheets in by_version.values():
        for i, first in enumerate(version_sheets):
            for second in version_sheets[i + 1 :]:
                a, b = sheet_scores(first), sheet_scores(second)
                # Both are submitted (the query filters on submitted_at).
                assert first.submitted_at is not None and second.submitted_at is not None
                month = timezone.localtime(max(first.submitted_at, second.submitted_at)).strftime("%Y-%m")
                for code in sorted(set(a) & set(b)):
                    pooled[month][0].append(a[code])
                    pooled[month][1].append(b[code])
    # The scale: the committee's criteria's (the highest score seen, should a criterion have shrunk since).
    highest = AssessmentCriterion.objects.filter(profile__in=committee.profiles.all()).aggregate(
        highest=Max("max_score")
    )["highest"]
    categories = max([highest or 1, *(max(x + y) for x, y in pooled.values() if x)]) + 1
    return [
        {
            "month": month,
            "pairs": len(x),
            "kappa": reportable_kappa(
                quadratic_weighted_kappa(x, y, categories=categories), pairs=len(x), categories=categories
            ),
            "min_pairs": min_pairs_for_kappa(categories),
        }
        for month, (x, y) in sorted(pooled.items())
    ]


# --- dashboard ----------------------------------------------------------------------------------------------


@dataclass
class DashboardRow:
    dossier: Dossier
    held_by: str
    since: datetime.datetime
    days_in_state: int
    overdue: bool


def _holder(dossier: Dossier) -> str:
    status = dossier.status
    if status == DossierStatus.INFORMATION_REQUESTED:
        return "applicant"
    if status == DossierStatus.SUBMITTED:
        return "secretariat"
    if status in (DossierStatus.UNDER_ASSESSMENT, DossierStatus.INTERVIEW):
        role = Assignment.Role.ASSESSOR if status == DossierStatus.UNDER_ASSESSMENT else Assignment.Role.INTERVIEWER
        pending = [
            str(a.member)
            for a in dossier.assignments.filter(
                role=role, status__in=[Assignment.Status.AWAITING_DECLARATION, Assignment.Status.ACTIVE]
            ).select_related("member")
        ]
        return ", ".join(pending) if pending else "secretariat"
    if status == DossierStatus.AWAITING_DECISION:
        return "decision maker"
    if status == DossierStatus.APPEALED:
        return "appeal panel"
    return "—"


def dashboard(*, user: User, now: datetime.datetime | None = None) -> dict[str, Any]:
    """Dossiers by state, who holds each open one, how long it has been there, and what is overdue."""
    now = now or timezone.now()
    dossiers = committee_dossiers(user=user).distinct()
    counts: dict[str, int] = defaultdict(int)
    for status in dossiers.values_list("status", flat=True):
        counts[status] += 1
    open_dossiers = list(dossiers.filter(status__in=OPEN_STATUSES).exclude(status=DossierStatus.DRAFT))
    entered = dict(
        DossierEvent.objects.filter(dossier__in=open_dossiers)
        .exclude(to_status="")
        .values_list("dossier")
        .annotate(at=Max("created_at"))
    )
    rows = []
    for dossier in open_dossiers:
        since = entered.get(dossier.pk, dossier.updated_at)
        days = (now - since).days
        limit = settings.OVERDUE_AFTER_DAYS.get(dossier.status)
        rows.append(
            DashboardRow(
                dossier=dossier,
                held_by=_holder(dossier),
                since=since,
                days_in_state=days,
                overdue=limit is not None and days > limit,
            )
        )
    rows.sort(key=lambda r: (not r.overdue, -r.days_in_state))
    return {
        "counts": {status: counts.get(status, 0) for status in DossierStatus.values if status != DossierStatus.DRAFT},
        "rows": rows,
        "overdue": sum(r.overdue for r in rows),
        "time_in_status": time_in_status(dossiers=dossiers, now=now),
    }


def time_in_status(*, dossiers: QuerySet[Dossier], now: datetime.datetime) -> dict[str, dict[str, float]]:
    """Average (mean), median and longest days dossiers spent in each status (the current stay counts up to
    ``now``), and the number of stays, from the audit trail of status changes."""
    spans: dict[str, list[float]] = defaultdict(list)
    events = (
        DossierEvent.objects.filter(dossier__in=dossiers)
        .exclude(to_status="")
        .order_by("dossier_id", "created_at", "pk")
        .values_list("dossier_id", "to_status", "created_at")
    )
    previous: tuple[Any, str, datetime.datetime] | None = None
    for dossier_id, status, at in events:
        if previous is not None and previous[0] == dossier_id:
            spans[previous[1]].append((at - previous[2]).total_seconds() / 86400)
        elif previous is not None and previous[1] in OPEN_STATUSES:
            spans[previous[1]].append((now - previous[2]).total_seconds() / 86400)
        previous = (dossier_id, status, at)
    if previous is not None and previous[1] in OPEN_STATUSES:
        spans[previous[1]].append((now - previous[2]).total_seconds() / 86400)
    return {
        status: {
            "average_days": round(sum(v) / len(v), 1),
            "median_days": round(statistics.median(v), 1),
            "longest_days": round(max(v), 1),
            "stays": len(v),
        }
        for status, v in spans.items()
        if status != DossierStatus.DRAFT
    }


# --- what an applicant may expect -----------------------------------------------------------------------------

# A median needs enough stays to say something: with fewer, the applicant is told there are too few to tell.
MIN_STAYS_FOR_AN_ESTIMATE = 5
RECENT_DAYS = 365


@dataclass(frozen=True)
class TypicalStay:
    """How long recent dossiers stayed in one status: the median in days, over ``stays`` completed stays;
    ``median_days`` is None when there were fewer than ``MIN_STAYS_FOR_AN_ESTIMATE``."""

    status: str
    stays: int
    median_days: float | None

    @property
    def whole_days(self) -> int | None:
        """The median rounded up to whole days (at least one), as the applicant is told it."""
        return None if self.median_days is None else max(1, math.ceil(self.median_days))


def completed_stays(
    *, dossiers: QuerySet[Dossier], since: datetime.datetime, statuses: Iterable[str]
) -> dict[str, list[float]]:
    """Days each of ``dossiers`` spent in each of ``statuses``, for every stay that ended after ``since``, from the
    audit trail of status changes. A stay still going on is left out: it has no length yet."""
    wanted = set(statuses)
    spans: dict[str, list[float]] = {status: [] for status in wanted}
    events = (
        DossierEvent.objects.filter(dossier__in=dossiers)
        .exclude(to_status="")
        .order_by("dossier_id", "created_at", "pk")
        .values_list("dossier_id", "to_status", "created_at")
    )
    previous: tuple[Any, str, datetime.datetime] | None = None
    for dossier_id, status, at in events:
        if previous is not None and previous[0] == dossier_id and previous[1] in wanted and at >= since:
            spans[previous[1]].append((at - previous[2]).total_seconds() / 86400)
        previous = (dossier_id, status, at)
    return spans


def typical_stays(*, profile: Profile, statuses: Iterable[str], now: datetime.datetime) -> dict[str, TypicalStay]:
    """The committee's own figures for an applicant of ``profile``: the median time recent dossiers of the profiles
    its committees handle spent in each of ``statuses`` (stays ended in the last ``RECENT_DAYS`` days)."""
    profiles = Profile.objects.filter(committees__in=profile.committees.filter(is_active=True)).distinct()
    dossiers = Dossier.objects.filter(profile__in=profiles) if profiles.exists() else profile.dossiers.all()
    spans = completed_stays(dossiers=dossiers, since=now - datetime.timedelta(days=RECENT_DAYS), statuses=statuses)
    return {
        status: TypicalStay(
            status=status,
            stays=len(values),
            median_days=round(statistics.median(values), 1) if len(values) >= MIN_STAYS_FOR_AN_ESTIMATE else None,
        )
        for status, values in spans.items()
    }
