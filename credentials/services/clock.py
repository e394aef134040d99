"""The issuer's calendar: days as they are in ``settings.TIME_ZONE``, whatever the request's time zone.

A credential printed "valid until 3 December 2029" is valid throughout that day where the association is; these
helpers turn such days into instants and back (the pure arithmetic is in aipia/days.py).
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from aipia import days


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The instant ``day`` ends in ``settings.TIME_ZONE``: midnight at the start of the next day there."""
    return days.end_of_day(day, ZoneInfo(settings.TIME_ZONE))


def local_date(moment: datetime.datetime) -> datetime.date:
    """The calendar day of ``moment`` in ``settings.TIME_ZONE`` (not the request's active time zone)."""
    return days.local_day(moment, ZoneInfo(settings.TIME_ZONE))


def add_years(moment: datetime.datetime, years: int) -> datetime.datetime:
    """``moment`` ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)
