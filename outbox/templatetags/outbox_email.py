from django import template

register = template.Library()


@register.filter
def paragraphs(text: str) -> list[str]:
    """Plain text split at blank lines: the paragraphs of an e-mail's HTML part."""
    return [part.strip() for part in str(text).split("\n\n") if part.strip()]
