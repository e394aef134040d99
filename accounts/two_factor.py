"""Who must use two-factor authentication, and whether they do.

Staff and committee members see applicants' dossiers, scores and decisions: ISO/IEC 17024 asks the
certification body to keep them confidential, so their accounts need more than a password. They must enrol
a TOTP authenticator (allauth's) before they reach any page or API call that is not public; their first
login sends them to the enrolment page (:class:`accounts.middleware.TwoFactorEnrolmentMiddleware`), the
token endpoint gives them no token until they have enrolled, and they cannot remove the authenticator while
the rule holds (:class:`accounts.adapters.MFAAdapter`).

``STAFF_2FA_REQUIRED=false`` relaxes the rule, honoured only with ``DEBUG=true`` (settings.py): the demo's
committee members sign in with a password alone.

Who counts: staff and superusers, anyone whose role is not "applicant", and whoever another app says holds
a privileged position (the assessments app registers active committee members, whatever their role).
"""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings

from .models import User

_PRIVILEGED_POSITIONS: list[Callable[[User], bool]] = []


def register_privileged_position(check: Callable[[User], bool]) -> None:
    """Let an app say that ``check(user)`` gives the user access that needs two-factor authentication."""
    if check not in _PRIVILEGED_POSITIONS:
        _PRIVILEGED_POSITIONS.append(check)


def holds_privileged_position(user: User) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser or user.role != User.Role.APPLICANT:
        return True
    return any(check(user) for check in _PRIVILEGED_POSITIONS)


def has_two_factor(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def is_required_for(user: User) -> bool:
    """Whether ``user`` must use two-factor authentication (always False while the rule is relaxed)."""
    return bool(settings.STAFF_2FA_REQUIRED) and holds_privileged_position(user)


def must_enrol(user: User) -> bool:
    """Whether ``user`` must enrol an authenticator before going on: required and not yet done."""
    return is_required_for(user) and not has_two_factor(user)
