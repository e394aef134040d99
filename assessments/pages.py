"""What the committee's pages show: each page's context, assembled from the selectors and made readable
(labels, names, parsed dates, criteria with their titles). Reads only: the views add the forms and render.

What the committee assesses is the frozen manifest of the latest submission, never the live dossier.
An assessor sees the other assessors' scores only after submitting their own, on every page.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from aipia import clock
from dossiers.models import Dossier, DossierStatus, DossierSubmission, EvidenceFile
from profiles.models import EcfCompetence

from . import charts, checklist, figures, scoring, selectors
from .models import (
    Appeal,
    Assessment,
    Assignment,
    CompletenessCheck,
    Escalation,
    InformationRequest,
    Interview,
    InterviewRecord,
)

AGREEMENT_MONTHS = 12  # the period of the dashboard's agreement chart, as committee_agreement counts it

# --- labels and readable records ----------------------------------------------------------------------------


def status_label(value: str) -> str:
    try:
        return str(DossierStatus(value).label)
    except ValueError:
        return value


def recommendation_label(value: str) -> str:
    try:
        return str(Assessment.Recommendation(value).label)
    except ValueError:
        return value


def holder_label(holder: str) -> str:
    # The dashboard selector names roles in English words, or lists the members who hold the dossier.
    labels = {
        "applicant": _("Applicant"),
        "secretariat": _("Secretariat"),
        "decision maker": _("Decision maker"),
        "appeal panel": _("Appeal panel"),
    }
    return labels.get(holder, holder)


def kind_label(kind: str) -> str:
    try:
        return str(EvidenceFile.Kind(kind).label)
    except ValueError:
        return kind


def readable_manifest(submission: DossierSubmission, dossier: Dossier) -> dict[str, Any]:
    """The frozen content of ``submission``, made ready to read: dates parsed, evidence and competences resolved."""
    manifest = submission.manifest
    files = {f["id"]: f for f in manifest.get("files", [])}
    codes = {s["competence"] for s in manifest.get("self_assessment", [])}
    for entry in manifest.get("experience", []):
        codes.update(entry.get("competences", []))
    competences = {c.code: c.tr("title") for c in EcfCompetence.objects.filter(code__in=codes)}
    required = {pc.competence.code: pc.level for pc in dossier.profile.profile_competences.select_related("competence")}

    def evidence(entry: dict[str, Any]) -> list[dict[str, Any]]:
        return [files[i] for i in entry.get("evidence", []) if i in files]

    def dated(entry: dict[str, Any]) -> dict[str, Any]:
        return {
            **entry,
            "start": parse_date(entry.get("start_date") or ""),
            "end": parse_date(entry.get("end_date") or ""),
            "evidence_files": evidence(entry),
        }

    return {
        "submission": submission,
        "submitted_at": parse_datetime(manifest.get("submitted_at", "")) or submission.submitted_at,
        "applicant": manifest.get("applicant", {}),
        "cv": manifest.get("cv", {}),
        "training": [dated(t) for t in manifest.get("training", [])],
        "experience": [
            {
                **dated(e),
                "competence_list": [{"code": code, "title": competences.get(code, "")} for code in e["competences"]],
            }
            for e in manifest.get("experience", [])
        ],
        "projects": [
            {
                **p,
                "evidence_files": evidence(p),
                # Only web addresses become links; anything else in the stored manifest is shown as text.
                "link_list": [
                    {"url": link, "is_web": str(link).startswith(("https://", "http://"))}
                    for link in p.get("links", [])
                ],
            }
            for p in manifest.get("projects", [])
        ],
        "self_assessment": [
            {
                **s,
                "title": competences.get(s["competence"], ""),
                "required_level": required.get(s["competence"]),
                "evidence_files": evidence(s),
            }
            for s in manifest.get("self_assessment", [])
        ],
        "files": [{**f, "kind_label": kind_label(f.get("kind", ""))} for f in manifest.get("files", [])],
    }


def _titled_aggregate(values: dict[str, Any] | None, dossier: Dossier) -> dict[str, Any] | None:
    """An aggregate (from ``dossier_aggregate`` or a decision's stored record) with the criteria's titles, and
    each criterion's lowest and highest score and their difference (absent from records kept before they were)."""
    if values is None:
        return None
    criteria = {c.code: c for c in dossier.profile.criteria.all()}
    ranges = values.get("criterion_ranges") or {}
    rows = []
    for code, mean in values.get("criterion_means", {}).items():
        low, high = ranges.get(code) or (None, None)
        rows.append(
            {
                "code": code,
                "criterion": criteria.get(code),
                "mean": mean,
                "lowest": low,
                "highest": high,
                "difference": None if low is None else high - low,
            }
        )
    return {**values, "rows": rows, "has_ranges": bool(ranges)}


def readable_agreement(agreement: dict[str, Any] | None, dossier: Dossier) -> dict[str, Any]:
    """A dossier's agreement (``selectors.dossier_agreement``, or as a decision record kept it) with the rule of
    assessments/scoring.py applied: a record kept before the rule, with a kappa over a profile's few criteria,
    no longer shows it. ``why_no_kappa``: ``sheets`` (fewer than two), ``too_few`` (too few paired scores: the
    usual case), ``no_variation`` (undefined), or "" when ``kappa`` is shown."""
    agreement = dict(agreement or {})
    criteria = list(dossier.profile.criteria.all())
    categories = max((c.max_score for c in criteria), default=0) + 1
    paired = agreement.get("paired_scores", len(criteria))
    minimum = agreement.get("min_paired_scores", scoring.min_pairs_for_kappa(categories))
    kappa = agreement.get("kappa")
    assessors = agreement.get("assessors", 0)
    if assessors < 2:
        why = "sheets"
    elif paired < minimum:
        why = "too_few"
    elif kappa is None:
        why = "no_variation"
    else:
        why = ""
    return {
        **agreement,
        "kappa": kappa if not why else None,
        "paired_scores": paired,
        "min_paired_scores": minimum,
        "why_no_kappa": why,
    }


def current_aggregate(dossier: Dossier) -> dict[str, Any] | None:
    result = selectors.dossier_aggregate(dossier=dossier)
    if result is None:
        return None
    return _titled_aggregate(
        {
            "criterion_means": result.criterion_means,
            "weighted_average": result.weighted_average,
            "passed": result.passed,
            "reasons": result.reasons,
            "spread": result.spread,
            "assessors": result.assessors,
            "criterion_ranges": result.criterion_ranges,
        },
        dossier,
    )


def readable_record(record: dict[str, Any], dossier: Dossier) -> dict[str, Any]:
    """A decision record (``selectors.decision_record``) made readable: names, labels and dates."""
    interviewer_ids = {r["interviewer"] for i in record.get("interviews", []) for r in i.get("records", [])}
    names = User.objects.in_bulk(interviewer_ids)
    return {
        "submission": record.get("submission"),
        "aggregate": _titled_aggregate(record.get("aggregate"), dossier),
        "agreement": readable_agreement(record.get("agreement"), dossier),
        "recommendations": [recommendation_label(r) for r in record.get("recommendations", [])],
        "interviews": [
            {
                "starts_at": parse_datetime(i.get("starts_at", "")),
                "records": [
                    {
                        **r,
                        "interviewer_name": str(names.get(r["interviewer"], "—")),
                        "recommendation_label": recommendation_label(r["recommendation"]),
                    }
                    for r in i.get("records", [])
                ],
            }
            for i in record.get("interviews", [])
        ],
    }


def sheet_rows(dossier: Dossier, *, exclude: Assignment | None = None) -> list[dict[str, Any]]:
    """The effective (submitted, latest) scoresheets of the latest version, each with its scores."""
    return [
        {
            "sheet": sheet,
            "assessor": sheet.assignment.member,
            "scores": sorted(sheet.scores.all(), key=lambda s: (s.criterion.position, s.criterion.code)),
            "recommendation": recommendation_label(sheet.recommendation),
        }
        for sheet in selectors.effective_sheets(dossier=dossier)
        if exclude is None or sheet.assignment_id != exclude.pk
    ]


# --- page contexts ------------------------------------------------------------------------------------------


def _month_axis(months: list[str]) -> tuple[list[str], list[str]]:
    """Short month names in the reader's language, and the year under the first month and each January."""
    days = [datetime.date(int(m[:4]), int(m[5:7]), 1) for m in months]
    return (
        [date_format(d, "M") for d in days],
        [str(d.year) if i == 0 or d.month == 1 else "" for i, d in enumerate(days)],
    )


def agreement_chart(rows: list[dict[str, Any]], *, months: list[str]) -> charts.LineChart:
    """The committee's kappa by month over ``months`` (every month of the period): a month without a kappa (no
    paired scores, too few, or no variation) is a gap, never a zero. The scale runs to 1 (perfect agreement) from
    0 (chance), or lower when a month fell below chance."""
    kappas = {row["month"]: row["kappa"] for row in rows}
    values = [kappas.get(month) for month in months]
    lowest = min((v for v in values if v is not None), default=0.0)
    step = 0.2 if lowest >= -0.6 else 0.5
    lower = min(0.0, math.floor(round(lowest / step, 6)) * step)
    labels, notes = _month_axis(months)
    return charts.line_chart(labels, values, notes=notes, lower=lower, upper=1.0, step=step)


def time_chart(rows: list[dict[str, Any]]) -> charts.BarChart:
    """The mean and the median days in each status (``rows`` as the dashboard lists them), as bars."""
    return charts.bar_chart([(str(row["label"]), (row["average_days"], row["median_days"])) for row in rows], series=2)


def dashboard_context(*, user: User) -> dict[str, Any]:
    board = figures.dashboard(user=user)
    now = timezone.now()
    months = figures.agreement_months(months=AGREEMENT_MONTHS, now=now)
    time_rows = [
        {"status": status, "label": status_label(status), **numbers}
        for status in DossierStatus.values
        if (numbers := board["time_in_status"].get(status))
    ]
    agreement = []
    for committee in selectors.committees_of(user=user):
        rows = figures.committee_agreement(committee=committee, months=AGREEMENT_MONTHS, now=now)
        agreement.append(
            {
                "committee": committee,
                "chart_id": f"agreement-chart-{committee.pk}",
                "months": rows,
                "chart": agreement_chart(rows, months=months),
                "first_month": _first_day(months[0]),
                "last_month": _first_day(months[-1]),
                "min_pairs": rows[0]["min_pairs"] if rows else None,
            }
        )
    return {
        "counts": [
            {"status": status, "label": status_label(status), "count": count}
            for status, count in board["counts"].items()
        ],
        "total": sum(board["counts"].values()),
        "rows": [{"row": row, "held_by": holder_label(row.held_by)} for row in board["rows"]],
        "overdue": board["overdue"],
        "assignments": selectors.my_assignments(user=user),
        "needs_declaration": not selectors.has_valid_declaration(user=user),
        "time_in_status": time_rows,
        "time_chart": time_chart(time_rows),
        "agreement": agreement,
    }


def _first_day(month: str) -> datetime.date:
    return datetime.date(int(month[:4]), int(month[5:7]), 1)


def readable_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A completeness check's verdicts (from its row or its audit event) with each item's title."""
    return [
        {"label": checklist.label(i.get("key", "")), "confirmed": bool(i.get("confirmed")), "note": i.get("note", "")}
        for i in items
    ]


def readable_check(check: CompletenessCheck) -> dict[str, Any]:
    return {
        "check": check,
        "version": check.submission.number,
        "outcome_label": check.get_outcome_display(),
        "items": readable_items(check.items),
    }


def completeness_context(*, dossier: Dossier, user: User) -> dict[str, Any]:
    """The completeness check's page: the checklist of the latest version to check, or the check recorded for it."""
    submission = selectors.latest_submission_or_none(dossier)
    check = selectors.completeness_check_of(submission=submission) if submission else None
    can_check = (
        dossier.status == DossierStatus.SUBMITTED
        and submission is not None
        and check is None
        and selectors.is_secretariat(user=user, dossier=dossier)
    )
    return {
        "dossier": dossier,
        "status_label": status_label(dossier.status),
        "submission": submission,
        "check": readable_check(check) if check else None,
        "can_check": can_check,
        "items": checklist.checklist(dossier=dossier, submission=submission) if can_check and submission else [],
        "earlier_checks": [
            readable_check(c)
            for c in dossier.completeness_checks.select_related("submission", "checked_by").order_by("-checked_at")
            if check is None or c.pk != check.pk
        ],
    }


def _completeness(dossier: Dossier, submission: DossierSubmission | None) -> dict[str, Any]:
    """The committee page's summary of the latest version's completeness check, and whether one is awaited."""
    check = selectors.completeness_check_of(submission=submission) if submission else None
    return {
        "version": submission.number if submission else None,
        "check": readable_check(check) if check else None,
        "awaited": dossier.status == DossierStatus.SUBMITTED and submission is not None and check is None,
    }


def _events(dossier: Dossier, *, scores_hidden: bool) -> list[dict[str, Any]]:
    return [
        {
            "event": e,
            "actor": str(e.actor) if e.actor else _("System"),
            "from_label": status_label(e.from_status) if e.from_status else "",
            "to_label": status_label(e.to_status) if e.to_status else "",
            # An amendment's reason may quote scores: not for an assessor still scoring.
            "reason": "" if scores_hidden and e.action == "assessment.scores_amended" else e.reason,
            # The completeness check's audit row keeps every item's verdict.
            "checklist": readable_items(e.data.get("items", []))
            if e.action == "assessment.completeness_checked"
            else [],
        }
        for e in dossier.events.select_related("actor")
    ]


def dossier_context(*, dossier: Dossier, user: User) -> dict[str, Any]:
    """The committee's view of ``dossier``, without the secretariat's forms (the view adds those)."""
    submission = selectors.latest_submission_or_none(dossier)
    hidden = selectors.scores_hidden_from(user=user, dossier=dossier)
    appeal = Appeal.objects.filter(dossier=dossier).prefetch_related("panel").select_related("decision").first()
    context: dict[str, Any] = {
        "dossier": dossier,
        "status_label": status_label(dossier.status),
        "submissions": dossier.submissions.all(),
        "completeness": _completeness(dossier, submission),
        "manifest": readable_manifest(submission, dossier) if submission else None,
        "assignments": dossier.assignments.select_related("member"),
        "information_requests": InformationRequest.objects.filter(dossier=dossier).select_related(
            "requested_by", "answered_by_submission"
        ),
        "escalation": Escalation.objects.filter(submission=submission, resolved_at__isnull=True).first()
        if submission
        else None,
        "third_assessor_assigned": selectors.live_assessors(dossier).count() > selectors.min_assessors(dossier),
        "scores_hidden": hidden,
        "interviews": dossier.interviews.prefetch_related("records__interviewer"),
        "decisions": dossier.decisions.select_related("decided_by"),
        "appeal": appeal,
        "events": _events(dossier, scores_hidden=hidden),
        "is_secretariat": selectors.is_secretariat(user=user, dossier=dossier),
        "can_decide": dossier.status == DossierStatus.AWAITING_DECISION
        and selectors.is_decision_maker(user=user, dossier=dossier),
        "can_decide_appeal": dossier.status == DossierStatus.APPEALED
        and appeal is not None
        and appeal.panel.filter(pk=user.pk).exists(),
    }
    if not hidden and submission:
        context["aggregate"] = current_aggregate(dossier)
        context["agreement"] = readable_agreement(selectors.dossier_agreement(dossier=dossier), dossier)
    return context


def assignment_context(*, assignment: Assignment, user: User) -> dict[str, Any]:
    """An assignment's page: the declaration to make first; for an interviewer who declared no conflict, the
    interview to record and the dossier as submitted."""
    dossier = assignment.dossier
    context: dict[str, Any] = {
        "assignment": assignment,
        "dossier": dossier,
        "has_declaration": selectors.has_valid_declaration(user=user),
    }
    if assignment.status != Assignment.Status.AWAITING_DECLARATION and selectors.can_see_dossier_content(
        assignment=assignment
    ):
        submission = selectors.latest_submission_or_none(dossier)
        context["interview"] = dossier.interviews.exclude(status=Interview.Status.CANCELLED).first()
        context["manifest"] = readable_manifest(submission, dossier) if submission else None
    return context


def score_context(*, assignment: Assignment) -> dict[str, Any]:
    """The assessor's scoresheet page, without its forms: ``can_score`` and ``can_amend`` say which the view adds.
    The other assessors' scores only for an assessor whose own sheet is in."""
    dossier = assignment.dossier
    sheet = selectors.current_sheet(assignment=assignment)
    submitted = sheet is not None and sheet.submitted_at is not None
    context: dict[str, Any] = {
        "assignment": assignment,
        "dossier": dossier,
        "criteria": list(dossier.profile.criteria.all()),
        "manifest": readable_manifest(selectors.latest_submission(dossier), dossier),
        "sheet": sheet,
        "submitted": submitted,
        "can_score": not submitted
        and assignment.status == Assignment.Status.ACTIVE
        and dossier.status == DossierStatus.UNDER_ASSESSMENT,
        "can_amend": False,
    }
    if sheet is not None and submitted:
        context["own_scores"] = sorted(sheet.scores.select_related("criterion"), key=lambda s: s.criterion.position)
        context["own_recommendation"] = recommendation_label(sheet.recommendation)
        context["can_amend"] = dossier.status in (
            DossierStatus.UNDER_ASSESSMENT,
            DossierStatus.INTERVIEW,
            DossierStatus.AWAITING_DECISION,
        )
        context["others_visible"] = selectors.others_sheets_visible(assignment=assignment)
        if context["others_visible"]:
            context["others"] = sheet_rows(dossier, exclude=assignment)
            context["aggregate"] = current_aggregate(dossier)
    return context


def interview_record_context(
    *, interview: Interview, assignment: Assignment, record: InterviewRecord | None
) -> dict[str, Any]:
    """An interviewer's page of the interview: their record once made, with the answers by question."""
    answers = []
    if record is not None:
        notes = {a.get("question"): a for a in record.answers}
        answers = [{"question": q, "answer": notes.get(i, {})} for i, q in enumerate(interview.questions)]
    return {
        "interview": interview,
        "dossier": interview.dossier,
        "assignment": assignment,
        "record": record,
        "answers": answers,
        "record_recommendation": recommendation_label(record.recommendation) if record else "",
        # Minutes are refused before the start (services.interviews); the page says so before the form is filled.
        "not_started": clock.now() < interview.starts_at,
    }


def decision_context(*, dossier: Dossier, user: User) -> dict[str, Any]:
    """What the decision maker reads: the record the decision will keep and the scoresheets (unless the reader
    is an assessor of the dossier still scoring)."""
    context: dict[str, Any] = {
        "dossier": dossier,
        "status_label": status_label(dossier.status),
        "decisions": dossier.decisions.select_related("decided_by"),
        "scores_hidden": selectors.scores_hidden_from(user=user, dossier=dossier),
    }
    if not context["scores_hidden"]:
        context["record"] = readable_record(selectors.decision_record(dossier=dossier), dossier)
        context["sheets"] = sheet_rows(dossier)
    return context


def appeal_decision_context(*, dossier: Dossier, appeal: Appeal) -> dict[str, Any]:
    """What the appeal panel reads: the statement, the decision appealed and the record it kept."""
    return {
        "dossier": dossier,
        "status_label": status_label(dossier.status),
        "appeal": appeal,
        "appealed_record": readable_record(appeal.decision.record, dossier),
    }
