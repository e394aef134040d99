"""What happens next, for the applicant: the steps ahead, their usual length, the interview."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from assessments import figures, progress
from assessments.services import declarations, interviews
from dossiers import services as dossier_services
from dossiers.models import DossierEvent

from ..factories import member
from .conftest import assess


def past_stays(profile, status: str, days: list[float], *, ended_days_ago: float = 10) -> None:
    """Other applicants' dossiers whose audit trail shows a stay of each length in ``status``, ended some days ago."""
    end = timezone.now() - datetime.timedelta(days=ended_days_ago)
    for length in days:
        dossier = dossier_services.start_dossier(owner=member(), profile=profile)
        entered = DossierEvent.objects.create(dossier=dossier, action="test.entered", to_status=status)
        left = DossierEvent.objects.create(dossier=dossier, action="test.left", to_status="withdrawn")
        DossierEvent.objects.filter(pk=entered.pk).update(created_at=end - datetime.timedelta(days=length))
        DossierEvent.objects.filter(pk=left.pk).update(created_at=end)


def test_with_too_few_recent_dossiers_there_is_no_estimate(profile, submitted):
    past_stays(profile, "submitted", [2, 3, 4, 5])
    stay = figures.typical_stays(profile=profile, statuses=["submitted"], now=timezone.now())["submitted"]
    assert stay.stays == 4 and stay.median_days is None and stay.whole_days is None


def test_with_enough_dossiers_the_estimate_is_their_median_and_ongoing_or_old_stays_do_not_count(profile, submitted):
    past_stays(profile, "submitted", [2, 4, 6, 8, 30])
    past_stays(profile, "submitted", [1, 1, 1], ended_days_ago=400)  # too long ago
    # ``submitted`` itself is still in its stay: it has no length yet.
    stay = figures.typical_stays(profile=profile, statuses=["submitted"], now=timezone.now())["submitted"]
    assert stay.stays == 5 and stay.median_days == 6.0 and stay.whole_days == 6


def test_after_submission_the_applicant_sees_the_steps_ahead_with_the_current_one_marked(
    client, applicant, profile, submitted
):
    past_stays(profile, "submitted", [1.2, 2, 2.5, 3, 9])
    client.force_login(applicant)
    page = client.get(f"/dossiers/{submitted.pk}/").content.decode()
    assert "What happens next" in page
    steps = page.split('class="steps"')[1].split("</ol>")[0]
    for title in ("Completeness check", "Assessment", "Interview", "Decision", "Credential"):
        assert title in steps
    current = steps.split('aria-current="step"')[1].split("</li>")[0]
    assert "Completeness check" in current and "Usually about 3 days" in current
    assert "Too few recent dossiers" in steps  # the assessment has no figures yet


def test_a_draft_has_no_next_steps(client, applicant, dossier):
    client.force_login(applicant)
    assert "What happens next" not in client.get(f"/dossiers/{dossier.pk}/").content.decode()
    assert progress.next_steps(dossier=dossier) is None


def test_after_a_complete_check_the_assessment_is_the_current_step(checked):
    steps = {s.key: s.state for s in progress.next_steps(dossier=checked).steps}
    assert steps == {
        "completeness": "done",
        "assessment": "current",
        "interview": "upcoming",
        "decision": "upcoming",
        "credential": "upcoming",
    }


def test_without_an_interview_the_decision_step_marks_it_not_needed(awaiting_decision):
    steps = {s.key: s.state for s in progress.next_steps(dossier=awaiting_decision).steps}
    assert steps["interview"] == "skipped" and steps["decision"] == "current"


@pytest.fixture
def interview(under_assessment, assessors, secretary, interviewer):
    assess(under_assessment, assessors[0], 3, "interview")
    assess(under_assessment, assessors[1], 3)
    scheduled = interviews.schedule_interview(
        dossier=under_assessment,
        actor=secretary,
        starts_at=datetime.datetime(2031, 12, 10, 10, 0),
        time_zone="Europe/Rome",
        mode="video",
        location="https://meet.example.org/aipia-interview",
        interviewers=[interviewer],
    )
    declarations.declare_conflict_of_interest(
        assignment=under_assessment.assignments.get(member=interviewer), actor=interviewer, has_conflict=False
    )
    return scheduled


@pytest.mark.parametrize(("language", "when"), [("en", "Dec. 10, 2031, 10 a.m."), ("it", "10 dicembre 2031, 10:00")])
def test_in_the_interview_state_the_page_shows_its_date_time_place_and_calendar_file(
    client, applicant, interview, language, when
):
    applicant.preferred_language = language
    applicant.save(update_fields=["preferred_language"])
    client.force_login(applicant)
    page = client.get(f"/dossiers/{interview.dossier_id}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    details = page.split('class="interview-details"')[1].split("</div>")[0]
    assert when in details and "Europe/Rome" in details
    assert 'href="https://meet.example.org/aipia-interview"' in details
    assert f'href="/dossiers/{interview.dossier_id}/interview.ics"' in details


def test_the_calendar_file_is_the_invitation_and_only_for_the_applicant(client, applicant, interview, interviewer):
    client.force_login(applicant)
    response = client.get(f"/dossiers/{interview.dossier_id}/interview.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert "BEGIN:VEVENT" in text and interview.uid in text and "TZID=Europe/Rome" in text
    client.force_login(member())
    assert client.get(f"/dossiers/{interview.dossier_id}/interview.ics").status_code == 404
    client.force_login(interviewer)
    assert client.get(f"/dossiers/{interview.dossier_id}/interview.ics").status_code == 404


def test_the_api_gives_the_same_steps_estimates_and_interview(applicant, interview):
    api = APIClient()
    api.force_authenticate(applicant)
    body = api.get(f"/api/v1/dossiers/{interview.dossier_id}/next-steps").json()
    assert body["status"] == "interview" and body["min_stays"] == figures.MIN_STAYS_FOR_AN_ESTIMATE
    assert [(s["key"], s["state"]) for s in body["steps"]] == [
        ("completeness", "done"),
        ("assessment", "done"),
        ("interview", "current"),
        ("decision", "upcoming"),
        ("credential", "upcoming"),
    ]
    assert body["steps"][2]["typical"] == {"median_days": None, "whole_days": None, "stays": 0}
    assert body["steps"][4]["typical"] is None
    assert body["interview"]["local_start"] == "2031-12-10T10:00:00+01:00"
    assert body["interview"]["location"] == "https://meet.example.org/aipia-interview"
    calendar = api.get(body["interview"]["calendar"])
    assert calendar.status_code == 200 and b"BEGIN:VCALENDAR" in calendar.content
    stranger = APIClient()
    stranger.force_authenticate(member())
    assert stranger.get(f"/api/v1/dossiers/{interview.dossier_id}/next-steps").status_code == 404
    assert stranger.get(f"/api/v1/dossiers/{interview.dossier_id}/interview.ics").status_code == 404
