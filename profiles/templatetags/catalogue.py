from django import template

from profiles.i18n import pick

register = template.Library()


@register.filter
def tr(obj, name: str) -> str:
    """``{{ profile|tr:"title" }}``: the field in the active language (English as fallback)."""
    return obj.tr(name)


@register.filter
def text(value) -> str:
    """``{{ item|text }}`` for a ``{"en": …, "it": …}`` object."""
    return pick(value)
