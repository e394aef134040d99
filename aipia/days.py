"""Calendar days and the instants that bound them, in one time zone: the one definition of "the end of a day".

A day ``D`` starts at midnight at the start of ``D`` and ends at midnight at the start of ``D + 1``, both in the
issuer's time zone (``settings.TIME_ZONE``, Europe/Rome by default; docs/decisions/0005). Something valid
"until D" is valid up to that end, excluded; shown as a date, an instant that ends a period is shown as the
last day the period covers (:func:`last_day`), so "until 31 January" is stored as midnight starting
1 February and printed as 31 January. Across a daylight-saving change a day is 23 or 25 hours long.

Pure module: the zone is always an argument.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_TICK = datetime.timedelta(microseconds=1)
UnknownTimeZone = ZoneInfoNotFoundError


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (e.g. Europe/Rome); :data:`UnknownTimeZone` for a name that is not one."""
    return ZoneInfo(name)


def start_of_day(day: datetime.date, tz: datetime.tzinfo) -> datetime.datetime:
    """The instant ``day`` begins in ``tz``."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)


def end_of_day(day: datetime.date, tz: datetime.tzinfo) -> datetime.datetime:
    """The instant ``day`` ends in ``tz``: midnight at the start of the next day there."""
    return start_of_day(day + datetime.timedelta(days=1), tz)


def local_day(moment: datetime.datetime, tz: datetime.tzinfo) -> datetime.date:
    """The calendar day ``moment`` falls on in ``tz``."""
    return moment.astimezone(tz).date()


def last_day(end: datetime.datetime, tz: datetime.tzinfo) -> datetime.date:
    """The last calendar day (in ``tz``) of a period that ends, excluded, at ``end``: the day before when
    ``end`` is a midnight, the day of ``end`` otherwise."""
    return (end - _TICK).astimezone(tz).date()
