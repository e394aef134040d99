"""The period report (ISO/IEC 17024 §10, the management review's inputs; what an accreditation body or the ministry
asks of a listed association): for any span of days, one object per section, each a mapping of measures.

Every measure counts what happened within the period — from its first day's start to its last day's end in the
issuer's time zone (aipia/days.py) — except those named ``…_at_end``, which describe the state at its end. Reads only.
"""

from __future__ import annotations

import datetime
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F, Q

from aipia.days import end_of_day, start_of_day
from assessments.models import (
    Appeal,
    Assessment,
    Assignment,
    CommitteeMember,
    Decision,
    ImpartialityDeclaration,
    Interview,
)
from assessments.scoring import min_pairs_for_kappa, quadratic_weighted_kappa, reportable_kappa
from assessments.selectors import sheet_scores
from credentials.models import Credential, CredentialEvent, RenewalApplication
from desk.models import Case, CaseEvent, Kind, Outcome, Status
from dossiers.models import DossierEvent, DossierStatus
from profiles.models import AssessmentCriterion

from .models import ImpartialityRisk, RiskReview

SECTIONS = ("applications", "assessment", "appeals", "complaints", "credentials", "cpd", "impartiality")
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    first_day: datetime.date
    last_day: datetime.date

    @property
    def start(self) -> datetime.datetime:
        return start_of_day(self.first_day, ZoneInfo(settings.TIME_ZONE))

    @property
    def end(self) -> datetime.datetime:
        return end_of_day(self.last_day, ZoneInfo(settings.TIME_ZONE))

    def within(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.end})


def period_report(*, first_day: datetime.date, last_day: datetime.date) -> dict[str, dict[str, Any]]:
    """The report for the days ``first_day`` to ``last_day``, both included."""
    period = Period(first_day, last_day)
    return {
        "applications": applications(period),
        "assessment": assessment(period),
        "appeals": appeals(period),
        "complaints": complaints(period),
        "credentials": credentials(period),
        "cpd": cpd(period),
        "impartiality": impartiality(period),
    }


def rows(report: dict[str, dict[str, Any]]) -> Iterator[tuple[str, str, Any]]:
    """The report as ``(section, measure, value)`` rows, nested measures named by their path (``by_profile.x.y``)."""
    for section, measures in report.items():
        for name, value in _flatten(measures):
            yield section, name, value


def _flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flatten(inner, f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix, value


# --- the sections --------------------------------------------------------------------------------------------


def applications(period: Period) -> dict[str, Any]:
    """Dossiers submitted (a resubmission after a request for information is not a new application), decided and
    withdrawn in the period, in all and by profile."""
    submitted = DossierEvent.objects.filter(period.within("created_at"), action="dossier.submitted")
    withdrawn = DossierEvent.objects.filter(period.within("created_at"), action="dossier.withdrawn")
    decisions = Decision.objects.filter(period.within("decided_at"), kind=Decision.Kind.INITIAL)
    by_profile: dict[str, Counter] = defaultdict(Counter)
    for code in submitted.values_list("dossier__profile__code", flat=True):
        by_profile[code]["submitted"] += 1
    for code in withdrawn.values_list("dossier__profile__code", flat=True):
        by_profile[code]["withdrawn"] += 1
    for code, outcome in decisions.values_list("dossier__profile__code", "outcome"):
        by_profile[code]["approved" if outcome == Decision.Outcome.APPROVE else "rejected"] += 1
    keys = ("submitted", "approved", "rejected", "withdrawn")
    return {
        **{key: sum(counts[key] for counts in by_profile.values()) for key in keys},
        "by_profile": {code: {key: counts[key] for key in keys} for code, counts in sorted(by_profile.items())},
    }


def assessment(period: Period) -> dict[str, Any]:
    """How long dossiers stayed in each status (stays that ended in the period) against the targets
    (``OVERDUE_AFTER_DAYS``), the sheets submitted, the assessors' agreement over the period, the interviews."""
    stays = _stays_ending_in(period)
    days_in_status = {}
    for status, target in settings.OVERDUE_AFTER_DAYS.items():
        spans = stays.get(status, [])
        days_in_status[status] = {
            "stays": len(spans),
            "median_days": round(statistics.median(spans), 1) if spans else None,
            "target_days": target,
            "over_target": sum(span > target for span in spans),
        }
    sheets = submitted_sheets(period)
    interviews = Interview.objects.filter(period.within("starts_at"))
    return {
        "days_in_status": days_in_status,
        "assessments_submitted": sheets.count(),
        "agreement": pooled_agreement(sheets),
        "interviews_held": interviews.filter(status=Interview.Status.COMPLETED).count(),
        "interviews_cancelled": interviews.filter(status=Interview.Status.CANCELLED).count(),
    }


def appeals(period: Period) -> dict[str, Any]:
    decided = Decision.objects.filter(period.within("decided_at"), kind=Decision.Kind.APPEAL)
    return {
        "lodged": Appeal.objects.filter(period.within("lodged_at")).count(),
        "rejection_upheld": decided.filter(outcome=Decision.Outcome.REJECT).count(),
        "rejection_overturned": decided.filter(outcome=Decision.Outcome.APPROVE).count(),
        "pending_at_end": Appeal.objects.filter(lodged_at__lt=period.end)
        .exclude(dossier__decisions__kind=Decision.Kind.APPEAL, dossier__decisions__decided_at__lt=period.end)
        .count(),
    }


def complaints(period: Period) -> dict[str, Any]:
    """Desk cases received in the period by type and subject; those closed in it by outcome, with the days from
    receipt to closing; acknowledgements later than the deadline; what was open at the end."""
    received = Case.objects.filter(period.within("received_at"))
    closed = Case.objects.filter(period.within("closed_at"))
    days_to_close = [
        (case.closed_at - case.received_at).total_seconds() / 86400
        for case in closed.filter(received_at__isnull=False).only("closed_at", "received_at")
        if case.closed_at and case.received_at
    ]
    late = received.filter(
        Q(acknowledged_at__gt=F("acknowledge_by"))
        | Q(acknowledged_at__isnull=True, acknowledge_by__lt=period.end, status__in=[Status.RECEIVED])
    )
    outcome_counts = Counter(closed.filter(status=Status.DECIDED).values_list("outcome", flat=True))
    return {
        "received": received.count(),
        "complaints_received": received.filter(kind=Kind.COMPLAINT).count(),
        "questions_received": received.filter(kind=Kind.QUESTION).count(),
        "about_professionals": received.filter(about="professional").count(),
        "about_the_association": received.filter(about="association").count(),
        "closed": closed.count(),
        "outcomes": {
            **{outcome: outcome_counts.get(outcome, 0) for outcome in Outcome.values},
            "referred": closed.filter(status=Status.REFERRED).count(),
            "answered": closed.filter(status=Status.ANSWERED).count(),
        },
        "median_days_to_close": round(statistics.median(days_to_close), 1) if days_to_close else None,
        "acknowledged_late": late.count(),
        "credentials_suspended": CaseEvent.objects.filter(
            period.within("created_at"), action="desk.credential_suspended"
        ).count(),
        "credentials_revoked": CaseEvent.objects.filter(
            period.within("created_at"), action="desk.credential_revoked"
        ).count(),
        "open_at_end": Case.objects.filter(received_at__lt=period.end)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=period.end))
        .count(),
    }


def credentials(period: Period) -> dict[str, Any]:
    issued = Credential.objects.filter(
        period.within("issued_at"), issuance=Credential.Issuance.DONE, kind=Credential.Kind.CERTIFICATION
    )
    events = Counter(
        CredentialEvent.objects.filter(period.within("created_at"), action__in=list(_STATUS_EVENTS)).values_list(
            "action", flat=True
        )
    )
    return {
        "issued": issued.count(),
        "of_which_renewals": issued.filter(predecessor__isnull=False).count(),
        **{name: events.get(action, 0) for action, name in _STATUS_EVENTS.items()},
        "active_at_end": Credential.objects.filter(
            kind=Credential.Kind.CERTIFICATION,
            issuance=Credential.Issuance.DONE,
            valid_from__lt=period.end,
            valid_until__gte=period.end,
        )
        .exclude(revoked_at__lt=period.end)
        .count(),
    }


_STATUS_EVENTS = {
    "credential.suspended": "suspended",
    "credential.reinstated": "reinstated",
    "credential.revoked": "revoked",
    "credential.expired": "expired",
}


def cpd(period: Period) -> dict[str, Any]:
    """Renewal applications by holders in the period, and how many met their profile's CPD rules when applying."""
    applied = RenewalApplication.objects.filter(period.within("submitted_at"), by_policy=False)
    snapshots = list(applied.values_list("cpd_snapshot", flat=True))
    met = sum(bool((snapshot or {}).get("progress", {}).get("met")) for snapshot in snapshots)
    reviewed = RenewalApplication.objects.filter(period.within("reviewed_at"))
    return {
        "renewal_applications": len(snapshots),
        "cpd_met": met,
        "cpd_shortfall": len(snapshots) - met,
        "compliance_percent": round(100 * met / len(snapshots), 1) if snapshots else None,
        "renewals_approved": reviewed.filter(status=RenewalApplication.Status.APPROVED).count(),
        "renewals_rejected": reviewed.filter(status=RenewalApplication.Status.REJECTED).count(),
    }


def impartiality(period: Period) -> dict[str, Any]:
    last_day = period.last_day
    people = set(CommitteeMember.objects.values_list("user_id", flat=True))
    declared = set(
        ImpartialityDeclaration.objects.filter(
            signed_at__lt=period.end, valid_until__gte=last_day, user_id__in=people
        ).values_list("user_id", flat=True)
    )
    open_risks = ImpartialityRisk.objects.filter(created_at__lt=period.end).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=period.end)
    )
    return {
        "declarations_signed": ImpartialityDeclaration.objects.filter(period.within("signed_at")).count(),
        "committee_members_at_end": len(people),
        "members_with_valid_declaration_at_end": len(declared),
        "conflicts_declared_by_assessors": Assignment.objects.filter(
            period.within("declared_at"), has_conflict=True
        ).count(),
        "conflicts_declared_by_case_handlers": CaseEvent.objects.filter(
            period.within("created_at"), action="desk.conflict_declared"
        ).count(),
        "risks_open_at_end": open_risks.count(),
        "risks_reviewed": RiskReview.objects.filter(period.within("reviewed_at")).values("risk").distinct().count(),
        "risk_reviews_overdue_at_end": open_risks.filter(review_by__lt=last_day).count(),
    }


# --- shared with the personnel records ----------------------------------------------------------------------


def submitted_sheets(period: Period):  # type: ignore[no-untyped-def]
    """The assessment sheets submitted in the period and still in force (an amended sheet counts once)."""
    return (
        Assessment.objects.filter(period.within("submitted_at"), superseded_by__isnull=True)
        .select_related("assignment")
        .prefetch_related("scores__criterion")
    )


def pooled_agreement(sheets: Iterable[Assessment], *, involving: int | None = None) -> dict[str, Any]:
    """The assessors' agreement over ``sheets``: quadratic weighted kappa over every pair of sheets on the same
    dossier version, pooled (only the pairs ``involving`` one assessor, for their own monitoring); None when too
    few pairs for it to mean anything (assessments/scoring.py)."""
    x, y = _pairs(sheets, involving=involving)
    categories = _categories(x, y)
    kappa = reportable_kappa(quadratic_weighted_kappa(x, y, categories=categories), pairs=len(x), categories=categories)
    return {
        "pairs": len(x),
        "kappa": None if kappa is None else round(kappa, 2),
        "min_pairs": min_pairs_for_kappa(categories),
    }


def _pairs(sheets: Iterable[Assessment], *, involving: int | None = None) -> tuple[list[int], list[int]]:
    by_version: dict[int, list[Assessment]] = defaultdict(list)
    for sheet in sheets:
        by_version[sheet.submission_id].append(sheet)
    x: list[int] = []
    y: list[int] = []
    for version in by_version.values():
        for i, first in enumerate(version):
            for second in version[i + 1 :]:
                if involving is not None and involving not in {first.assignment.member_id, second.assignment.member_id}:
                    continue
                a, b = sheet_scores(first), sheet_scores(second)
                for code in sorted(set(a) & set(b)):
                    x.append(a[code])
                    y.append(b[code])
    return x, y


def _categories(x: list[int], y: list[int]) -> int:
    highest = max((c.max_score for c in AssessmentCriterion.objects.only("max_score")), default=1)
    return max([highest, *x, *y]) + 1


def _stays_ending_in(period: Period) -> dict[str, list[float]]:
    spans: dict[str, list[float]] = defaultdict(list)
    events = (
        DossierEvent.objects.filter(created_at__lt=period.end)
        .exclude(to_status="")
        .order_by("dossier_id", "created_at", "pk")
        .values_list("dossier_id", "to_status", "created_at")
    )
    previous: tuple[Any, str, datetime.datetime] | None = None
    for dossier_id, status, at in events:
        if previous is not None and previous[0] == dossier_id and at >= period.start:
            spans[previous[1]].append((at - previous[2]).total_seconds() / 86400)
        previous = (dossier_id, status, at)
    spans.pop(DossierStatus.DRAFT, None)
    return spans
