"""The interview invitation as an iCalendar (RFC 5545) document. Pure: data in, bytes out."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText


def interview_invitation(
    *,
    uid: str,
    sequence: int,
    starts_at: datetime.datetime,
    duration_minutes: int,
    time_zone: str,
    summary: str,
    description: str,
    location: str,
    organizer_email: str,
    attendees: Sequence[tuple[str, str]],
    stamp: datetime.datetime,
) -> bytes:
    """A METHOD:REQUEST calendar with one event, in the interview's own time zone.

    The same ``uid`` with a higher ``sequence`` updates an invitation already in attendees' calendars.
    """
    zone = ZoneInfo(time_zone)
    local_start = starts_at.astimezone(zone)
    calendar = Calendar()
    calendar.add("prodid", "-//AIPIA Credentials//Interview//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp.astimezone(datetime.UTC))
    event.add("dtstart", local_start)
    event.add("dtend", local_start + datetime.timedelta(minutes=duration_minutes))
    event.add("summary", summary)
    event.add("description", description)
    event.add("location", location)
    organizer = vCalAddress(f"mailto:{organizer_email}")
    organizer.params["cn"] = vText("AIPIA Credentials")
    event["organizer"] = organizer
    for name, email in attendees:
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["cn"] = vText(name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["rsvp"] = vText("TRUE")
        event.add("attendee", attendee, encode=False)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
