"""The committee's dashboard draws its figures (issue 15), in both languages and at both widths: the assessors'
agreement by month as a line with gaps, and the days in each status as bars, each an image with a name and a
description beside the table that keeps the figures; the dossier page shows no kappa for one dossier."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments import figures, pages
from assessments.models import Committee, CommitteeMember
from assessments.services import assignments
from assessments.services.declarations import sign_impartiality_declaration
from dossiers import services as dossier_services
from profiles.models import Profile

from ..assessments.conftest import check_complete
from ..assessments.test_figures import paired_sheets, scores_for
from ..conftest import fill_completely
from ..factories import PASSWORD, UserFactory, member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def committee_with_scores(language: str):
    """A committee whose two assessors scored ten versions of a dossier this month (enough paired scores for a
    kappa) and nothing in the months before; its secretary, in ``language``."""
    profile = Profile.objects.get(code="ai-ml-engineer")
    applicant = member()
    dossier = dossier_services.start_dossier(owner=applicant, profile=profile)
    fill_completely(dossier, applicant)
    dossier_services.submit_dossier(dossier=dossier, actor=applicant)
    committee = Committee.objects.create(name="Technical committee")
    committee.profiles.add(profile)
    secretary = UserFactory(is_staff=True, preferred_language=language)
    assessors = []
    for _ in range(2):
        user = UserFactory()
        CommitteeMember.objects.create(committee=committee, user=user, is_assessor=True)
        sign_impartiality_declaration(user=user)
        assessors.append(user)
    check_complete(dossier, secretary)
    assignments.assign_assessors(dossier=dossier, actor=secretary, assessors=assessors)
    count = profile.criteria.count()
    now = timezone.now()
    for version in range(10):
        first = scores_for(count, version)
        paired_sheets(dossier, assessors, [first, [min(4, s + (i % 2)) for i, s in enumerate(first)]], at=now)
    return committee, dossier, secretary


def test_the_dashboard_draws_the_agreement_and_the_time_in_each_status(seen_page, variant, catalogue):
    page = seen_page
    committee, dossier, secretary = committee_with_scores(variant.language)
    sign_in(page, secretary)

    page.goto("/committee/")
    time_chart = page.get_by_role("img", name=variant.gettext("Days dossiers spent in each status"))
    expect(time_chart).to_be_visible()
    expect(time_chart).to_have_attribute("aria-describedby", "time-chart-desc")
    statuses = page.locator("table[aria-labelledby=time-heading] tbody tr")
    expect(time_chart.locator("rect.chart-bar-0")).to_have_count(statuses.count())
    expect(time_chart.locator("rect.chart-bar-1")).to_have_count(statuses.count())

    agreement_chart = page.locator(f"#agreement-chart-{committee.pk}-title").locator("xpath=..")
    expect(agreement_chart).to_be_visible()
    expect(agreement_chart).to_have_attribute("role", "img")
    months = figures.agreement_months(months=pages.AGREEMENT_MONTHS, now=timezone.now())
    expect(agreement_chart.locator("circle.chart-point")).to_have_count(1)  # this month's kappa
    expect(agreement_chart.locator("rect.chart-gap")).to_have_count(len(months) - 1)  # the others: gaps
    [month] = figures.committee_agreement(committee=committee)
    assert month["kappa"] is not None
    table = page.locator(f"table[aria-labelledby=agreement-{committee.pk}]")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody tr td").nth(2)).to_have_text(str(month["pairs"]))

    # Both charts fit the width of the screen: nothing to scroll sideways.
    width = page.viewport_size["width"]
    for chart in (time_chart, agreement_chart):
        box = chart.bounding_box()
        assert box is not None and box["width"] > 200 and box["x"] + box["width"] <= width

    # One dossier's page compares the scores criterion by criterion, and says why there is no kappa.
    page.goto(f"/committee/dossiers/{dossier.pk}/")
    expect(page.get_by_text("quadratic-weighted kappa")).to_have_count(0)
    expect(page.locator("th", has_text=variant.gettext("Scores given"))).to_be_visible()
