"""Third-party certification (ISO/IEC 17024), the second route to a credential (DESIGN §1).

A member records the certificate an accredited body gave them (body, accreditation, scheme, number, dates and a
scan, checked by content) against one of our profiles; staff check it and either verify it — which issues the
association's certification credential with ``basis=THIRD_PARTY``, stating the external certification in its EDC
and on its certificate (frozen on the credential row as its ``statement``), valid for three years or until the
external certificate ends, whichever comes first — or reject it with a note.

Audit: credential changes are ``CredentialEvent`` rows, as everywhere; an external certification's own record
carries who checked it, when and why (``checked_by``, ``checked_at``, ``check_note``), and every change of it is
also written to Django's admin log (its history in the admin).
"""

from __future__ import annotations

import datetime
from typing import IO

from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import Membership, User
from aipia.errors import DomainError, InvalidTransition, NotAllowed
from credentials.models import Credential, CredentialEvent, ExternalCertification
from credentials.services import texts
from credentials.services.clock import add_years, end_of_day
from credentials.services.issuance import create_credential
from dossiers.uploads import check_upload
from outbox import services as outbox
from profiles.models import Profile

NOTE_MAX_LENGTH = texts.NOTE_MAX_LENGTH
# What a scan of a certificate may be: a PDF or a photograph.
SCAN_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})


def _good_standing(member: User) -> Membership:
    membership = Membership.objects.filter(user=member).first()
    if membership is None or not membership.is_in_good_standing():
        raise NotAllowed(
            _("Only members in good standing can do this: see %(url)s to join or renew.")
            % {"url": settings.MEMBERSHIP_INFO_URL},
            code="membership_required",
        )
    return membership


def _basis(row: ExternalCertification) -> dict:
    """The external certification as the credential states it, frozen on the credential row (``statement``):
    the scan's number may be erased later under the retention rules, the sealed document never changes."""
    return {
        "body": row.body,
        "accreditation": row.accreditation,
        "scheme": row.scheme,
        "number": row.number,
        "issued_on": row.issued_on.isoformat(),
        "valid_until": row.valid_until.isoformat(),
    }


def _require_reviewer(actor: User) -> None:
    roles.require_association_staff(actor, _("Only the association's staff can check external certifications."))


def _log(*, actor: User, certification: ExternalCertification, flag: int, message: str) -> None:
    LogEntry.objects.log_actions(
        user_id=actor.pk,
        queryset=[certification],
        action_flag=flag,
        change_message=message,
        single_object=True,
    )


def record_external_certification(
    *,
    holder: User,
    profile: Profile,
    body: str,
    accreditation: str,
    scheme: str,
    number: str,
    issued_on: datetime.date,
    valid_until: datetime.date,
    scan: IO[bytes],
) -> ExternalCertification:
    """A member records their certification by an accredited body, with a scan (PDF, PNG or JPEG, checked by
    content, at most ``EVIDENCE_MAX_BYTES``, SHA-256 kept), for staff to check. The certificate must be valid
    today and not already recorded (same body and number)."""
    _good_standing(holder)
    if not profile.is_published:
        raise DomainError(_("This profile is not open for certification."), code="profile_unavailable")
    body, accreditation, scheme, number = (value.strip() for value in (body, accreditation, scheme, number))
    if not (body and scheme and number):
        raise DomainError(_("The body, the scheme and the certificate number are required."), code="incomplete")
    today = timezone.localdate()
    if issued_on > today:
        raise DomainError(_("The certificate cannot be issued in the future."), code="invalid_dates")
    if valid_until < today:
        raise DomainError(_("This certificate has expired: only a valid one can be recorded."), code="expired")
    if valid_until <= issued_on:
        raise DomainError(_("The certificate must end after it was issued."), code="invalid_dates")
    checked = check_upload(scan, max_bytes=settings.EVIDENCE_MAX_BYTES, allowed=SCAN_TYPES)
    with transaction.atomic():
        if ExternalCertification.objects.filter(body__iexact=body, number__iexact=number).exists():
            raise DomainError(_("This certificate has already been recorded."), code="duplicate")
        certification = ExternalCertification(
            holder=holder,
            profile=profile,
            body=body,
            accreditation=accreditation,
            scheme=scheme,
            number=number,
            issued_on=issued_on,
            valid_until=valid_until,
            scan_sha256=checked.sha256,
        )
        # The stored name never comes from the member: the upload path is random, the name says what it is.
        certification.scan.save(f"certificate{checked.extension}", File(scan), save=False)
        certification.save()
        _log(actor=holder, certification=certification, flag=ADDITION, message="external_certification.recorded")
    return certification


def verify_external_certification(*, certification: ExternalCertification, actor: User, note: str = "") -> Credential:
    """Staff confirm an external certification; the association issues its credential on that basis.

    The credential (kind certification, basis third party) is valid for ``CREDENTIAL_VALIDITY_YEARS`` or
    until the external certificate ends, whichever is sooner. The member must still be in good standing and
    the external certificate still valid. Audited; the member is e-mailed on commit, and again with the
    certificate once it is issued.
    """
    _require_reviewer(actor)
    note = texts.checked_text(note, kind="note", max_length=NOTE_MAX_LENGTH)
    with transaction.atomic():
        row = (
            ExternalCertification.objects.select_for_update()
            .select_related("holder", "profile")
            .get(pk=certification.pk)
        )
        _check_reviewable(row, actor)
        if row.valid_until < timezone.localdate():
            raise InvalidTransition(_("This certificate has expired: it can only be rejected."))
        _good_standing(row.holder)
        now = timezone.now().replace(microsecond=0)
        row.status = ExternalCertification.Status.VERIFIED
        row.checked_by, row.checked_at, row.check_note = actor, now, note
        row.save(update_fields=["status", "checked_by", "checked_at", "check_note"])
        three_years = add_years(now, settings.CREDENTIAL_VALIDITY_YEARS)
        credential = create_credential(
            holder=row.holder,
            profile=row.profile,
            scheme_version=row.profile.scheme_version,
            valid_from=now,
            decided_at=now,
            actor=actor,
            kind=Credential.Kind.CERTIFICATION,
            basis=Credential.Basis.THIRD_PARTY,
            valid_until=min(three_years, end_of_day(row.valid_until)),
            external_certification=row,
            statement={"basis": _basis(row)},
        )
        CredentialEvent.objects.create(
            credential=credential,
            action="external_certification.verified",
            actor=actor,
            reason=note,
            data={"external_certification": str(row.pk), "body": row.body, "number": row.number},
        )
        _log(actor=actor, certification=row, flag=CHANGE, message=f"external_certification.verified {note}".strip())
        queue_check_result_email(certification_id=row.pk)
    return credential


def reject_external_certification(
    *, certification: ExternalCertification, actor: User, note: str
) -> ExternalCertification:
    """Staff reject an external certification, saying why (the member reads it). Audited, e-mailed on commit."""
    _require_reviewer(actor)
    note = texts.checked_text(
        note, kind="note", max_length=NOTE_MAX_LENGTH, required=_("Please give a reason; the member will read it.")
    )
    with transaction.atomic():
        row = ExternalCertification.objects.select_for_update().get(pk=certification.pk)
        _check_reviewable(row, actor)
        row.status = ExternalCertification.Status.REJECTED
        row.checked_by, row.checked_at, row.check_note = actor, timezone.now(), note
        row.save(update_fields=["status", "checked_by", "checked_at", "check_note"])
        _log(actor=actor, certification=row, flag=CHANGE, message=f"external_certification.rejected {note}")
        queue_check_result_email(certification_id=row.pk)
    return row


def _check_reviewable(row: ExternalCertification, actor: User) -> None:
    if row.status != ExternalCertification.Status.SUBMITTED:
        raise InvalidTransition(
            _("This certification has already been checked (%(status)s).")
            % {"status": row.get_status_display().lower()}
        )
    if row.holder_id == actor.pk:
        raise NotAllowed(_("Nobody checks their own certification."), code="own_certification")


def queue_check_result_email(*, certification_id) -> None:
    """Write the e-mail telling the member the outcome of the check into the outbox, in the caller's transaction."""
    row = ExternalCertification.objects.select_related("holder", "profile").get(pk=certification_id)
    holder = row.holder
    with translation.override(holder.preferred_language):
        values = {
            "body": row.body,
            "number": row.number,
            "profile": row.profile.tr("title"),
            "note": row.check_note,
            "url": f"{settings.SITE_URL.rstrip('/')}/credentials/external/",
        }
        if row.status == ExternalCertification.Status.VERIFIED:
            subject = _("[AIPIA] Your certification %(number)s has been verified") % values
            body = (
                _(
                    "The association has verified your certification %(number)s by %(body)s. Your credential as "
                    "%(profile)s, based on it, is being issued: you will receive it by e-mail.\n\n%(url)s\n"
                )
                % values
            )
        else:
            subject = _("[AIPIA] Your certification %(number)s could not be verified") % values
            body = (
                _(
                    "The association could not verify your certification %(number)s by %(body)s.\n\n"
                    "Reason: %(note)s\n\n%(url)s\n"
                )
                % values
            )
    outbox.queue_email(
        to=[holder.email],
        subject=subject,
        language=holder.preferred_language,
        context={"body": body},
        dedupe_key=f"credentials.external:{row.pk}:{row.status}",
    )
