"""The committee's figures and how its pages show them: a kappa only where it can mean something (never for one
dossier), the per-criterion disagreement instead, the agreement by month with its gaps and the time in each
status (mean and median), drawn as charts beside their tables, and the same numbers in the API."""

import datetime
import re

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from assessments import figures, pages, scoring, selectors
from assessments.models import Assessment, Assignment, CriterionScore
from dossiers.models import Dossier, DossierEvent, DossierSubmission

from ..factories import member

COMMITTEE = "/api/v1/committee"


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def api_as():
    def client(user) -> APIClient:
        api = APIClient()
        api.force_authenticate(user)
        return api

    return client


def paired_sheets(dossier: Dossier, members, ratings: list[list[int]], *, at: datetime.datetime) -> None:
    """One more version of ``dossier`` scored by each of ``members`` (their assessor assignments): ``ratings`` is
    one list per member, a score per criterion in the profile's order, submitted at ``at``."""
    number = (dossier.submissions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = DossierSubmission.objects.create(
        dossier=dossier, number=number, submitted_at=at, manifest={}, manifest_sha256="0" * 64
    )
    criteria = list(dossier.profile.criteria.all())
    for person, scores in zip(members, ratings, strict=True):
        assignment = Assignment.objects.get(dossier=dossier, member=person, role=Assignment.Role.ASSESSOR)
        if assignment.status == Assignment.Status.AWAITING_DECLARATION:  # as after a declaration of no conflict
            Assignment.objects.filter(pk=assignment.pk).update(status=Assignment.Status.ACTIVE)
        sheet = Assessment.objects.create(assignment=assignment, submission=version, submitted_at=at)
        CriterionScore.objects.bulk_create(
            CriterionScore(assessment=sheet, criterion=c, score=s) for c, s in zip(criteria, scores, strict=True)
        )


# --- the rule: a kappa only over enough paired scores ------------------------------------------------------------


def test_a_kappa_needs_two_k_squared_paired_scores():
    assert scoring.min_pairs_for_kappa(5) == 50  # scores 0 to 4
    assert scoring.reportable_kappa(0.81234, pairs=50, categories=5) == 0.812
    assert scoring.reportable_kappa(0.81234, pairs=49, categories=5) is None
    assert scoring.reportable_kappa(None, pairs=500, categories=5) is None


def test_four_agreements_and_one_point_apart_give_a_kappa_of_zero_which_is_why_it_is_not_shown():
    # The user test's dossier: "kappa 0.0" beside "largest disagreement 1".
    kappa = scoring.quadratic_weighted_kappa([3, 3, 3, 3, 3], [3, 3, 3, 3, 2], categories=5)
    assert kappa == pytest.approx(0.0)
    assert scoring.reportable_kappa(kappa, pairs=5, categories=5) is None


def test_the_aggregate_keeps_each_criterions_lowest_and_highest_score():
    criteria = [
        scoring.Criterion(code="A", weight=1, max_score=4, min_score=2),
        scoring.Criterion(code="B", weight=1, max_score=4, min_score=2),
    ]
    result = scoring.aggregate(
        sheets=[{"A": 3, "B": 2}, {"A": 3, "B": 4}, {"A": 1, "B": 3}], criteria=criteria, pass_rules={}
    )
    assert result.criterion_ranges == {"A": (1, 3), "B": (2, 4)}
    assert result.spread == 2


# --- one dossier: no kappa, the disagreement per criterion ---------------------------------------------------------


@pytest.fixture
def split_dossier(under_assessment, assessors):
    """Two assessors who agree on every criterion but the last, one point apart."""
    criteria = list(under_assessment.profile.criteria.all())
    first = [3] * len(criteria)
    second = [3] * (len(criteria) - 1) + [2]
    paired_sheets(under_assessment, assessors[:2], [first, second], at=timezone.now())
    return under_assessment


def test_a_dossiers_agreement_withholds_the_kappa_and_says_why(split_dossier):
    agreement = selectors.dossier_agreement(dossier=split_dossier)
    criteria = split_dossier.profile.criteria.count()
    assert agreement == {"kappa": None, "assessors": 2, "paired_scores": criteria, "min_paired_scores": 50}
    readable = pages.readable_agreement(agreement, split_dossier)
    assert readable["why_no_kappa"] == "too_few" and readable["kappa"] is None


def test_the_dossier_page_shows_the_disagreement_per_criterion_and_no_kappa(as_user, split_dossier, secretary):
    html = as_user(secretary).get(f"/committee/dossiers/{split_dossier.pk}/").content.decode()
    assert "quadratic-weighted kappa" not in html and "kappa 0.0" not in html
    text = " ".join(html.split())
    criteria = split_dossier.profile.criteria.count()
    assert (
        f"No kappa for one dossier: its {criteria} paired scores per pair of assessors are far fewer than the 50"
        in text
    )
    assert "Largest disagreement on a criterion" in text
    last = list(split_dossier.profile.criteria.all())[-1]
    row = html.split(f'<th scope="row">{last.code}', 1)[1].split("</tr>", 1)[0]
    assert "<td>2\u20133</td>" in row and "<td>1</td>" in row  # the scores given, and their difference
    assert "Scores given" in html and "Disagreement" in html


def test_a_decision_record_kept_with_a_kappa_no_longer_shows_it(split_dossier):
    # Records kept before the rule have a kappa over the profile's few criteria, and no ranges.
    record = {
        "submission": 1,
        "aggregate": {"criterion_means": {"X": "3.00"}, "weighted_average": "3.00", "passed": True, "reasons": []},
        "agreement": {"kappa": 0.0, "assessors": 2},
        "recommendations": [],
        "interviews": [],
    }
    readable = pages.readable_record(record, split_dossier)
    assert readable["agreement"]["kappa"] is None and readable["agreement"]["why_no_kappa"] == "too_few"
    assert readable["aggregate"]["has_ranges"] is False
    assert readable["aggregate"]["rows"][0]["difference"] is None


def test_the_api_gives_the_dossiers_agreement_with_its_rule(split_dossier, secretary, api_as):
    detail = api_as(secretary).get(f"{COMMITTEE}/dossiers/{split_dossier.pk}/").json()
    assert detail["agreement"]["kappa"] is None and detail["agreement"]["min_paired_scores"] == 50
    last = list(split_dossier.profile.criteria.all())[-1]
    assert detail["aggregate"]["criterion_ranges"][last.code] == [2, 3]


# --- the committee's agreement by month ----------------------------------------------------------------------------


def scores_for(count: int, shift: int) -> list[int]:
    return [(i * 7 + shift) % 5 for i in range(count)]


@pytest.fixture
def scored_months(under_assessment, assessors):
    """Ten versions scored in the current month (enough paired scores for a kappa), one three months ago (too
    few), none in between."""
    now = timezone.now()
    count = under_assessment.profile.criteria.count()
    for version in range(10):
        first = scores_for(count, version)
        second = [min(4, s + (1 if i % 3 == 0 else 0)) for i, s in enumerate(first)]
        paired_sheets(under_assessment, assessors[:2], [first, second], at=now)
    earlier = now - datetime.timedelta(days=92)
    paired_sheets(under_assessment, assessors[:2], [scores_for(count, 1), scores_for(count, 2)], at=earlier)
    return under_assessment


def test_a_month_with_enough_paired_scores_gets_its_kappa_and_one_with_few_does_not(scored_months, committee):
    count = scored_months.profile.criteria.count()
    assert 10 * count >= 50, "the catalogue's profile needs at least five criteria for this test"
    rows = figures.committee_agreement(committee=committee)
    assert [r["pairs"] for r in rows] == [count, 10 * count]
    assert all(r["min_pairs"] == 50 for r in rows)
    assert rows[0]["kappa"] is None
    x, y = [], []
    for version in range(10):
        first = scores_for(count, version)
        x += first
        y += [min(4, s + (1 if i % 3 == 0 else 0)) for i, s in enumerate(first)]
    assert rows[1]["kappa"] == round(scoring.quadratic_weighted_kappa(x, y, categories=5), 3)


def test_the_agreement_period_lists_every_month_even_without_scores():
    now = datetime.datetime(2030, 3, 15, 12, tzinfo=datetime.UTC)
    months = figures.agreement_months(months=12, now=now)
    assert months[0] == "2029-03" and months[-1] == "2030-03" and len(months) == 13
    assert len(set(months)) == len(months)


def test_the_dashboard_draws_the_agreement_with_gaps_and_the_time_in_each_status(as_user, scored_months, secretary):
    html = as_user(secretary).get("/committee/").content.decode()
    charts = re.findall(r"<svg class=\"chart\".*?</svg>", html, flags=re.S)
    assert len(charts) == 2
    time_chart, agreement_chart = charts
    for chart in charts:
        assert 'role="img"' in chart and "<title id=" in chart and "<desc id=" in chart
        assert "style=" not in chart and "<script" not in chart
    # The agreement: one point (this month), every other month of the period shaded as a gap, no line to a zero.
    months = figures.agreement_months(months=pages.AGREEMENT_MONTHS, now=timezone.now())
    assert agreement_chart.count('class="chart-point"') == 1
    assert agreement_chart.count('class="chart-gap"') == len(months) - 1 >= 12
    assert "<polyline" not in agreement_chart
    assert "Months without a kappa (no paired scores, or too few) are gaps, not zeros." in " ".join(html.split())
    # The time in each status: two bars (mean, median) per status of the table.
    rows = html.split('id="time-heading"', 1)[1].split("</tbody>", 1)[0].count("<tr><td>")
    assert time_chart.count('class="chart-bar-0"') == rows and time_chart.count('class="chart-bar-1"') == rows
    assert "Median days" in html
    # The tables stay, with the same figures.
    assert "too few paired scores" in html


def test_the_charts_coordinates_are_not_localized_but_their_labels_are(as_user, scored_months, secretary):
    html = as_user(secretary).get("/committee/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert 'lang="it"' in html
    agreement_chart = re.findall(r"<svg class=\"chart\".*?</svg>", html, flags=re.S)[1]
    numbers = re.findall(r' (?:x|y|cx|cy|width|height|x1|x2|y1|y2|r)="([^"]*)"', agreement_chart)
    assert numbers and all("," not in n for n in numbers)
    assert ">0,2<" in agreement_chart  # a tick label, in Italian


def test_the_api_gives_the_numbers_the_dashboard_draws(scored_months, committee, secretary, api_as):
    client = api_as(secretary)
    months = client.get(f"{COMMITTEE}/agreement?committee={committee.pk}").json()
    assert months == figures.committee_agreement(committee=committee)
    board = client.get(f"{COMMITTEE}/dashboard").json()
    shown = figures.dashboard(user=secretary)["time_in_status"]
    assert set(board["time_in_status"]) == set(shown)
    for status, numbers in shown.items():
        assert board["time_in_status"][status]["median_days"] == pytest.approx(numbers["median_days"], abs=0.1)
        assert board["time_in_status"][status]["average_days"] == pytest.approx(numbers["average_days"], abs=0.1)


# --- time in each status -------------------------------------------------------------------------------------------


def test_time_in_status_gives_the_mean_median_and_longest_stay(profile):
    now = timezone.now()
    dossiers = []
    for days in (1, 2, 9):
        dossier = Dossier.objects.create(owner=member(), profile=profile, scheme_version="1", status="under_assessment")
        entered = DossierEvent.objects.create(dossier=dossier, action="dossier.submitted", to_status="submitted")
        left = DossierEvent.objects.create(dossier=dossier, action="assessors.assigned", to_status="under_assessment")
        DossierEvent.objects.filter(pk=entered.pk).update(created_at=now - datetime.timedelta(days=days + 1))
        DossierEvent.objects.filter(pk=left.pk).update(created_at=now - datetime.timedelta(days=1))
        dossiers.append(dossier.pk)
    numbers = figures.time_in_status(dossiers=Dossier.objects.filter(pk__in=dossiers), now=now)
    assert numbers["submitted"] == {"average_days": 4.0, "median_days": 2.0, "longest_days": 9.0, "stays": 3}
    assert numbers["under_assessment"]["median_days"] == 1.0  # the current stays, counted up to now
