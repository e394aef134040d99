from django import template

from credentials.lifecycle import shown_status as _shown_status
from credentials.models import Credential

register = template.Library()


@register.filter
def shown_status(credential: Credential) -> Credential.Status:
    """``{% with status=credential|shown_status %}{{ status }} {{ status.label }}{% endwith %}``: expired once
    the validity has ended, even before the daily lifecycle job has stored it."""
    return _shown_status(credential)
