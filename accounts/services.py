"""Writes and rules about people and membership."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aipia.errors import DomainError, NotAllowed

from .models import Membership, User


def membership_problem(*, user: User, on: datetime.date | None = None) -> str | None:
    """Why ``user`` is not a member in good standing on ``on`` (today by default), or None if they are."""
    on = on or timezone.localdate()
    membership = Membership.objects.filter(user=user).first()
    if membership is None:
        return _("You are not yet a member of the association.")
    if membership.status == Membership.Status.SUSPENDED:
        return _("Your membership %(number)s is suspended.") % {"number": membership.member_number}
    if membership.status == Membership.Status.LAPSED or membership.valid_until < on:
        return _("Your membership %(number)s lapsed on %(date)s.") % {
            "number": membership.member_number,
            "date": membership.valid_until.isoformat(),
        }
    return None


def ensure_member_in_good_standing(*, user: User) -> None:
    """Raise NotAllowed, saying why and how to join, unless ``user`` is a member in good standing."""
    problem = membership_problem(user=user)
    if problem:
        raise NotAllowed(
            _("%(problem)s Only members in good standing can submit a dossier: see %(url)s to join or renew.")
            % {"problem": problem, "url": settings.MEMBERSHIP_INFO_URL},
            code="membership_required",
        )


@transaction.atomic
def update_profile(*, user: User, first_name: str, last_name: str, preferred_language: str) -> User:
    if preferred_language not in dict(settings.LANGUAGES):
        raise DomainError(_("Unknown language."))
    user.first_name = first_name.strip()
    user.last_name = last_name.strip()
    user.preferred_language = preferred_language
    user.save(update_fields=["first_name", "last_name", "preferred_language"])
    return user
