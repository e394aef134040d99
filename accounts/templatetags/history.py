"""Events of a history as sentences, decided by accounts/history.py: ``{% load history %}`` then
``{{ event.action|describe_event }}``."""

from django import template

from accounts import history

register = template.Library()


@register.filter
def describe_event(code: str) -> str:
    return history.describe(code)
