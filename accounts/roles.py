"""Who may do what, by role: the one place each role check is written, used by services, views and the API.

Roles that depend on a committee (assessor of a dossier, chair, decision maker) are the committee's business and
live with it (assessments/selectors.py); these are the association-wide ones, read from the account alone.
"""

from __future__ import annotations

from typing import Any

from aipia.errors import NotAllowed

from .models import User


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_admin(user: Any) -> bool:
    """An administrator: manages profiles, committees and keys; suspends, reinstates and revokes credentials;
    acts on many credentials at once."""
    return _active(user) and user.role == User.Role.ADMIN


def is_association_staff(user: Any) -> bool:
    """The association's staff, who decide on renewals, check external certifications and issue attestations:
    administrators and staff users."""
    return _active(user) and (user.role == User.Role.ADMIN or user.is_staff)


def require_admin(user: Any, message: str) -> None:
    """Raise :class:`NotAllowed` with ``message`` unless ``user`` is an administrator."""
    if not is_admin(user):
        raise NotAllowed(message)


def require_association_staff(user: Any, message: str) -> None:
    """Raise :class:`NotAllowed` with ``message`` unless ``user`` is on the association's staff."""
    if not is_association_staff(user):
        raise NotAllowed(message)
