"""The interview's minutes wait for its start; a rescheduling moves it."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from aipia.errors import DomainError, InvalidTransition, NotAllowed
from assessments.models import InterviewRecord
from assessments.services import declarations, interviews
from dossiers.models import DossierStatus

from .conftest import assess

RECORD = {"answers": [], "minutes": "Clear answers on drift monitoring.", "score": 3, "recommendation": "pass"}


@pytest.fixture
def scheduled(under_assessment, assessors, secretary, interviewer):
    """An interview in ten days, its interviewer declared free of conflicts."""
    assess(under_assessment, assessors[0], 3, "interview")
    assess(under_assessment, assessors[1], 3)
    interview = interviews.schedule_interview(
        dossier=under_assessment,
        actor=secretary,
        starts_at=timezone.now() + datetime.timedelta(days=10),
        time_zone="Europe/Rome",
        mode="video",
        location="https://meet.example.org/aipia",
        interviewers=[interviewer],
    )
    assignment = under_assessment.assignments.get(member=interviewer)
    declarations.declare_conflict_of_interest(assignment=assignment, actor=interviewer, has_conflict=False)
    return interview


def test_minutes_before_the_scheduled_start_are_refused_and_point_to_rescheduling(scheduled, interviewer, clock):
    clock.move_to(scheduled.starts_at - datetime.timedelta(minutes=1))
    with pytest.raises(InvalidTransition, match="ask the secretariat to reschedule it") as refused:
        interviews.record_interview(interview=scheduled, actor=interviewer, **RECORD)
    assert refused.value.code == "interview_not_started"
    assert not InterviewRecord.objects.exists()
    scheduled.dossier.refresh_from_db()
    assert scheduled.dossier.status == DossierStatus.INTERVIEW


def test_minutes_from_the_start_on_are_accepted(scheduled, interviewer, clock):
    clock.move_to(scheduled.starts_at)
    record = interviews.record_interview(interview=scheduled, actor=interviewer, **RECORD)
    assert record.submitted_at == scheduled.starts_at
    scheduled.dossier.refresh_from_db()
    assert scheduled.dossier.status == DossierStatus.AWAITING_DECISION


def test_the_interviewers_page_says_when_minutes_open_and_refuses_them_early_keeping_the_text(
    client, scheduled, interviewer
):
    client.force_login(interviewer)
    url = f"/committee/interviews/{scheduled.pk}/record/"
    assert "its minutes can be recorded only once it has started" in client.get(url).content.decode()
    response = client.post(
        url, {"minutes": "KEEP-THESE-MINUTES", "score": "3", "recommendation": "pass", "notes_0": "", "score_0": ""}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "ask the secretariat to reschedule it first" in page and "KEEP-THESE-MINUTES" in page
    assert not InterviewRecord.objects.exists()


def test_rescheduling_moves_the_interview_and_mails_the_updated_invitation(
    scheduled, secretary, interviewer, applicant, django_capture_on_commit_callbacks
):
    new_start = timezone.now() + datetime.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        moved = interviews.reschedule_interview(
            interview=scheduled,
            actor=secretary,
            starts_at=new_start,
            time_zone="Europe/Rome",
            mode="in_person",
            location="Via Roma 1, Milano",
            duration_minutes=60,
        )
    assert moved.starts_at == new_start and moved.sequence == 1 and moved.location == "Via Roma 1, Milano"
    event = scheduled.dossier.events.get(action="assessment.interview_rescheduled")
    assert event.actor == secretary and event.data["from"] != event.data["starts_at"]
    invitations = [m for m in mail.outbox if m.attachments]
    assert {m.to[0] for m in invitations} == {applicant.email, interviewer.email}
    ics = invitations[0].attachments[0][1]
    text = ics.decode() if isinstance(ics, bytes) else ics
    assert "SEQUENCE:1" in text and scheduled.uid in text


def test_rescheduling_is_refused_in_the_past_to_others_and_once_recorded(
    scheduled, secretary, interviewer, assessors, clock
):
    arguments = {"time_zone": "Europe/Rome", "mode": "video", "location": "https://meet.example.org/x"}
    with pytest.raises(DomainError, match="future"):
        interviews.reschedule_interview(
            interview=scheduled, actor=secretary, starts_at=timezone.now() - datetime.timedelta(days=1), **arguments
        )
    with pytest.raises(NotAllowed):
        interviews.reschedule_interview(
            interview=scheduled, actor=assessors[0], starts_at=timezone.now() + datetime.timedelta(days=2), **arguments
        )
    clock.move_to(scheduled.starts_at + datetime.timedelta(hours=1))
    interviews.record_interview(interview=scheduled, actor=interviewer, **RECORD)
    with pytest.raises(InvalidTransition):
        interviews.reschedule_interview(
            interview=scheduled,
            actor=secretary,
            starts_at=scheduled.starts_at + datetime.timedelta(days=2),
            **arguments,
        )
    scheduled.refresh_from_db()
    assert scheduled.sequence == 0


def test_the_secretariat_reschedules_in_the_browser_and_through_the_api(client, scheduled, secretary):
    client.force_login(secretary)
    page = client.get(f"/committee/dossiers/{scheduled.dossier_id}/").content.decode()
    assert "Reschedule the interview" in page
    response = client.post(
        f"/committee/dossiers/{scheduled.dossier_id}/interview/reschedule/",
        {
            "starts_at": "2031-03-04T09:30",
            "time_zone": "Europe/Rome",
            "mode": "video",
            "location": "https://meet.example.org/new",
            "duration_minutes": "45",
        },
    )
    assert response.status_code == 302
    scheduled.refresh_from_db()
    assert scheduled.starts_at == datetime.datetime(2031, 3, 4, 8, 30, tzinfo=datetime.UTC)

    api = APIClient()
    api.force_authenticate(secretary)
    url = f"/api/v1/committee/dossiers/{scheduled.dossier_id}/interview"
    body = {"starts_at": "2031-03-05T10:00:00", "time_zone": "America/New_York", "mode": "video", "location": "x"}
    moved = api.patch(url, body, format="json")
    assert moved.status_code == 200, moved.content
    assert moved.json()["time_zone"] == "America/New_York"
    scheduled.refresh_from_db()
    assert scheduled.starts_at == datetime.datetime(2031, 3, 5, 15, 0, tzinfo=datetime.UTC) and scheduled.sequence == 2
    past = api.patch(url, {**body, "starts_at": "2001-01-01T10:00:00"}, format="json")
    assert past.status_code == 400 and "future" in past.json()["detail"]
