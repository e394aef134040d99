"""The personal data in desk cases, exported and erased for accounts/privacy.py (registered in apps.py).

Export: the cases a person sent (by their account's e-mail address) and the complaints about them once they were told
of them, with the messages they could read. Retention: a closed case keeps its parties' personal data for
``RETENTION_DESK_DAYS`` from its closing, then its texts are erased and its files deleted (its reference, kind, dates
and outcome stay for the period reports); a request whose sender never confirmed it is deleted after
``DESK_UNCONFIRMED_DAYS``. Closing an account erases nothing here: a complaint is the association's record.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from accounts.models import User
from accounts.personal_data import ERASED, Export, PersonalData, delete_file, register, retention_cutoff

from .models import CLOSED_STATUSES, Case, Message, Status


class DeskPersonalData(PersonalData):
    label = "desk"

    def export(self, *, user: User, export: Export) -> None:
        sent = Case.objects.filter(sender_email__iexact=user.email, erased_at__isnull=True).exclude(
            status=Status.UNCONFIRMED
        )
        about = Case.objects.filter(
            credential__holder=user, professional_notified_at__isnull=False, erased_at__isnull=True
        )
        export.data["desk"] = {
            "sent": [_entry(case, party=Message.Party.SENDER) for case in sent],
            "about_you": [_entry(case, party=Message.Party.PROFESSIONAL) for case in about],
        }

    def erase_expired(self, *, now: datetime.datetime, holder: User | None) -> dict[str, int]:
        cutoff = retention_cutoff(now, "RETENTION_DESK_DAYS")
        cases = Case.objects.filter(status__in=CLOSED_STATUSES, closed_at__lt=cutoff, erased_at__isnull=True)
        stale = Case.objects.filter(
            status=Status.UNCONFIRMED, created_at__lt=now - datetime.timedelta(days=settings.DESK_UNCONFIRMED_DAYS)
        )
        if holder is not None:
            cases = cases.filter(Q(credential__holder=holder) | Q(sender_email__iexact=holder.email))
            stale = stale.filter(sender_email__iexact=holder.email)
        erased = sum(_erase(case, now=now) for case in cases)
        deleted = 0
        for case in stale:
            for attachment in case.attachments.all():
                delete_file(attachment.file)
            case.delete()
            deleted += 1
        return {"desk_cases": erased, "desk_unconfirmed": deleted}


def _entry(case: Case, *, party: str) -> dict[str, Any]:
    audience = Message.Audience.SENDER if party == Message.Party.SENDER else Message.Audience.PROFESSIONAL
    shown = case.messages.filter(Q(audience=audience) | Q(author_party=party))
    return {
        "reference": case.reference,
        "kind": case.kind,
        "subject": case.subject,
        "message": case.message,
        "status": case.status,
        "outcome": case.outcome,
        "conclusion": case.conclusion,
        "received_at": case.received_at,
        "closed_at": case.closed_at,
        "messages": [{"from": m.author_party, "to": m.audience, "body": m.body, "at": m.created_at} for m in shown],
    }


def _erase(case: Case, *, now: datetime.datetime) -> int:
    with transaction.atomic():
        row = Case.objects.select_for_update().get(pk=case.pk)
        if row.erased_at is not None:
            return 0
        for attachment in row.attachments.all():
            delete_file(attachment.file)
            attachment.original_name = ERASED
            attachment.save(update_fields=["file", "original_name"])
        row.messages.update(body=ERASED)
        row.events.update(reason="")
        row.sender_name = row.sender_email = row.subject = row.message = ERASED
        row.professional_name = ERASED if row.professional_name else ""
        row.conclusion = ERASED if row.conclusion else ""
        row.erased_at = now
        row.save(
            update_fields=[
                "sender_name",
                "sender_email",
                "subject",
                "message",
                "professional_name",
                "conclusion",
                "erased_at",
            ]
        )
    return 1


register(DeskPersonalData())
