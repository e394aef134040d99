"""What happens next, for the applicant's dossier page: the dossiers app sits below this one and cannot ask for it."""

from __future__ import annotations

from django import template

from dossiers.models import Dossier

from ..progress import NextSteps, next_steps

register = template.Library()


@register.simple_tag(name="next_steps")
def next_steps_tag(dossier: Dossier) -> NextSteps | None:
    """``{% next_steps dossier as next %}``: the steps still ahead of a submitted dossier (None otherwise)."""
    return next_steps(dossier=dossier)
