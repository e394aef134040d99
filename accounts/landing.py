"""Where a person lands after signing in: on their work. Applicants land on their dossiers (LOGIN_REDIRECT_URL);
an app whose pages are someone's daily work registers who that is (``register_landing``), e.g. the committee's
dashboard for committee members. ``accounts`` knows no other app, so the apps tell it."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

from .models import User

_LANDINGS: list[tuple[Callable[[User], bool], str]] = []


def register_landing(check: Callable[[User], bool], url_name: str) -> None:
    """Send the people for whom ``check(user)`` is true to ``url_name`` after they sign in (first match wins)."""
    if (check, url_name) not in _LANDINGS:
        _LANDINGS.append((check, url_name))


def landing_url(user: User) -> str | None:
    """The page ``user`` works on, or None for the default (an applicant's dossiers)."""
    for check, url_name in _LANDINGS:
        if check(user):
            return reverse(url_name)
    return None
