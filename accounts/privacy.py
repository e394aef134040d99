"""Personal data: a person's export of everything we hold about them, and erasure by retention rules.

This module orchestrates; each app exports and erases its own records through the contributor it registers in
accounts/personal_data.py (``dossiers``, ``assessments``, ``credentials``: their ``personal_data.py`` says
what each keeps and for how long). The account itself (e-mail addresses, name, password, API tokens) is this
app's part.

**Export** (:func:`export_personal_data`): a ZIP with ``data.json`` — the account, membership, dossiers and
their entries, self-assessments, the decisions and appeals they were told about, credentials and their
events, CPD activities, renewal applications, external certifications, dossier events — and the files
behind them (evidence, CPD evidence, scans, the credentials' PDF, sealed JSON-LD and QR). What committee
members wrote for themselves (scores, comments, minutes) and who they are is not the person's to see
through this channel, as in the applicant's own pages.

**Retention** (:func:`erase_expired_personal_data`), per record type, counted from the record's end:
- application material (``RETENTION_APPLICATION_DAYS``) from the moment the dossier closed (its decision,
  or its withdrawal): evidence files deleted, CV summary, training, experience, projects, self-assessment
  justifications and the submission manifests erased; external certifications' scans from their check;
- assessment records (``RETENTION_ASSESSMENT_DAYS``) from that moment: assessors' comments, interview
  minutes and notes, conflict-of-interest reasons, information requests (the numeric scores stay, without
  text, for the committee's statistics);
- decisions (``RETENTION_DECISION_DAYS``): rationales, the decision record, appeal statements;
- credentials (``RETENTION_CREDENTIAL_DAYS``) from the end of validity: the PDF and QR copies, the holder's
  name and token on the row, CPD evidence and descriptions, renewal declarations, the external certificate's
  number. The sealed JSON-LD is kept: verification by id checks it, and its seal forbids editing it.

**Erasure never changes a credential's status.** Status, suspension and revocation dates and reasons, and
the status-list entries stay as they are, so a revoked credential still verifies as revoked and a suspended
one as suspended; what is kept of a credential after erasure is what verification needs (id, serial,
profile, dates, status and reasons, and the sealed credential itself). Each step is idempotent: an erased
record is recognised and skipped.

**On request** (:func:`erase_account`): the person's records whose retention has ended are erased now,
never-submitted drafts are deleted, credentials leave the public register, and the account is closed
(pseudonymised e-mail, no name, no password, no tokens); records still within retention are kept, because
the certification body must keep them (ISO/IEC 17024 §7.4), and erased later by the daily sweep.
"""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from typing import Any

from allauth.account.models import EmailAddress
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Membership, User
from .personal_data import Export, contributors
from .roles import require_admin
from .tokens import revoke_api_tokens

EXPORT_FORMAT = "aipia-personal-data/1"


def export_personal_data(*, user: User) -> bytes:
    """A ZIP of everything about ``user``: ``data.json`` plus their files under ``files/``. Read-only."""
    export = Export()
    export.data.update(
        format=EXPORT_FORMAT,
        exported_at=timezone.now(),
        account=_account_entry(user),
        membership=_membership_entry(user),
    )
    for contributor in contributors():
        contributor.export(user=user, export=export)
    return _zip(export)


def _account_entry(user: User) -> dict[str, Any]:
    return {
        "id": user.pk,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role,
        "preferred_language": user.preferred_language,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
    }


def _membership_entry(user: User) -> dict[str, Any] | None:
    membership = Membership.objects.filter(user=user).first()
    if membership is None:
        return None
    return {
        "member_number": membership.member_number,
        "status": membership.status,
        "valid_until": membership.valid_until,
    }


def _zip(export: Export) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(export.data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
        for name, field in sorted(export.files.items()):
            try:
                with field.open("rb") as handle:
                    archive.writestr(name, handle.read())
            except FileNotFoundError:
                continue  # listed in data.json; the stored file is gone
    return output.getvalue()


def erase_expired_personal_data(*, now: datetime.datetime | None = None, holder: User | None = None) -> dict[str, int]:
    """Apply the retention periods as of ``now``: erase what has been kept long enough, per record type.

    Returns how many records of each type were erased: ``{"application_material", "assessment_records",
    "decisions", "credentials", "external_certifications"}``. Idempotent. ``holder`` limits it to one person.
    """
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for contributor in contributors():
        counts.update(contributor.erase_expired(now=now, holder=holder))
    return counts


def erase_account(*, user: User, actor: User) -> dict[str, int]:
    """Erase ``user``'s personal data on their request, as far as retention allows, and close the account.

    By the person themselves or an administrator. Records past retention are erased now; drafts never
    submitted are deleted; credentials leave the public register; the account is pseudonymised and can no
    longer log in. Credentials keep what verification needs, their status untouched. Returns the counts of
    :func:`erase_expired_personal_data` and ``{"drafts", "register_listings"}``.
    """
    if actor.pk != user.pk:
        require_admin(actor, _("Only the person or an administrator can erase an account."))
    counts = erase_expired_personal_data(holder=user)
    with transaction.atomic():
        for contributor in contributors():
            counts.update(contributor.erase_account(user=user))
        EmailAddress.objects.filter(user=user).delete()
        revoke_api_tokens(user=user)
        user.email = f"erased-{user.pk}@erased.invalid"
        user.first_name = user.last_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["email", "first_name", "last_name", "is_active", "password"])
    return counts
