"""Pure scoring mechanics on known examples."""

from decimal import Decimal

import pytest

from assessments.scoring import (
    Criterion,
    aggregate,
    mean_pairwise_kappa,
    needs_third_assessor,
    quadratic_weighted_kappa,
)

CRITERIA = [
    Criterion(code="CR1", weight=Decimal("1.5"), max_score=4, min_score=2),
    Criterion(code="CR2", weight=Decimal("1"), max_score=4, min_score=2),
]
RULES = {"min_weighted_average": 2.5, "min_score_per_criterion": 2, "disagreement_threshold": 2}


def test_weighted_kappa_on_a_worked_example():
    # Observed weighted disagreement 1/12, expected 5/12 (worked by hand): kappa = 1 - (1/12)/(5/12) = 0.8.
    assert quadratic_weighted_kappa([0, 1, 2], [0, 2, 2], categories=3) == pytest.approx(0.8)


def test_weighted_kappa_is_one_for_identical_ratings_and_does_not_depend_on_unused_categories():
    assert quadratic_weighted_kappa([0, 2, 4, 1], [0, 2, 4, 1], categories=5) == pytest.approx(1.0)
    assert quadratic_weighted_kappa([0, 1, 2], [0, 2, 2], categories=5) == pytest.approx(0.8)


def test_weighted_kappa_is_negative_when_raters_systematically_disagree():
    assert quadratic_weighted_kappa([0, 4, 0, 4], [4, 0, 4, 0], categories=5) < 0


def test_weighted_kappa_is_undefined_without_variation():
    assert quadratic_weighted_kappa([3, 3, 3], [3, 3, 3], categories=5) is None
    assert quadratic_weighted_kappa([3], [2], categories=5) is None


def test_mean_pairwise_kappa_averages_every_pair():
    ratings = [[0, 1, 2], [0, 2, 2], [0, 1, 2]]
    # pairs: (r1,r2)=0.8, (r1,r3)=1.0, (r2,r3)=0.8
    assert mean_pairwise_kappa(ratings, categories=3) == pytest.approx((0.8 + 1.0 + 0.8) / 3)


def test_aggregate_passes_on_the_weighted_average_and_every_criterion_minimum():
    result = aggregate(sheets=[{"CR1": 3, "CR2": 2}, {"CR1": 4, "CR2": 3}], criteria=CRITERIA, pass_rules=RULES)
    assert result.criterion_means == {"CR1": Decimal("3.50"), "CR2": Decimal("2.50")}
    # (3.5*1.5 + 2.5*1) / 2.5 = 3.1
    assert result.weighted_average == Decimal("3.10")
    assert result.passed and result.spread == 1


def test_aggregate_fails_a_criterion_below_its_minimum_even_with_a_good_average():
    result = aggregate(sheets=[{"CR1": 4, "CR2": 1}, {"CR1": 4, "CR2": 1}], criteria=CRITERIA, pass_rules=RULES)
    assert not result.passed
    assert result.failing_criteria == ["CR2"]


def test_a_spread_at_the_threshold_between_two_assessors_calls_for_a_third():
    result = aggregate(sheets=[{"CR1": 1, "CR2": 3}, {"CR1": 3, "CR2": 3}], criteria=CRITERIA, pass_rules=RULES)
    assert result.spread == 2
    assert needs_third_assessor(spread=result.spread, assessors=2, pass_rules=RULES)
    assert not needs_third_assessor(spread=result.spread, assessors=3, pass_rules=RULES)
    assert not needs_third_assessor(spread=Decimal(1), assessors=2, pass_rules=RULES)
