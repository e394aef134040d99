"""The association-wide roles in templates, decided by accounts/roles.py: ``{% load roles %}`` then
``{% if user|is_admin %}``."""

from django import template

from accounts import roles

register = template.Library()


@register.filter
def is_admin(user) -> bool:
    return roles.is_admin(user)


@register.filter
def is_association_staff(user) -> bool:
    return roles.is_association_staff(user)
