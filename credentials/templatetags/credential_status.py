import datetime

from django import template
from django.conf import settings
from django.utils.translation import gettext

from aipia import days
from credentials.documents import categories
from credentials.models import Credential, ShownStatus
from credentials.services.lifecycle import shown_status as _shown_status

register = template.Library()


@register.filter
def shown_status(credential: Credential) -> ShownStatus:
    """``{% with status=credential|shown_status %}{{ status }} {{ status.label }}{% endwith %}``: expired once
    the validity has ended, even before the daily lifecycle job has stored it; not yet valid before it begins."""
    return _shown_status(credential)


@register.filter
def last_day(moment: datetime.datetime | None) -> datetime.date | None:
    """``{{ credential.valid_until|last_day|date }}``: the last day (in the issuer's time zone) of a period
    ending at ``moment``, so that a suspension "until 31 January" (stored as midnight starting 1 February) is
    printed as 31 January (aipia/days.py)."""
    if moment is None or moment == "":
        return None
    return days.last_day(moment, days.zone(settings.TIME_ZONE))


@register.filter
def category_label(code: str | None) -> str:
    """The reader's-language label of a suspension or revocation category (credentials/documents/categories.py)."""
    label = categories.label(code)
    return gettext(label) if label else ""
