"""The personal data in the committee's records, exported and erased for accounts/privacy.py (registered in apps.py).

Export: what the applicant is told of each of their dossiers, the decisions (outcome and rationale) and their
appeal; not who decided, nor what committee members wrote for themselves (scores, comments, minutes), as in the
applicant's own pages. Retention, counted from the dossier's closing: the assessment records
(``RETENTION_ASSESSMENT_DAYS``): assessors' comments, interview minutes and notes, conflict-of-interest reasons,
information requests, completeness checks' notes, while the numeric scores and the checks' verdicts stay, without
text, for the committee's statistics; the decisions (``RETENTION_DECISION_DAYS``): rationales, the decision record,
appeal statements.
"""

from __future__ import annotations

import datetime

from django.db import transaction

from accounts.models import User
from accounts.personal_data import ERASED, Export, PersonalData, register, retention_cutoff
from dossiers.models import Dossier, DossierEvent
from dossiers.selectors import closed_dossiers

from .models import (
    Appeal,
    Assessment,
    Assignment,
    CompletenessCheck,
    CriterionScore,
    Decision,
    InformationRequest,
    InterviewRecord,
)


class CommitteePersonalData(PersonalData):
    label = "assessments"

    def export(self, *, user: User, export: Export) -> None:
        # The dossiers' contributor, which runs before this one, has listed the person's own dossiers.
        for entry in export.data["dossiers"]:
            entry["decisions"] = list(
                Decision.objects.filter(dossier=entry["id"]).values("kind", "outcome", "rationale", "decided_at")
            )
            appeal = Appeal.objects.filter(dossier=entry["id"]).values("statement", "lodged_at", "status")
            entry["appeal"] = appeal.first()

    def erase_expired(self, *, now: datetime.datetime, holder: User | None) -> dict[str, int]:
        records = closed_dossiers(closed_before=retention_cutoff(now, "RETENTION_ASSESSMENT_DAYS"), owner=holder)
        erased_records = sum(_erase_assessment_records(dossier) for dossier in records)
        decided = closed_dossiers(closed_before=retention_cutoff(now, "RETENTION_DECISION_DAYS"), owner=holder)
        erased_decisions = sum(_erase_decisions(dossier) for dossier in decided)
        return {"assessment_records": erased_records, "decisions": erased_decisions}


def _erase_assessment_records(dossier: Dossier) -> int:
    erased = 0
    with transaction.atomic():
        assessments = Assessment.objects.filter(assignment__dossier=dossier)
        erased += assessments.exclude(comment="").update(comment="")
        erased += (
            CriterionScore.objects.filter(assessment__assignment__dossier=dossier)
            .exclude(comment="")
            .update(comment="")
        )
        erased += assessments.exclude(amendment_reason="").update(amendment_reason="")
        erased += Assignment.objects.filter(dossier=dossier).exclude(conflict_reason="").update(conflict_reason="")
        erased += InformationRequest.objects.filter(dossier=dossier).exclude(questions=ERASED).update(questions=ERASED)
        for record in InterviewRecord.objects.filter(interview__dossier=dossier):
            answers = [{"score": a.get("score")} for a in record.answers if isinstance(a, dict)]
            if record.minutes != ERASED or answers != record.answers:
                record.minutes, record.answers = ERASED, answers
                record.save(update_fields=["minutes", "answers"])
                erased += 1
        erased += _erase_check_notes(dossier)
    return erased


def _without_notes(items: list) -> list:
    return [{**i, "note": ERASED if i.get("note") else ""} for i in items if isinstance(i, dict)]


def _erase_check_notes(dossier: Dossier) -> int:
    """The completeness checks' notes, in their rows and audit events; the verdicts stay."""
    erased = 0
    for check in CompletenessCheck.objects.filter(dossier=dossier):
        if check.items != _without_notes(check.items):
            check.items = _without_notes(check.items)
            check.save(update_fields=["items"])
            erased += 1
    for event in DossierEvent.objects.filter(dossier=dossier, action="assessment.completeness_checked"):
        items = event.data.get("items", [])
        if items != _without_notes(items):
            event.data = {**event.data, "items": _without_notes(items)}
            event.save(update_fields=["data"])
    return erased


def _erase_decisions(dossier: Dossier) -> int:
    with transaction.atomic():
        erased = Decision.objects.filter(dossier=dossier).exclude(rationale=ERASED).update(rationale=ERASED, record={})
        erased += Appeal.objects.filter(dossier=dossier).exclude(statement=ERASED).update(statement=ERASED)
    return erased


register(CommitteePersonalData())
