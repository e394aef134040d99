"""The chart geometry of the committee's figures (assessments/charts.py): scales, gaps, empty data."""

import pytest

from assessments import charts


def test_nice_steps_are_one_two_or_five_times_a_power_of_ten():
    assert charts.nice_step(10) == 2
    assert charts.nice_step(1) == 0.2
    assert charts.nice_step(37) == 10
    assert charts.nice_step(240) == 50
    assert charts.nice_step(0) == 1


def test_value_ticks_run_from_lower_to_upper_without_rounding_dust():
    assert charts.value_ticks(-0.2, 1.0, 0.2) == [-0.2, 0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert charts.value_ticks(0, 50, 10) == [0, 10, 20, 30, 40, 50]


# --- the line chart ------------------------------------------------------------------------------------------------


def test_a_line_chart_maps_values_onto_the_plot_area():
    chart = charts.line_chart(
        ["Jan", "Feb"], [0.0, 1.0], lower=0, upper=1, step=0.5, width=200, height=120, margin=(10, 10, 10, 10)
    )
    frame = chart.frame
    assert (frame.left, frame.top, frame.right, frame.bottom) == (10, 10, 190, 110)
    # Each category sits in the middle of its band: two bands of 90 units.
    assert [p.x for p in chart.points] == [55.0, 145.0]
    assert [p.y for p in chart.points] == [110.0, 10.0]  # 0 at the bottom, 1 at the top
    assert chart.segments == ["55.0,110.0 145.0,10.0"]
    assert [(t.value, t.at) for t in chart.y_ticks] == [(0, 110.0), (0.5, 60.0), (1.0, 10.0)]
    assert [(t.label, t.at) for t in chart.x_ticks] == [("Jan", 55.0), ("Feb", 145.0)]
    assert chart.gaps == [] and chart.zero is None and not chart.empty


def test_a_month_without_a_value_is_a_gap_not_a_zero():
    chart = charts.line_chart(
        ["Jan", "Feb", "Mar", "Apr", "May"],
        [0.5, 0.6, None, 0.8, 0.7],
        lower=0,
        upper=1,
        step=0.2,
        width=260,
        height=120,
        margin=(10, 10, 10, 10),
    )
    # The line stops before the gap and resumes after it: two runs, no point at the bottom (a zero) for March.
    assert len(chart.segments) == 2
    assert chart.segments[0].count(",") == 2 and chart.segments[1].count(",") == 2
    march = chart.points[2]
    assert march.value is None and march.y is None
    assert [p.label for p in chart.drawn] == ["Jan", "Feb", "Apr", "May"]
    assert all(p.y != chart.frame.bottom for p in chart.drawn)
    [gap] = chart.gaps
    assert gap.label == "Mar" and gap.x == 106.0 and gap.width == 48.0  # the third of five bands of 48


def test_a_value_between_two_gaps_is_a_point_without_a_line():
    chart = charts.line_chart(["a", "b", "c"], [None, 0.4, None], lower=0, upper=1, step=0.2)
    assert chart.segments == []
    assert [p.label for p in chart.drawn] == ["b"]
    assert [g.label for g in chart.gaps] == ["a", "c"]


def test_a_chart_with_no_value_at_all_is_empty():
    chart = charts.line_chart(["Jan", "Feb", "Mar"], [None, None, None], lower=0, upper=1, step=0.2)
    assert chart.empty and chart.segments == [] and chart.drawn == []
    assert len(chart.gaps) == 3 and len(chart.x_ticks) == 3
    assert charts.line_chart([], [], lower=0, upper=1, step=0.5).empty


def test_a_scale_below_zero_draws_the_zero_line_and_clamps_what_lies_outside():
    chart = charts.line_chart(
        ["a", "b"], [-0.2, 3.0], lower=-0.4, upper=1, step=0.2, width=200, height=150, margin=(10, 10, 10, 10)
    )
    # 1.4 units over 130: zero lies 0.4 above the bottom.
    assert chart.zero == pytest.approx(140 - 0.4 / 1.4 * 130, abs=0.1)
    assert chart.points[1].y == chart.frame.top  # 3.0 is drawn at the top of the scale
    assert chart.y_ticks[0].value == -0.4 and chart.y_ticks[-1].value == 1.0


def test_a_line_chart_refuses_what_it_cannot_draw():
    with pytest.raises(ValueError):
        charts.line_chart(["a"], [0.1, 0.2], lower=0, upper=1, step=0.2)
    with pytest.raises(ValueError):
        charts.line_chart(["a"], [0.1], lower=1, upper=1, step=0.2)


# --- the bar chart -------------------------------------------------------------------------------------------------


def test_bars_start_at_zero_on_a_round_scale_that_holds_the_largest_value():
    chart = charts.bar_chart(
        [("Submitted", (4.0, 2.0)), ("Under assessment", (23.0, 12.5))],
        series=2,
        width=300,
        margin=(0, 50, 30, 10),
    )
    frame = chart.frame
    assert frame.plot_width == 240
    # The largest value is 23: steps of 5 up to 25.
    assert [t.value for t in chart.x_ticks] == [0, 5, 10, 15, 20, 25]
    assert chart.x_ticks[-1].at == frame.right
    submitted, assessment = chart.groups
    assert [b.x for b in submitted.bars] == [frame.left, frame.left]
    assert [b.width for b in assessment.bars] == [round(23 / 25 * 240, 1), round(12.5 / 25 * 240, 1)]
    assert [b.series for b in assessment.bars] == [0, 1]
    # Each value is written just after its bar; the groups stack down, their label above their bars.
    assert assessment.bars[0].text_x == round(frame.left + assessment.bars[0].width + 4, 1)
    assert submitted.label_y < submitted.bars[0].y < submitted.bars[1].y < assessment.label_y
    assert chart.frame.height > assessment.bars[1].y + assessment.bars[1].height


def test_the_bar_chart_grows_with_its_groups():
    one = charts.bar_chart([("a", (1.0,))], series=1)
    three = charts.bar_chart([("a", (1.0,)), ("b", (2.0,)), ("c", (3.0,))], series=1)
    assert three.frame.height > one.frame.height


def test_bars_of_zero_days_and_no_bars_at_all():
    zeros = charts.bar_chart([("a", (0.0, 0.0))], series=2)
    assert [b.width for b in zeros.groups[0].bars] == [0, 0]
    assert [t.value for t in zeros.x_ticks] == [0, 1.0]
    empty = charts.bar_chart([], series=2)
    assert empty.empty and empty.groups == []


def test_a_bar_chart_refuses_what_it_cannot_draw():
    with pytest.raises(ValueError):
        charts.bar_chart([("a", (1.0,))], series=2)
    with pytest.raises(ValueError):
        charts.bar_chart([("a", (-1.0,))], series=1)


def test_with_many_months_every_other_label_is_minor_and_the_last_is_kept():
    labels = [f"m{i}" for i in range(14)]
    chart = charts.line_chart(labels, [0.5] * 14, lower=0, upper=1, step=0.2)
    assert [t.minor for t in chart.x_ticks][-4:] == [True, False, True, False]
    assert sum(t.minor for t in chart.x_ticks) == 7
    few = charts.line_chart(labels[:6], [0.5] * 6, lower=0, upper=1, step=0.2)
    assert not any(t.minor for t in few.x_ticks)
