"""Membership in templates: ``{% membership_problem user as problem %}`` is why ``user`` is not a member in good
standing (accounts/services.py), or empty."""

from django import template

from accounts.services import membership_problem as problem_of

register = template.Library()


@register.simple_tag
def membership_problem(user) -> str:
    if not getattr(user, "is_authenticated", False):
        return ""
    return problem_of(user=user) or ""
