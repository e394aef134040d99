"""The two further routes to a credential (DESIGN §1): third-party certification and the Law 4/2013 attestation.

**Third-party certification (ISO/IEC 17024).** A member records the certificate an accredited body gave
them (body, accreditation, scheme, number, dates and a scan, checked by content) against one of our
profiles; staff check it and either verify it — which issues the association's certification credential
with ``basis=THIRD_PARTY``, stating the external certification in its EDC and on its certificate, valid for
three years or until the external certificate ends, whichever comes first — or reject it with a note.

**Attestation (Law 4/2013, art. 7).** A separate credential kind for members in good standing, valid as long
as the membership (``valid_until``), stating the membership, the standards members follow, the guarantees
offered to users, the insurance if any and the certifications held (``settings.ISSUER_*``). What it states
is fixed when it is requested (an ``attestation.statement`` event), so a retried issuance seals the same
document. It is suspended by the system when the membership lapses and reinstated when it is restored
(:func:`sync_attestations_with_membership`, called on every save of a membership and by a daily sweep).

An attestation is about no profile, but ``Credential.profile`` is required: attestations point at one
designated, unpublished profile (:data:`ATTESTATION_PROFILE_CODE`), created on first use. Unpublished, it is
neither in the public catalogue nor open to dossiers; its title is the attestation's, so the QR token,
the verification page and the register name the attestation, never a certification the member lacks.

Audit: credential changes are ``CredentialEvent`` rows, as everywhere; an external certification's own
record carries who checked it, when and why (``checked_by``, ``checked_at``, ``check_note``), and every
change of it is also written to Django's admin log (its history in the admin).
"""

from __future__ import annotations

import datetime
import logging
from functools import partial
from typing import IO

from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from aipia.errors import DomainError, InvalidTransition, NotAllowed
from dossiers.uploads import check_upload
from profiles.models import Profile

from . import categories, days, edc
from . import status as status_changes
from .models import Credential, CredentialEvent, ExternalCertification
from .renewal import is_reviewer
from .services import _add_years, create_credential

logger = logging.getLogger(__name__)

ATTESTATION_PROFILE_CODE = "law-4-2013-attestation"
MEMBERSHIP_LAPSED = "membership lapsed"
NOTE_MAX_LENGTH = 2000
# What a scan of a certificate may be: a PDF or a photograph.
SCAN_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})
STATEMENT_ACTION = "attestation.statement"

Status = Credential.Status


def _end_of_day(day: datetime.date) -> datetime.datetime:
    """The end of ``day`` in the issuer's time zone (credentials/days.py): a date printed as "valid until"
    stays valid throughout that day."""
    return days.end_of_day(day, days.zone(settings.TIME_ZONE))


def _good_standing(member: User) -> Membership:
    membership = Membership.objects.filter(user=member).first()
    if membership is None or not membership.is_in_good_standing():
        raise NotAllowed(
            _("Only members in good standing can do this: see %(url)s to join or renew.")
            % {"url": settings.MEMBERSHIP_INFO_URL},
            code="membership_required",
        )
    return membership


def _note(note: str, *, required: bool) -> str:
    note = (note or "").strip()
    if required and not note:
        raise DomainError(_("Please give a reason; the member will read it."), code="note_required")
    if len(note) > NOTE_MAX_LENGTH:
        raise DomainError(
            _("The note is too long (at most %(max)d characters).") % {"max": NOTE_MAX_LENGTH}, code="note_too_long"
        )
    return note


def _log(*, actor: User, certification: ExternalCertification, flag: int, message: str) -> None:
    LogEntry.objects.log_actions(
        user_id=actor.pk,
        queryset=[certification],
        action_flag=flag,
        change_message=message,
        single_object=True,
    )


# --- third-party certification -------------------------------------------------------------------------------


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
    if not is_reviewer(actor):
        raise NotAllowed(_("Only the association's staff can check external certifications."))
    note = _note(note, required=False)
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
        three_years = _add_years(now, settings.CREDENTIAL_VALIDITY_YEARS)
        credential = create_credential(
            holder=row.holder,
            profile=row.profile,
            scheme_version=row.profile.scheme_version,
            valid_from=now,
            decided_at=now,
            actor=actor,
            kind=Credential.Kind.CERTIFICATION,
            basis=Credential.Basis.THIRD_PARTY,
            valid_until=min(three_years, _end_of_day(row.valid_until)),
            external_certification=row,
        )
        CredentialEvent.objects.create(
            credential=credential,
            action="external_certification.verified",
            actor=actor,
            reason=note,
            data={"external_certification": str(row.pk), "body": row.body, "number": row.number},
        )
        _log(actor=actor, certification=row, flag=CHANGE, message=f"external_certification.verified {note}".strip())
        transaction.on_commit(partial(_mail_check_result, row.pk), robust=True)
    return credential


def reject_external_certification(
    *, certification: ExternalCertification, actor: User, note: str
) -> ExternalCertification:
    """Staff reject an external certification, saying why (the member reads it). Audited, e-mailed on commit."""
    if not is_reviewer(actor):
        raise NotAllowed(_("Only the association's staff can check external certifications."))
    note = _note(note, required=True)
    with transaction.atomic():
        row = ExternalCertification.objects.select_for_update().get(pk=certification.pk)
        _check_reviewable(row, actor)
        row.status = ExternalCertification.Status.REJECTED
        row.checked_by, row.checked_at, row.check_note = actor, timezone.now(), note
        row.save(update_fields=["status", "checked_by", "checked_at", "check_note"])
        _log(actor=actor, certification=row, flag=CHANGE, message=f"external_certification.rejected {note}")
        transaction.on_commit(partial(_mail_check_result, row.pk), robust=True)
    return row


def _check_reviewable(row: ExternalCertification, actor: User) -> None:
    if row.status != ExternalCertification.Status.SUBMITTED:
        raise InvalidTransition(
            _("This certification has already been checked (%(status)s).")
            % {"status": row.get_status_display().lower()}
        )
    if row.holder_id == actor.pk:
        raise NotAllowed(_("Nobody checks their own certification."), code="own_certification")


def _mail_check_result(certification_id) -> None:
    from django.core.mail import EmailMessage
    from django.utils import translation

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
    EmailMessage(subject, body, to=[holder.email]).send()


def basis_statement(credential: Credential) -> edc.ExternalCertificationBasis | None:
    """The external certification a third-party credential states as its basis (None for other routes)."""
    if credential.basis != Credential.Basis.THIRD_PARTY or credential.external_certification_id is None:
        return None
    external = ExternalCertification.objects.get(pk=credential.external_certification_id)
    return edc.ExternalCertificationBasis(
        body=external.body,
        accreditation=external.accreditation,
        scheme=external.scheme,
        number=external.number,
        issued_on=external.issued_on,
        valid_until=external.valid_until,
    )


# --- Law 4/2013 art. 7 attestation ---------------------------------------------------------------------------


def attestation_profile() -> Profile:
    """The designated, unpublished profile every attestation points at; created on first use (the unique
    code makes a concurrent creation fail rather than duplicate, and the retry finds it)."""
    profile, _created = Profile.objects.get_or_create(
        code=ATTESTATION_PROFILE_CODE,
        defaults={
            "title_en": "Attestation of quality and professional qualification (Law 4/2013, art. 7)",
            "title_it": "Attestato di qualità e di qualificazione professionale (Legge 4/2013, art. 7)",
            "summary_en": "Issued by the association to its members in good standing; valid as long as the membership.",
            "summary_it": "Rilasciato dall'associazione ai propri iscritti in regola; valido quanto l'iscrizione.",
            "mission_en": "",
            "mission_it": "",
            "standard_edition": "Legge 4/2013, art. 7",
            "is_published": False,
        },
    )
    return profile


def _statement(*, member: User, membership: Membership, on: datetime.date) -> dict:
    """What an attestation says, as stored in its ``attestation.statement`` event (JSON)."""
    held = (
        Credential.objects.filter(
            holder=member, kind=Credential.Kind.CERTIFICATION, status=Status.ACTIVE, valid_until__gt=timezone.now()
        )
        .select_related("profile", "external_certification")
        .order_by("issued_at")
    )
    return {
        "member_number": membership.member_number,
        "in_good_standing_on": on.isoformat(),
        "membership_valid_until": membership.valid_until.isoformat(),
        "standards": dict(settings.ISSUER_PROFESSIONAL_STANDARDS),
        "guarantees": dict(settings.ISSUER_USER_GUARANTEES),
        "insurance": dict(settings.ISSUER_INSURANCE),
        "certifications": [
            {
                "credential": str(credential.pk),
                "serial": credential.serial,
                "title_en": credential.profile.title_en,
                "title_it": credential.profile.title_it,
                "standard_edition": credential.profile.standard_edition,
                "valid_until": days.last_day(credential.valid_until, days.zone(settings.TIME_ZONE)).isoformat(),
                "awarded_by": (
                    f"{settings.ISSUER_LEGAL_NAME}, on the basis of {credential.external_certification.body}"
                    if credential.external_certification
                    else settings.ISSUER_LEGAL_NAME
                ),
            }
            for credential in held
        ],
    }


def issue_attestation(*, member: User, actor: User) -> Credential:
    """Issue a Law 4/2013 art. 7 attestation to ``member``, valid until the end of their membership.

    By staff, or by the member themselves. Refused unless the member is in good standing, and while they
    hold an attestation that already runs to the end of the current membership; an attestation requested
    after the membership was renewed supersedes the previous one (which then expires at its own end).
    """
    if actor.pk != member.pk and not is_reviewer(actor):
        raise NotAllowed(_("Only the member or the association's staff can request an attestation."))
    with transaction.atomic():
        # The membership row serialises two requests for the same member.
        membership = Membership.objects.select_for_update().filter(user=member).first()
        if membership is None or not membership.is_in_good_standing():
            raise NotAllowed(
                _("An attestation is issued only to members in good standing: see %(url)s to join or renew.")
                % {"url": settings.MEMBERSHIP_INFO_URL},
                code="membership_required",
            )
        until = _end_of_day(membership.valid_until)
        current = (
            Credential.objects.filter(
                holder=member,
                kind=Credential.Kind.ATTESTATION,
                status__in=[Status.ISSUING, Status.ACTIVE, Status.SUSPENDED],
                successor__isnull=True,
            )
            .order_by("-valid_until")
            .first()
        )
        if current is not None and current.valid_until >= until:
            raise InvalidTransition(
                _("You already hold an attestation valid until the end of your membership."),
                code="attestation_exists",
            )
        now = timezone.now().replace(microsecond=0)
        profile = attestation_profile()
        credential = create_credential(
            holder=member,
            profile=profile,
            scheme_version=profile.scheme_version,
            valid_from=now,
            decided_at=now,
            actor=actor,
            kind=Credential.Kind.ATTESTATION,
            basis=Credential.Basis.MEMBERSHIP,
            valid_until=until,
            predecessor=current,
        )
        CredentialEvent.objects.create(
            credential=credential,
            action=STATEMENT_ACTION,
            actor=actor,
            data=_statement(member=member, membership=membership, on=timezone.localdate(now)),
        )
    return credential


def attestation_statement(credential: Credential) -> edc.AttestationStatement | None:
    """What an attestation states, as fixed when it was requested (None for a certification)."""
    if credential.kind != Credential.Kind.ATTESTATION:
        return None
    event = credential.events.filter(action=STATEMENT_ACTION).order_by("pk").first()
    if event is None:
        raise ValueError(f"Attestation {credential.pk} has no statement")
    data = event.data
    return edc.AttestationStatement(
        member_number=data["member_number"],
        in_good_standing_on=datetime.date.fromisoformat(data["in_good_standing_on"]),
        membership_valid_until=datetime.date.fromisoformat(data["membership_valid_until"]),
        standards_en=data["standards"].get("en", ""),
        standards_it=data["standards"].get("it", ""),
        guarantees_en=data["guarantees"].get("en", ""),
        guarantees_it=data["guarantees"].get("it", ""),
        insurance_en=data["insurance"].get("en", ""),
        insurance_it=data["insurance"].get("it", ""),
        certifications=tuple(
            edc.HeldCertification(
                serial=item["serial"],
                title_en=item["title_en"],
                title_it=item["title_it"],
                standard_edition=item["standard_edition"],
                valid_until=datetime.date.fromisoformat(item["valid_until"]),
                awarded_by=item["awarded_by"],
            )
            for item in data["certifications"]
        ),
    )


def sync_attestations_with_membership(*, member: User, on: datetime.date | None = None) -> dict[str, int]:
    """Suspend the active attestations of a member who is no longer in good standing (by the system, reason
    :data:`MEMBERSHIP_LAPSED`), and reinstate those suspended for that reason once they are in good standing
    again. Suspensions for any other reason are left to the staff. Returns ``{"suspended": n, "reinstated": n}``.

    Each credential is locked and checked again inside its own transaction, so running this twice, or from
    the signal and the daily sweep at once, changes nothing twice. Status lists are republished by the same
    machinery as an administrator's change (``credentials/status.py``), and the holder is e-mailed.
    """
    on = on or timezone.localdate()
    membership = Membership.objects.filter(user=member).first()
    in_good_standing = membership is not None and membership.is_in_good_standing(on)
    counts = {"suspended": 0, "reinstated": 0}
    if in_good_standing:
        candidates = Credential.objects.filter(
            holder=member,
            kind=Credential.Kind.ATTESTATION,
            status=Status.SUSPENDED,
            suspension_reason=MEMBERSHIP_LAPSED,
        )
    else:
        candidates = Credential.objects.filter(holder=member, kind=Credential.Kind.ATTESTATION, status=Status.ACTIVE)
    for credential_id in list(candidates.values_list("pk", flat=True)):
        if not in_good_standing:
            changed = status_changes.suspend_by_system(
                credential_id=credential_id,
                category=categories.MEMBERSHIP_LAPSED,
                reason=MEMBERSHIP_LAPSED,
                data={"membership": membership.status if membership else None},
            )
            counts["suspended"] += changed
        else:
            changed = status_changes.reinstate_by_system(
                credential_id=credential_id, suspended_for=MEMBERSHIP_LAPSED, reason="membership restored"
            )
            counts["reinstated"] += changed
    return counts


def sync_all_attestations(*, on: datetime.date | None = None) -> dict[str, int]:
    """The daily sweep: memberships lapse by date without anyone saving them, so every holder of an active
    or membership-suspended attestation is checked. For the lifecycle job; returns the totals."""
    holders = Credential.objects.filter(
        kind=Credential.Kind.ATTESTATION, status__in=[Status.ACTIVE, Status.SUSPENDED]
    ).values_list("holder_id", flat=True)
    totals = {"suspended": 0, "reinstated": 0}
    for holder_id in sorted(set(holders)):
        result = sync_attestations_with_membership(member=User.objects.get(pk=holder_id), on=on)
        for key in totals:
            totals[key] += result[key]
    return totals
