"""The current instant, asked in one place.

A rule that depends on the time (an interview is scheduled in the future, its minutes are recorded once it has
started) asks :func:`now` rather than ``django.utils.timezone.now``, so that tests can move time by replacing
this one function (``monkeypatch.setattr(clock, "now", …)``), as Django's ``PasswordResetTokenGenerator._now``
lets them. Callers import the module, not the function: ``from aipia import clock`` then ``clock.now()``.
"""

from __future__ import annotations

import datetime

from django.utils import timezone


def now() -> datetime.datetime:
    """The current instant, aware, in UTC."""
    return timezone.now()
