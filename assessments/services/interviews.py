"""The interview: scheduling and rescheduling it (with invitations by e-mail, on commit) and each interviewer's
record, made once the interview has started. Every reading of the time goes through ``aipia.clock``."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import User
from aipia import clock
from aipia.errors import DomainError, InvalidTransition, NotAllowed
from dossiers import services as dossier_services
from dossiers.models import Dossier, DossierStatus

from .. import notifications
from ..models import Assessment, Assignment, Interview, InterviewRecord
from ..selectors import LIVE_ASSIGNMENT, has_scheduled_interview
from .common import ensure_assignable, ensure_secretariat, locked, record_event


def _start(starts_at: datetime.datetime, time_zone: str) -> datetime.datetime:
    """When the interview starts: a naive ``starts_at`` is read in ``time_zone``; it must be in the future."""
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise DomainError(_("Unknown time zone: %(tz)s") % {"tz": time_zone}) from exc
    if timezone.is_naive(starts_at):
        starts_at = starts_at.replace(tzinfo=zone)
    if starts_at <= clock.now():
        raise DomainError(_("The interview must be in the future."))
    return starts_at


def _assign_interviewers(dossier: Dossier, interviewers: Sequence[User], *, actor: User) -> None:
    """Assign each interviewer not assigned yet; their conflict-of-interest declaration comes next."""
    for user in interviewers:
        existing = Assignment.objects.filter(
            dossier=dossier, member=user, role=Assignment.Role.INTERVIEWER, status__in=LIVE_ASSIGNMENT
        ).first()
        if existing is None:
            Assignment.objects.create(dossier=dossier, member=user, role=Assignment.Role.INTERVIEWER, assigned_by=actor)


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
    dossier = locked(dossier)
    ensure_secretariat(actor, dossier)
    if dossier.status != DossierStatus.INTERVIEW:
        raise InvalidTransition(_("An interview can be scheduled only when the dossier awaits one."))
    if has_scheduled_interview(dossier=dossier):
        raise InvalidTransition(_("An interview is already scheduled; cancel it first."))
    starts_at = _start(starts_at, time_zone)
    if mode not in Interview.Mode.values or not location.strip():
        raise DomainError(_("Give the interview's mode and its address or video link."))
    if not interviewers:
        raise DomainError(_("Choose at least one interviewer."))
    for user in interviewers:
        ensure_assignable(user, dossier, role=Assignment.Role.INTERVIEWER)
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
    _assign_interviewers(dossier, interviewers, actor=actor)
    record_event(
        dossier,
        action="assessment.interview_scheduled",
        actor=actor,
        data={
            "interview": interview.pk,
            "starts_at": starts_at.isoformat(),
            "interviewers": [u.pk for u in interviewers],
        },
    )
    notifications.queue_interview_invitations(interview_id=interview.pk)
    return interview


@transaction.atomic
def reschedule_interview(
    *,
    interview: Interview,
    actor: User,
    starts_at: datetime.datetime,
    time_zone: str,
    mode: str,
    location: str,
    duration_minutes: int = 45,
) -> Interview:
    """Move a scheduled interview to a new time (and place): the same invitation, updated in everyone's calendar
    (same UID, next SEQUENCE), is mailed again on commit. Refused once an interviewer has recorded it."""
    dossier = locked(interview.dossier)
    interview = Interview.objects.select_for_update().get(pk=interview.pk)
    ensure_secretariat(actor, dossier)
    if interview.status != Interview.Status.SCHEDULED or dossier.status != DossierStatus.INTERVIEW:
        raise InvalidTransition(_("Only a scheduled interview of a dossier awaiting it can be rescheduled."))
    if interview.records.exists():
        raise InvalidTransition(_("An interviewer has already recorded this interview: it can no longer be moved."))
    new_start = _start(starts_at, time_zone)
    if mode not in Interview.Mode.values or not location.strip():
        raise DomainError(_("Give the interview's mode and its address or video link."))
    previous = interview.starts_at
    interview.starts_at, interview.time_zone, interview.mode = new_start, time_zone, mode
    interview.location, interview.duration_minutes = location.strip(), duration_minutes
    interview.sequence += 1
    interview.save(update_fields=["starts_at", "time_zone", "mode", "location", "duration_minutes", "sequence"])
    record_event(
        dossier,
        action="assessment.interview_rescheduled",
        actor=actor,
        data={"interview": interview.pk, "from": previous.isoformat(), "starts_at": new_start.isoformat()},
    )
    notifications.queue_interview_invitations(interview_id=interview.pk)
    return interview


def _not_started_message(interview: Interview) -> str:
    start = timezone.localtime(interview.starts_at, ZoneInfo(interview.time_zone))
    return _(
        "The interview starts on %(when)s (%(tz)s): its minutes can be recorded only once it has started. If it "
        "takes place at another time, ask the secretariat to reschedule it first."
    ) % {"when": formats.date_format(start, "DATETIME_FORMAT"), "tz": interview.time_zone}


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
    now = clock.now()
    if now < interview.starts_at:
        raise InvalidTransition(_not_started_message(interview), code="interview_not_started")
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
                submitted_at=now,
            )
    except IntegrityError as exc:
        raise InvalidTransition(_("You have already recorded this interview.")) from exc
    assignment.status = Assignment.Status.DONE
    assignment.save(update_fields=["status"])
    record_event(dossier, action="assessment.interview_recorded", actor=actor, data={"interview": interview.pk})
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
