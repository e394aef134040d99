"""E-mails of the committee's work: assignment notices and interview invitations (with an .ics file), written to
the outbox in the caller's transaction (sent after the commit, once)."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from outbox import services as outbox

from .ical import interview_invitation
from .models import Assignment, Interview


def queue_assignment_notice(*, assignment_id: int) -> bool:
    """Write the notice to a newly assigned committee member (declare a conflict of interest first)."""
    assignment = Assignment.objects.select_related("member", "dossier__profile").filter(pk=assignment_id).first()
    if assignment is None or assignment.status != Assignment.Status.AWAITING_DECLARATION:
        return False
    member = assignment.member
    with translation.override(member.preferred_language):
        subject = _("[AIPIA] New assignment: %(profile)s dossier") % {"profile": assignment.dossier.profile.tr("title")}
        body = _(
            "You have been assigned as %(role)s of a dossier for %(profile)s.\n\n"
            "Before you can see it, declare whether you have a conflict of interest:\n%(url)s\n"
        ) % {
            "role": assignment.get_role_display().lower(),
            "profile": assignment.dossier.profile.tr("title"),
            "url": f"{settings.SITE_URL}/committee/assignments/{assignment.pk}/",
        }
    outbox.queue_email(
        to=[member.email],
        subject=subject,
        language=member.preferred_language,
        context={"body": body},
        dedupe_key=f"assessments.assignment:{assignment.pk}",
    )
    return True


def interview_participants(interview: Interview) -> list[User]:
    """The applicant, then the interviewers who have not declared a conflict."""
    dossier = interview.dossier
    panel = [
        a.member
        for a in dossier.assignments.filter(role=Assignment.Role.INTERVIEWER)
        .exclude(status__in=[Assignment.Status.CONFLICTED, Assignment.Status.WITHDRAWN])
        .select_related("member")
    ]
    return [dossier.owner, *panel]


def interview_calendar(interview: Interview, people: Sequence[User]) -> bytes:
    """The interview's invitation (iCalendar), the same for everyone: mailed to each participant, and what the
    applicant downloads from their dossier's page."""
    dossier = interview.dossier
    return interview_invitation(
        uid=interview.uid,
        sequence=interview.sequence,
        starts_at=interview.starts_at,
        duration_minutes=interview.duration_minutes,
        time_zone=interview.time_zone,
        # One invitation goes to everyone, so it speaks both of the site's languages.
        summary=f"AIPIA — colloquio di certificazione / certification interview: {dossier.profile.title_en}",
        description=(
            f"Colloquio di certificazione per {dossier.profile.title_it}.\n"
            f"Certification interview for {dossier.profile.title_en}."
        ),
        location=interview.location,
        organizer_email=settings.DEFAULT_FROM_EMAIL.split("<")[-1].rstrip(">"),
        attendees=[(p.get_full_name() or p.email, p.email) for p in people],
        stamp=timezone.now(),
    )


def queue_interview_invitations(*, interview_id: int) -> int:
    """One message per participant, each with the same invitation attached (per version of the interview: a
    rescheduling writes them again). Returns how many were written."""
    interview = Interview.objects.select_related("dossier__owner", "dossier__profile").filter(pk=interview_id).first()
    if interview is None or interview.status != Interview.Status.SCHEDULED:
        return 0
    dossier = interview.dossier
    people = interview_participants(interview)
    ics = interview_calendar(interview, people)
    for person in people:
        with translation.override(person.preferred_language):
            local = timezone.localtime(interview.starts_at, timezone=ZoneInfo(interview.time_zone))
            body = _(
                "The certification interview for %(profile)s is scheduled on %(when)s (%(tz)s).\n"
                "Where: %(location)s\n\nThe invitation is attached; add it to your calendar.\n"
            ) % {
                "profile": dossier.profile.tr("title"),
                "when": date_format(local, "DATETIME_FORMAT"),
                "tz": interview.time_zone,
                "location": interview.location,
            }
            subject = _("[AIPIA] Certification interview")
        outbox.queue_email(
            to=[person.email],
            subject=subject,
            language=person.preferred_language,
            context={"body": body},
            attachments=[
                {
                    "content": ics.decode(),
                    "filename": "interview.ics",
                    "mimetype": "text/calendar; method=REQUEST; charset=utf-8",
                }
            ],
            dedupe_key=f"assessments.interview:{interview.pk}:{interview.sequence}:{person.pk}",
        )
    return len(people)
