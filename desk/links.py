"""The sender's private link to a case: its secret and its address (for the pages and every e-mail to the sender)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac

from .models import Case


def access_token(case: Case) -> str:
    """The secret of ``case``'s private link: the same for the same case (so every e-mail can carry the link),
    unguessable without the server's ``SECRET_KEY``. Only e-mails to the sender carry it."""
    return salted_hmac("desk.case-link", str(case.pk), algorithm="sha256").hexdigest()[:40]


def case_link(case: Case) -> str:
    """The sender's private link to ``case``."""
    return settings.SITE_URL + reverse("desk:case", kwargs={"case_id": case.pk, "token": access_token(case)})
