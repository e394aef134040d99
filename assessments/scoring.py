"""Pure scoring mechanics: aggregation by a profile's pass rules, disagreement, inter-rater agreement.

No database: data in, numbers out, so the rules can be tested on known examples.

**When a kappa is shown.** A quadratic-weighted kappa is a statistic over many paired ratings: from a handful it
swings across most of its range with one score more or less, so its value says nothing (two assessors who agree
on four criteria out of five and differ by one point on the fifth can get 0.0). A kappa is therefore reported
only when it rests on at least :func:`min_pairs_for_kappa` paired ratings, 2k² for a k-point scale (Cicchetti,
1981, the minimum for weighted kappa), i.e. 50 for scores 0 to 4. One dossier gives each pair of assessors one
paired rating per criterion, never that many: its agreement is read criterion by criterion (the lowest and
highest score, and their difference, in :class:`Aggregate`), and kappa is left to the committee's figures,
which pool every pair of assessors month by month.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations


@dataclass(frozen=True)
class Criterion:
    code: str
    weight: Decimal
    max_score: int
    min_score: int


@dataclass(frozen=True)
class Aggregate:
    """The committee's combined view of one version of a dossier."""

    criterion_means: dict[str, Decimal]
    weighted_average: Decimal
    passed: bool
    failing_criteria: list[str]
    spread: Decimal  # the largest difference between two assessors on one criterion
    assessors: int
    reasons: list[str] = field(default_factory=list)
    # Per criterion, the lowest and the highest score the assessors gave.
    criterion_ranges: dict[str, tuple[int, int]] = field(default_factory=dict)


def _mean(values: Sequence[int]) -> Decimal:
    return (Decimal(sum(values)) / Decimal(len(values))).quantize(Decimal("0.01"))


def aggregate(*, sheets: Sequence[dict[str, int]], criteria: Sequence[Criterion], pass_rules: dict) -> Aggregate:
    """Combine assessors' sheets (criterion code → score) under the profile's pass rules.

    Pass when the weighted average of the criterion means reaches ``min_weighted_average`` and every
    criterion mean reaches its own ``min_score`` (or ``min_score_per_criterion`` if that is higher).
    """
    if not sheets:
        raise ValueError("No scoresheet to aggregate.")
    means: dict[str, Decimal] = {}
    ranges: dict[str, tuple[int, int]] = {}
    spread = Decimal(0)
    for criterion in criteria:
        values = [sheet[criterion.code] for sheet in sheets]
        means[criterion.code] = _mean(values)
        ranges[criterion.code] = (min(values), max(values))
        spread = max(spread, Decimal(max(values) - min(values)))
    total_weight = sum((c.weight for c in criteria), Decimal(0))
    weighted = sum((means[c.code] * c.weight for c in criteria), Decimal(0)) / total_weight
    weighted = weighted.quantize(Decimal("0.01"))
    threshold = Decimal(str(pass_rules.get("min_weighted_average", 0)))
    floor = Decimal(str(pass_rules.get("min_score_per_criterion", 0)))
    failing = [c.code for c in criteria if means[c.code] < max(Decimal(c.min_score), floor)]
    reasons = []
    if weighted < threshold:
        reasons.append(f"weighted average {weighted} is below {threshold}")
    if failing:
        reasons.append("below the minimum on " + ", ".join(failing))
    return Aggregate(
        criterion_means=means,
        weighted_average=weighted,
        passed=not reasons,
        failing_criteria=failing,
        spread=spread,
        assessors=len(sheets),
        reasons=reasons,
        criterion_ranges=ranges,
    )


def needs_third_assessor(*, spread: Decimal, assessors: int, pass_rules: dict) -> bool:
    """Two assessors who differ by at least the profile's threshold on some criterion call for a third."""
    threshold = Decimal(str(pass_rules.get("disagreement_threshold", 2)))
    return assessors == 2 and spread >= threshold


def quadratic_weighted_kappa(a: Sequence[int], b: Sequence[int], *, categories: int) -> float | None:
    """Cohen's kappa with quadratic weights for two raters' ordinal scores ``0..categories-1``.

    1 is perfect agreement, 0 is what chance gives. None when it is undefined (fewer than two paired
    ratings, or both raters gave one constant score, so chance agreement is already perfect).
    """
    if len(a) != len(b):
        raise ValueError("Both raters must rate the same items.")
    n = len(a)
    if n < 2 or categories < 2:
        return None
    observed = 0.0
    for x, y in zip(a, b, strict=True):
        observed += (x - y) ** 2
    observed /= n
    hist_a = [0] * categories
    hist_b = [0] * categories
    for x in a:
        hist_a[x] += 1
    for y in b:
        hist_b[y] += 1
    expected = 0.0
    for i in range(categories):
        for j in range(categories):
            expected += hist_a[i] * hist_b[j] * (i - j) ** 2
    expected /= n * n
    if expected == 0:
        return None
    return 1.0 - observed / expected


def mean_pairwise_kappa(ratings: Sequence[Sequence[int]], *, categories: int) -> float | None:
    """The mean quadratic-weighted kappa over every pair of raters (each a list over the same items)."""
    values = [
        k
        for r1, r2 in combinations(ratings, 2)
        if (k := quadratic_weighted_kappa(r1, r2, categories=categories)) is not None
    ]
    return sum(values) / len(values) if values else None


def min_pairs_for_kappa(categories: int) -> int:
    """The fewest paired ratings a weighted kappa over ``categories`` score levels needs to mean something: 2k²
    (Cicchetti, 1981). 50 for scores 0 to 4."""
    return 2 * categories * categories


def reportable_kappa(kappa: float | None, *, pairs: int, categories: int) -> float | None:
    """``kappa`` rounded for reading, or None when it is undefined or rests on fewer paired ratings (``pairs``)
    than :func:`min_pairs_for_kappa` asks for ``categories`` score levels."""
    if kappa is None or pairs < min_pairs_for_kappa(categories):
        return None
    return round(kappa, 3)
