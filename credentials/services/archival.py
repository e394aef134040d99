"""Long-term validation of sealed PDFs: archive timestamps added before the last one stops being enough.

A B-LTA certificate verifies offline for as long as its newest document timestamp does: that timestamp's
certificate must still be valid (or be covered by a newer timestamp). ``extend_due`` finds the PDFs whose last
timestamp's certificate expires within LTV_RENEWAL_MARGIN_DAYS and ``extend_credential_ltv`` adds, to each, the
validation data of that timestamp and a new document timestamp (ADR 0016). The holder's copy is not touched: it
still verifies until its own timestamp's certificate expires, and our copy (the download) is the extended one.
"""

from __future__ import annotations

import datetime
import logging
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from credentials.documents import pdf
from credentials.models import Credential, CredentialEvent
from credentials.services import keyring

logger = logging.getLogger(__name__)


def due_for_extension(*, now: datetime.datetime) -> list:
    """Ids of issued credentials whose PDF's last timestamp expires within the renewal margin."""
    horizon = now + datetime.timedelta(days=settings.LTV_RENEWAL_MARGIN_DAYS)
    return list(
        Credential.objects.filter(issuance=Credential.Issuance.DONE, ltv_until__lte=horizon)
        .exclude(pdf="")
        .order_by("ltv_until")
        .values_list("pk", flat=True)
    )


def extend_credential_ltv(*, credential_id, now: datetime.datetime | None = None) -> bool:
    """Add an archive timestamp to ``credential_id``'s PDF. Returns False when it is not due (another run did it).

    The row is locked while the new PDF is made, so two runs never extend the same PDF twice; the new file is
    stored under a new name and the old one is deleted once the change commits.
    """
    now = now or timezone.now()
    material = keyring.archive_material(at=now)
    if material is None:
        raise RuntimeError("No time-stamping authority: set TSA_URL to extend long-term validation.")
    timestamper, validation_context = material
    horizon = now + datetime.timedelta(days=settings.LTV_RENEWAL_MARGIN_DAYS)
    with transaction.atomic():
        row = Credential.objects.select_for_update().get(pk=credential_id)
        if row.ltv_until is None or row.ltv_until > horizon or not row.pdf:
            return False
        with row.pdf.open("rb") as handle:
            current = handle.read()
        extended = pdf.extend_ltv(current, timestamper=timestamper, validation_context=validation_context)
        old_name = row.pdf.name or ""
        stamp = now.strftime("%Y%m%dT%H%M%S")
        row.pdf.name = row.pdf.storage.save(f"credentials/{row.pk}/ltv-{stamp}/{row.pk}.pdf", ContentFile(extended))
        previous_until = row.ltv_until
        row.ltv_until = pdf.last_timestamp_expiry(extended)
        row.save(update_fields=["pdf", "ltv_until"])
        CredentialEvent.objects.create(
            credential=row,
            action="credential.ltv_extended",
            data={
                "previous_until": previous_until.isoformat(),
                "until": row.ltv_until.isoformat() if row.ltv_until else None,
            },
        )
        transaction.on_commit(partial(row.pdf.storage.delete, old_name))
    return True


def extend_due(*, now: datetime.datetime | None = None) -> int:
    """Extend every due PDF (each in its own transaction); returns how many were extended."""
    now = now or timezone.now()
    extended = 0
    for credential_id in due_for_extension(now=now):
        try:
            extended += extend_credential_ltv(credential_id=credential_id, now=now)
        except Exception:  # one broken PDF must not stop the others; it is logged and tried again next night
            logger.exception("Extending the long-term validation of credential %s failed", credential_id)
    return extended
