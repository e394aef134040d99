"""Charts of the committee's figures, as geometry: numbers in, coordinates out, which a template draws as inline
SVG (templates/committee/_line_chart.html, _bar_chart.html). No JavaScript and no style attributes (the strict
CSP): the template uses SVG presentation attributes and the classes of static/css/app.css.

Pure: no Django, no database, no formatting of values for a reader (the template localizes them); coordinates
are in the SVG's user units (its ``viewBox``), rounded to a tenth, and polyline points are written with a dot
whatever the language.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

MANY_CATEGORIES = 8  # past this, every other category label is minor (a phone shows half of them)


@dataclass(frozen=True)
class Frame:
    """The drawing (``width`` by ``height``, the viewBox) and its plot area inside the margins."""

    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float

    @property
    def plot_width(self) -> float:
        return round(self.right - self.left, 1)

    @property
    def plot_height(self) -> float:
        return round(self.bottom - self.top, 1)

    @property
    def center_x(self) -> float:
        return round((self.left + self.right) / 2, 1)

    @property
    def center_y(self) -> float:
        return round((self.top + self.bottom) / 2, 1)


@dataclass(frozen=True)
class Tick:
    """A mark on an axis at coordinate ``at``: a value of the scale, or a category's ``label`` (and ``note``, a
    second line such as the year under a month)."""

    at: float
    value: float | None = None
    label: str = ""
    note: str = ""
    minor: bool = False  # may be left unlabelled where space is short (every other category, the last one kept)


@dataclass(frozen=True)
class LinePoint:
    """One category on a line chart: ``y`` and ``value`` are None where there is no value (a gap)."""

    x: float
    y: float | None
    value: float | None
    label: str


@dataclass(frozen=True)
class Band:
    """A vertical band of the plot area (a category without a value)."""

    x: float
    width: float
    label: str


@dataclass(frozen=True)
class LineChart:
    frame: Frame
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    points: list[LinePoint]  # every category, in order
    segments: list[str]  # the SVG polyline ``points`` of each run of consecutive values
    gaps: list[Band]  # the categories without a value
    zero: float | None  # the y of value 0, when the scale has it and it is not the bottom edge

    @property
    def empty(self) -> bool:
        return all(point.value is None for point in self.points)

    @property
    def drawn(self) -> list[LinePoint]:
        return [point for point in self.points if point.value is not None]


@dataclass(frozen=True)
class Bar:
    series: int  # which of the chart's series (0, 1, …)
    x: float
    y: float
    width: float
    height: float
    value: float
    text_x: float  # where the value is written, after the bar's end
    text_y: float


@dataclass(frozen=True)
class BarGroup:
    label: str
    label_y: float  # the baseline of the group's label, above its bars
    bars: list[Bar]


@dataclass(frozen=True)
class BarChart:
    frame: Frame
    groups: list[BarGroup]
    x_ticks: list[Tick]
    series: int

    @property
    def empty(self) -> bool:
        return not self.groups


def _r(value: float) -> float:
    return round(value, 1)


def nice_step(span: float, *, ticks: int = 5) -> float:
    """A round step (1, 2 or 5 times a power of ten) that cuts ``span`` into about ``ticks`` parts."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5):
        if raw <= factor * magnitude:
            return float(factor * magnitude)
    return float(10 * magnitude)


def value_ticks(lower: float, upper: float, step: float) -> list[float]:
    """``lower``, ``lower + step``, … up to ``upper`` (included), without floating-point dust."""
    count = round((upper - lower) / step)
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return [round(lower + i * step, decimals + 1) for i in range(count + 1)]


def line_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    lower: float,
    upper: float,
    step: float,
    notes: Sequence[str] | None = None,
    width: int = 480,
    height: int = 240,
    margin: tuple[float, float, float, float] = (12, 12, 52, 48),
) -> LineChart:
    """A line over categories (``labels``, e.g. months) of ``values`` on the scale ``lower`` to ``upper``, with a
    tick every ``step``. A None value is a gap: the line stops there and resumes after it, and the category's band
    is returned in ``gaps``, never drawn as zero. Values outside the scale are clamped to its edge. ``notes``: a
    second line under some labels (the year under January). ``margin``: top, right, bottom, left."""
    if len(labels) != len(values):
        raise ValueError("One value per label.")
    if upper <= lower or step <= 0:
        raise ValueError("The scale needs lower < upper and a positive step.")
    top, right, bottom, left = margin
    frame = Frame(width=width, height=height, left=left, top=top, right=width - right, bottom=height - bottom)
    band = frame.plot_width / len(labels) if labels else frame.plot_width

    def y_of(value: float) -> float:
        clamped = min(max(value, lower), upper)
        return _r(frame.bottom - (clamped - lower) / (upper - lower) * frame.plot_height)

    notes = list(notes) if notes is not None else [""] * len(labels)
    points, x_ticks, gaps = [], [], []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = _r(frame.left + (index + 0.5) * band)
        minor = len(labels) > MANY_CATEGORIES and (len(labels) - 1 - index) % 2 == 1
        x_ticks.append(Tick(at=x, label=label, note=notes[index], minor=minor))
        if value is None:
            points.append(LinePoint(x=x, y=None, value=None, label=label))
            gaps.append(Band(x=_r(frame.left + index * band), width=_r(band), label=label))
        else:
            points.append(LinePoint(x=x, y=y_of(value), value=value, label=label))
    segments, run = [], []
    for point in [*points, None]:
        if point is not None and point.y is not None:
            run.append(f"{point.x:.1f},{point.y:.1f}")
            continue
        if len(run) > 1:
            segments.append(" ".join(run))
        run = []
    y_ticks = [Tick(at=y_of(v), value=v) for v in value_ticks(lower, upper, step)]
    zero = y_of(0) if lower < 0 < upper else None
    return LineChart(
        frame=frame, x_ticks=x_ticks, y_ticks=y_ticks, points=points, segments=segments, gaps=gaps, zero=zero
    )


def bar_chart(
    groups: Sequence[tuple[str, Sequence[float]]],
    *,
    series: int,
    width: int = 480,
    bar_height: float = 14,
    gap: float = 4,
    label_height: float = 18,
    group_gap: float = 14,
    margin: tuple[float, float, float, float] = (8, 56, 40, 8),
) -> BarChart:
    """Horizontal bars, ``series`` per group (e.g. the mean and the median days of each status), from zero on a
    round scale that holds the largest value; each group's label stands on its own line above its bars, so long
    labels need no margin. The height follows from the number of groups. ``margin``: top, right (room for the
    values written after the bars), bottom (the axis), left."""
    if series < 1:
        raise ValueError("At least one series.")
    if any(len(values) != series for _label, values in groups):
        raise ValueError("Every group needs one value per series.")
    if any(v < 0 for _label, values in groups for v in values):
        raise ValueError("Bars start at zero: no negative value.")
    top, right, bottom, left = margin
    group_height = label_height + series * bar_height + (series - 1) * gap + group_gap
    height = math.ceil(top + len(groups) * group_height + bottom)
    frame = Frame(width=width, height=height, left=left, top=top, right=width - right, bottom=height - bottom)
    largest = max((v for _label, values in groups for v in values), default=0)
    step = nice_step(largest) if largest > 0 else 1.0
    upper = math.ceil(largest / step) * step if largest > 0 else step
    result = []
    for index, (label, values) in enumerate(groups):
        origin = frame.top + index * group_height
        bars = []
        for number, value in enumerate(values):
            y = origin + label_height + number * (bar_height + gap)
            length = _r(value / upper * frame.plot_width)
            bars.append(
                Bar(
                    series=number,
                    x=_r(frame.left),
                    y=_r(y),
                    width=length,
                    height=bar_height,
                    value=value,
                    text_x=_r(frame.left + length + 4),
                    text_y=_r(y + bar_height - 3),
                )
            )
        result.append(BarGroup(label=label, label_y=_r(origin + label_height - 5), bars=bars))
    x_ticks = [Tick(at=_r(frame.left + v / upper * frame.plot_width), value=v) for v in value_ticks(0, upper, step)]
    return BarChart(frame=frame, groups=result, x_ticks=x_ticks, series=series)
