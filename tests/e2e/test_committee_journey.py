"""The committee's journey in a real browser: the secretariat checks the dossier's completeness and assigns two
assessors → each declares no conflict and scores → the decision maker, who assessed nothing, approves → the
applicant sees the decision."""

import re

import pytest
from playwright.sync_api import expect

from assessments.models import Committee, CommitteeMember
from assessments.services.declarations import sign_impartiality_declaration
from dossiers import services as dossier_services
from dossiers.models import Dossier, DossierStatus
from profiles.models import Profile

from ..conftest import fill_completely
from ..factories import PASSWORD, UserFactory, member
from .navigation import click_in_menu, open_menu

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page, user) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    open_menu(page)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def committee_member(committee, **roles):
    user = UserFactory()
    CommitteeMember.objects.create(committee=committee, user=user, **roles)
    sign_impartiality_declaration(user=user)
    return user


def score_everything(page, score: str) -> None:
    for select in page.locator("select[name^=score_]").all():
        select.select_option(score)
    page.get_by_label("Overall recommendation").select_option("pass")


def test_a_dossier_goes_from_assignment_to_approval_and_the_applicant_sees_it(page, snap, catalogue):
    profile = Profile.objects.get(code="ai-ml-engineer")
    applicant = member(first_name="Grace", last_name="Hopper")
    dossier = dossier_services.start_dossier(owner=applicant, profile=profile)
    fill_completely(dossier, applicant)
    dossier_services.submit_dossier(dossier=dossier, actor=applicant)
    committee = Committee.objects.create(name="Technical committee")
    committee.profiles.add(profile)
    secretary = UserFactory(is_staff=True)
    first, second = (committee_member(committee, is_assessor=True) for _ in range(2))
    decision_maker = committee_member(committee, is_decision_maker=True)

    # The secretariat checks the submitted version's completeness, then assigns the two suggested assessors.
    log_in(page, secretary)
    click_in_menu(page, "Committee")
    page.locator(f"a[href='/committee/dossiers/{dossier.pk}/']").first.click()
    page.get_by_role("link", name="Check completeness").click()
    for item in page.locator("form fieldset.card").all():
        item.get_by_label("Confirmed", exact=True).check()
    snap("completeness-check")
    page.get_by_role("button", name="Record the completeness check").click()
    expect(page.get_by_text("The dossier is complete: the assessment can start.")).to_be_visible()
    snap("committee-dossier")
    for assessor in (first, second):
        expect(page.get_by_label(re.compile(re.escape(assessor.get_full_name())))).to_be_checked()
    page.get_by_role("button", name="Assign the selected assessors").click()
    expect(page.locator(".badge").first).to_have_text("Under assessment")

    for assessor, score in ((first, "3"), (second, "4")):
        log_in(page, assessor)
        click_in_menu(page, "Committee")
        page.locator("a[href^='/committee/assignments/']").first.click()
        # Before the declaration, nothing of the dossier but the applicant's name is shown.
        expect(page.get_by_text("Grace Hopper").first).to_be_visible()
        expect(page.get_by_text("ML Engineer", exact=True)).to_have_count(0)
        page.get_by_label("I have no conflict of interest with this applicant").check()
        page.get_by_role("button", name="Record my declaration").click()
        if "/score/" not in page.url:
            page.locator("a[href$='/score/']").first.click()
        # The frozen dossier is now visible next to the criteria.
        expect(page.get_by_text("Five years deploying machine learning models").first).to_be_visible()
        score_everything(page, score)
        page.get_by_role("button", name="Save draft").click()
        expect(page.locator("select[name^=score_]").first).to_have_value(score)
        snap(f"scoring-{score}")
        page.get_by_role("button", name="Submit scores").click()
        expect(page.get_by_text("Submitted").first).to_be_visible()

    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.AWAITING_DECISION

    # The decision maker sees the whole record and approves with a rationale.
    log_in(page, decision_maker)
    page.goto(f"/committee/dossiers/{dossier.pk}/decision/")
    expect(page.get_by_text("3.50").first).to_be_visible()  # the weighted average of 3 and 4
    page.get_by_label("Approve: certify the applicant").check()
    page.get_by_label("Rationale").fill("Consistent production evidence on every criterion; both assessors agree.")
    snap("decision")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Approved").first).to_be_visible()
    assert Dossier.objects.get(pk=dossier.pk).status == DossierStatus.APPROVED

    # The applicant sees the decision and its rationale.
    log_in(page, applicant)
    page.goto(f"/dossiers/{dossier.pk}/")
    expect(page.locator(".badge").first).to_have_text("Approved")
    expect(page.get_by_text("Your certification has been approved")).to_be_visible()
    expect(page.get_by_text("Consistent production evidence on every criterion").first).to_be_visible()
    snap("applicant-approved")
