from django import template

from accounts import roles
from credentials.selectors import staff_queue_counts

register = template.Library()


@register.inclusion_tag("credentials/_staff_sections.html", takes_context=True)
def staff_sections(context, current: str) -> dict:
    """The staff pages' own navigation, with what waits in each queue: ``{% staff_sections "renewals" %}``."""
    user = context["request"].user
    return {"current": current, "is_admin": roles.is_admin(user), "waiting": staff_queue_counts()}
