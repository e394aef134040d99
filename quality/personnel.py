"""The records of the people who assess, interview, decide and handle cases (ISO/IEC 17024 §6): their roles, their
impartiality declaration, their competence records, and how their work is monitored over a period. Reads only."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from accounts.models import User
from assessments.models import Assignment, CommitteeMember, ImpartialityDeclaration

from .models import CompetenceRecord
from .report import Period, pooled_agreement, submitted_sheets


@dataclass
class PersonRecord:
    person: User
    roles: list[str] = field(default_factory=list)
    committees: list[str] = field(default_factory=list)
    declaration_valid_until: Any = None
    records: list[CompetenceRecord] = field(default_factory=list)
    monitoring: dict[str, Any] = field(default_factory=dict)


def personnel(*, period: Period) -> list[PersonRecord]:
    """Everyone on a committee, with their records and, for the period, the sheets they submitted, how many days
    after their assignment, their agreement with their co-assessors, and the conflicts of interest they declared."""
    memberships = CommitteeMember.objects.select_related("user", "committee").order_by(
        "user__last_name", "user__first_name", "user_id"
    )
    people: dict[int, PersonRecord] = {}
    for membership in memberships:
        record = people.setdefault(membership.user_id, PersonRecord(person=membership.user))
        record.committees.append(membership.committee.name)
        for flag, label in (
            ("is_assessor", "assessor"),
            ("is_interviewer", "interviewer"),
            ("is_decision_maker", "decision_maker"),
            ("is_chair", "chair"),
        ):
            if getattr(membership, flag) and label not in record.roles:
                record.roles.append(label)
    ids = list(people)
    for user_id, valid_until in (
        ImpartialityDeclaration.objects.filter(user_id__in=ids).order_by("user_id", "valid_until")
    ).values_list("user_id", "valid_until"):
        people[user_id].declaration_valid_until = valid_until
    for competence in CompetenceRecord.objects.filter(person_id__in=ids):
        people[competence.person_id].records.append(competence)
    sheets = list(submitted_sheets(period))
    for user_id, record in people.items():
        own = [sheet for sheet in sheets if sheet.assignment.member_id == user_id]
        lags = [
            (sheet.submitted_at - sheet.assignment.assigned_at).total_seconds() / 86400
            for sheet in own
            if sheet.submitted_at
        ]
        record.monitoring = {
            "sheets_submitted": len(own),
            "median_days_to_submit": round(statistics.median(lags), 1) if lags else None,
            "agreement": pooled_agreement(sheets, involving=user_id),
            "conflicts_declared": Assignment.objects.filter(
                Q(declared_at__gte=period.start) & Q(declared_at__lt=period.end), member_id=user_id, has_conflict=True
            ).count(),
        }
    return list(people.values())
