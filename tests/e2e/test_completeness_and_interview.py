"""The committee's process made explicit (issue 15), in both languages and at both widths: the secretariat records
the completeness check before assigning assessors; the applicant sees what happens next and, once invited, the
interview's date, time and place; an interviewer cannot record minutes before the interview has started."""

import datetime
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from assessments.models import Committee, CompletenessCheck, InterviewRecord
from assessments.services import assignments, declarations, interviews
from dossiers import services as dossier_services
from dossiers.models import Dossier, DossierStatus
from profiles.models import Profile

from ..assessments.conftest import assess, check_complete, committee_user
from ..conftest import fill_completely
from ..factories import PASSWORD, UserFactory, member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, user) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def submitted_dossier(language: str):
    profile = Profile.objects.get(code="ai-ml-engineer")
    applicant = member(first_name="Grace", last_name="Hopper", preferred_language=language)
    dossier = dossier_services.start_dossier(owner=applicant, profile=profile)
    fill_completely(dossier, applicant)
    dossier_services.submit_dossier(dossier=dossier, actor=applicant)
    committee = Committee.objects.create(name="Technical committee")
    committee.profiles.add(profile)
    return dossier, committee


def dossier_awaiting_interview(language: str):
    """A dossier whose assessors asked for an interview, with its interviewer, before anything is scheduled."""
    dossier, committee = submitted_dossier(language)
    secretary = UserFactory(is_staff=True, preferred_language=language)
    first, second = (committee_user(committee, is_assessor=True) for _ in range(2))
    interviewer = committee_user(committee, is_interviewer=True)
    interviewer.preferred_language = language
    interviewer.save(update_fields=["preferred_language"])
    check_complete(dossier, secretary)
    assignments.assign_assessors(dossier=dossier, actor=secretary, assessors=[first, second])
    assess(dossier, first, 3, "interview")
    assess(dossier, second, 3)
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.INTERVIEW
    return dossier, secretary, interviewer


def test_the_secretariat_records_the_completeness_check_and_then_assigns(seen_page, variant, catalogue):
    page = seen_page
    dossier, committee = submitted_dossier(variant.language)
    secretary = UserFactory(is_staff=True, preferred_language=variant.language)
    for _ in range(2):
        committee_user(committee, is_assessor=True)
    sign_in(page, secretary)

    page.goto(f"/committee/dossiers/{dossier.pk}/")
    # No assessors before the check: the page says why and leads to it.
    expect(page.get_by_role("button", name=variant.gettext("Assign the selected assessors"))).to_have_count(0)
    page.get_by_role("link", name=variant.gettext("Check completeness")).click()

    items = page.locator("form fieldset.card")
    expect(items.first).to_contain_text(variant.gettext("Identity and membership"))
    expect(items.last).to_contain_text(variant.gettext("Declarations"))
    expect(page.get_by_text("cv.pdf").first).to_be_visible()
    # Forgetting an item is explained, and nothing is recorded.
    for item in items.all()[:-1]:
        item.get_by_label(variant.gettext("Confirmed"), exact=True).check()
    page.get_by_role("button", name=variant.gettext("Record the completeness check")).click()
    expect(page.get_by_role("alert").first).to_be_visible()
    assert not CompletenessCheck.objects.exists()
    items.last.get_by_label(variant.gettext("Confirmed"), exact=True).check()
    page.get_by_role("button", name=variant.gettext("Record the completeness check")).click()

    expect(page.get_by_text(variant.gettext("The dossier is complete: the assessment can start."))).to_be_visible()
    expect(page.get_by_role("button", name=variant.gettext("Assign the selected assessors"))).to_be_visible()
    check = CompletenessCheck.objects.get(dossier=dossier)
    assert check.outcome == "complete" and check.checked_by == secretary
    # The history keeps the check with every item's verdict.
    history = page.locator("ol.timeline li", has_text=variant.gettext("Completeness check recorded"))
    expect(history.locator("ul.checklist li")).to_have_count(len(check.items))
    page.get_by_role("button", name=variant.gettext("Assign the selected assessors")).click()
    expect(page.locator(".badge").first).to_have_text(variant.gettext("Under assessment"))


def test_the_applicant_sees_what_happens_next_and_then_the_interviews_details(seen_page, variant, catalogue):
    page = seen_page
    dossier, secretary, interviewer = dossier_awaiting_interview(variant.language)
    sign_in(page, dossier.owner)

    page.goto(f"/dossiers/{dossier.pk}/")
    steps = page.locator("section.next-steps")
    expect(steps.get_by_role("heading", name=variant.gettext("What happens next"))).to_be_visible()
    current = steps.locator("[aria-current=step]")
    expect(current).to_contain_text(variant.gettext("Interview"))
    expect(steps.locator("li.step")).to_have_count(5)
    expect(steps).to_contain_text(
        variant.gettext(
            "The secretariat will schedule your interview; you will receive its date, time and place by e-mail and "
            "see them here."
        )
    )
    # No recent dossiers to learn from: the page says so rather than guess.
    too_few = "Too few recent dossiers to say how long this usually takes (an estimate needs at least %(n)s)."
    expect(current).to_contain_text(variant.gettext(too_few) % {"n": 5})

    interview = interviews.schedule_interview(
        dossier=dossier,
        actor=secretary,
        starts_at=datetime.datetime(2031, 12, 10, 10, 0),
        time_zone="Europe/Rome",
        mode="video",
        location="https://meet.example.org/aipia-interview",
        interviewers=[interviewer],
    )
    page.reload()
    details = page.locator(".interview-details")
    with translation.override(variant.language):
        when = formats.date_format(timezone.localtime(interview.starts_at, ZoneInfo("Europe/Rome")), "DATETIME_FORMAT")
    expect(details).to_contain_text(when)
    expect(details).to_contain_text("Europe/Rome")
    expect(details.get_by_role("link", name="https://meet.example.org/aipia-interview")).to_be_visible()
    calendar = details.get_by_role("link", name=re.compile(r"\.ics"))
    with page.expect_download() as download:
        calendar.click()
    content = Path(download.value.path()).read_text(encoding="utf-8")
    assert "BEGIN:VEVENT" in content and interview.uid in content


def test_an_interviewer_is_refused_minutes_before_the_start_and_records_them_after(
    seen_page, variant, catalogue, clock
):
    page = seen_page
    dossier, secretary, interviewer = dossier_awaiting_interview(variant.language)
    interview = interviews.schedule_interview(
        dossier=dossier,
        actor=secretary,
        starts_at=timezone.now() + datetime.timedelta(days=7),
        time_zone="Europe/Rome",
        mode="in_person",
        location="Via Roma 1, Milano",
        interviewers=[interviewer],
    )
    declarations.declare_conflict_of_interest(
        assignment=dossier.assignments.get(member=interviewer), actor=interviewer, has_conflict=False
    )
    sign_in(page, interviewer)

    page.goto(f"/committee/interviews/{interview.pk}/record/")
    # Before the start, the page says from when minutes can be recorded, and that a rescheduling is the way.
    with translation.override(variant.language):
        when = formats.date_format(timezone.localtime(interview.starts_at, ZoneInfo("Europe/Rome")), "DATETIME_FORMAT")
    not_started = variant.gettext(
        "The interview starts on %(when)s (%(tz)s): its minutes can be recorded only once it has started. If it takes "
        "place at another time, ask the secretariat to reschedule it first."
    ) % {"when": when, "tz": "Europe/Rome"}
    expect(page.locator(".message.notice")).to_have_text(not_started)
    page.get_by_label(variant.gettext("Minutes of the interview")).fill("Early minutes, typed before the start.")
    page.get_by_label(variant.gettext("Overall score (0 to 4)")).select_option("3")
    page.locator("input[name=recommendation][value=pass]").check()
    page.get_by_role("button", name=variant.gettext("Submit the record")).click()

    expect(page.locator(".message.error")).to_contain_text(not_started)
    assert not InterviewRecord.objects.exists()
    # What was typed is kept for when the interview has taken place.
    expect(page.get_by_label(variant.gettext("Minutes of the interview"))).to_have_value(
        "Early minutes, typed before the start."
    )

    clock.move_to(interview.starts_at + datetime.timedelta(minutes=50))
    page.get_by_label(variant.gettext("Overall score (0 to 4)")).select_option("3")
    page.locator("input[name=recommendation][value=pass]").check()
    page.get_by_role("button", name=variant.gettext("Submit the record")).click()
    expect(page.get_by_text(variant.gettext("Your record of the interview has been submitted."))).to_be_visible()
    assert Dossier.objects.get(pk=dossier.pk).status == DossierStatus.AWAITING_DECISION
