"""The personal data in the outbox — copies of e-mails (addresses, subjects, bodies) — exported and erased for
accounts/privacy.py (registered in apps.py). Webhook payloads are not personal data held *for* a person: they go
with their endpoint's log.

Retention: a sent or failed e-mail is deleted ``OUTBOX_LOG_DAYS`` after it finished (the daily job prunes the log;
the sweep does the same). E-mails of unknown fate stay until an administrator deals with them. Closing an account
deletes the copies of every finished e-mail to it.
"""

from __future__ import annotations

import datetime

from django.conf import settings

from accounts.models import User
from accounts.personal_data import Export, PersonalData, register

from .models import Message

FINISHED = [Message.Status.SENT, Message.Status.FAILED]


def _emails_to(user: User):  # type: ignore[no-untyped-def]
    # A JSON list of addresses: matched as text, then exactly.
    candidates = Message.objects.filter(kind=Message.Kind.EMAIL, recipients__icontains=user.email)
    address = user.email.lower()
    return [m for m in candidates if address in (r.lower() for r in m.recipients)]


class OutboxPersonalData(PersonalData):
    label = "outbox"

    def export(self, *, user: User, export: Export) -> None:
        export.data["emails"] = [
            {"subject": m.subject, "written_at": m.created_at.isoformat(), "status": m.status} for m in _emails_to(user)
        ]

    def erase_expired(self, *, now: datetime.datetime, holder: User | None) -> dict[str, int]:
        cutoff = now - datetime.timedelta(days=settings.OUTBOX_LOG_DAYS)
        rows = Message.objects.filter(kind=Message.Kind.EMAIL, status__in=FINISHED, finished_at__lt=cutoff)
        if holder is not None:
            ids = [m.pk for m in _emails_to(holder)]
            rows = rows.filter(pk__in=ids)
        deleted, _per_model = rows.delete()
        return {"outbox_emails": deleted}

    def erase_account(self, *, user: User) -> dict[str, int]:
        ids = [m.pk for m in _emails_to(user) if m.status in FINISHED]
        deleted, _per_model = Message.objects.filter(pk__in=ids).delete()
        return {"outbox_email_copies": deleted}


register(OutboxPersonalData())
