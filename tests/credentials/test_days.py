"""The one definition of the end of a day (aipia/days.py): pure, across daylight-saving changes."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from aipia import days

ROME = ZoneInfo("Europe/Rome")
UTC = datetime.UTC


@pytest.mark.parametrize(
    ("day", "start", "end", "hours"),
    [
        (datetime.date(2027, 1, 31), "2027-01-30T23:00:00", "2027-01-31T23:00:00", 24),
        (datetime.date(2027, 3, 28), "2027-03-27T23:00:00", "2027-03-28T22:00:00", 23),  # summer time begins
        (datetime.date(2026, 10, 25), "2026-10-24T22:00:00", "2026-10-25T23:00:00", 25),  # summer time ends
    ],
)
def test_a_day_runs_from_midnight_to_midnight_in_the_time_zone_whatever_its_length(day, start, end, hours):
    begins, ends = days.start_of_day(day, ROME), days.end_of_day(day, ROME)

    assert begins.astimezone(UTC).replace(tzinfo=None).isoformat() == start
    assert ends.astimezone(UTC).replace(tzinfo=None).isoformat() == end
    # (Python subtracts two datetimes of one zone by their wall clocks: the real length is measured in UTC.)
    assert ends.astimezone(UTC) - begins.astimezone(UTC) == datetime.timedelta(hours=hours)


def test_the_end_of_a_day_is_shown_as_that_day_and_any_other_instant_as_its_own_day():
    assert days.last_day(days.end_of_day(datetime.date(2027, 1, 31), ROME), ROME) == datetime.date(2027, 1, 31)
    assert days.last_day(datetime.datetime(2029, 12, 3, 14, 34, tzinfo=UTC), ROME) == datetime.date(2029, 12, 3)
    assert days.local_day(datetime.datetime(2027, 1, 31, 23, 30, tzinfo=UTC), ROME) == datetime.date(2027, 2, 1)


def test_an_unknown_time_zone_is_refused_by_name():
    with pytest.raises(days.UnknownTimeZone):
        days.zone("Europe/Atlantis")
