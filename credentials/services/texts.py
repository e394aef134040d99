"""What people write into a credential's record — reasons, notes, declarations — checked the same way everywhere:
trimmed, required where a person will read it, and bounded by the column that keeps it."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aipia.errors import DomainError
from credentials.documents import categories

REASON_MAX_LENGTH = 2000  # a suspension's or revocation's reason, shown on the public verification page
NOTE_MAX_LENGTH = 2000  # a staff note: on an external certification's check, on a bulk renewal
TEXT_MAX_LENGTH = 5000  # a renewal's declaration and the staff's answer to it

_TOO_LONG = {
    "reason": gettext_lazy("The reason is too long (at most %(max)d characters)."),
    "note": gettext_lazy("The note is too long (at most %(max)d characters)."),
    "text": gettext_lazy("The text is too long (at most %(max)d characters)."),
}


def checked_text(text: str | None, *, kind: str, max_length: int, required: str | None = None) -> str:
    """``text`` trimmed. ``DomainError`` ``<kind>_required`` with the message ``required`` when it is empty and
    required, ``<kind>_too_long`` when it is longer than ``max_length``. ``kind``: reason, note or text."""
    text = (text or "").strip()
    if required is not None and not text:
        raise DomainError(required, code=f"{kind}_required")
    if len(text) > max_length:
        raise DomainError(str(_TOO_LONG[kind]) % {"max": max_length}, code=f"{kind}_too_long")
    return text


def checked_category(category: str | None) -> str:
    """A status change's category, one of credentials/documents/categories.py's codes, or ``DomainError``."""
    if category not in categories.CODES:
        raise DomainError(
            _("Choose the category of the reason, which verifiers see, from the list."), code="invalid_category"
        )
    return category
