"""The visitor's own dossiers, for pages of the apps below dossiers (the profile page), which cannot import it."""

from __future__ import annotations

from typing import Any

from django import template

from profiles.models import Profile

from .. import selectors
from ..models import Dossier

register = template.Library()


@register.simple_tag(takes_context=True)
def open_dossier_for(context: dict[str, Any], profile: Profile) -> Dossier | None:
    """``{% open_dossier_for profile as open_dossier %}``: the visitor's open dossier for ``profile``; None if they
    have none or are not logged in."""
    user = context["request"].user
    if not user.is_authenticated:
        return None
    return selectors.open_dossier_for(owner=user, profile=profile)
