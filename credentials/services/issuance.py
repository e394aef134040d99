"""Issuing credentials: from an approved dossier to a sealed EDC, a sealed PDF and a QR code.

The pipeline (``issue_credential``) is idempotent end to end:
- the credential row is created once per approved dossier (a one-to-one database constraint), in the
  approval's own transaction, with its serial number, dates and status-list positions fixed there;
- a worker claims the row with a compare-and-set (``pending``/``failed``, or ``running`` past its lease)
  before doing any work, so a duplicated task does nothing while another runs;
- everything the documents contain is read from the row, so a retry rebuilds the same content;
- each claim carries a token of its own; the finished files are stored under a folder named after it, and the
  row is switched to them and to ``done`` in one final locked update that checks the token — a worker killed
  half-way leaves a ``running`` row whose lease expires, the sweeper (``resume_stalled_issuances``) hands it to
  another worker, and should the first one wake up and finish late, its files never replace the winner's: it
  finds the claim gone, deletes its own files and records nothing.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from aipia import days, queue
from aipia.errors import DomainError
from credentials.documents import edc, pdf, qr, seal, statements
from credentials.documents.credential_data import Competence, CredentialData, StatusEntry
from credentials.models import (
    Credential,
    CredentialEvent,
    ExternalCertification,
    SerialCounter,
    StatusList,
    StatusListEntry,
)
from credentials.services import clock, keyring
from dossiers.models import Dossier, DossierStatus
from outbox import services as outbox
from profiles.badges import badge_url
from profiles.models import Profile

logger = logging.getLogger(__name__)
LEASE = datetime.timedelta(minutes=5)
STATUS_LIST_SIZE = 131072  # W3C Bitstring Status List minimum for herd privacy


# --- creation, in the approval's transaction ---------------------------------------------------------------


def _next_serial(year: int) -> str:
    counter, _created = SerialCounter.objects.select_for_update().get_or_create(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"AIPIA-{year}-{counter.last:06d}"


def _current_list(purpose: str) -> StatusList:
    status_list = StatusList.objects.filter(purpose=purpose).order_by("-number").first()
    if status_list is None or status_list.allocated >= status_list.size // 2:
        # Keep lists at most half full, so random indexes are found quickly and stay unpredictable.
        number = (status_list.number + 1) if status_list else 1
        status_list, _created = StatusList.objects.get_or_create(
            purpose=purpose, number=number, defaults={"size": STATUS_LIST_SIZE}
        )
    return status_list


def _allocate_status_entries(credential: Credential) -> None:
    """A random, unused index in the current revocation and suspension lists, one each, for a credential just
    created (the database allows one entry per credential and purpose)."""
    for purpose in StatusList.Purpose.values:
        status_list = _current_list(purpose)
        for _attempt in range(50):
            try:
                with transaction.atomic():
                    StatusListEntry.objects.create(
                        status_list=status_list,
                        index=secrets.randbelow(status_list.size),
                        credential=credential,
                        purpose=purpose,
                    )
                StatusList.objects.filter(pk=status_list.pk).update(allocated=F("allocated") + 1)
                break
            except IntegrityError:
                continue  # that index is taken: draw another
        else:
            raise DomainError(f"No free index found in {status_list}.")


@transaction.atomic
def start_issuance(*, dossier: Dossier, actor: User | None) -> Credential:
    """Create the credential of an approved dossier (once) and enqueue its issuance when the approval commits."""
    existing = Credential.objects.filter(dossier=dossier).first()
    if existing is not None:
        return existing
    if dossier.status != DossierStatus.APPROVED:
        raise DomainError("Only an approved dossier leads to a credential.")
    now = timezone.now().replace(microsecond=0)
    return create_credential(
        holder=dossier.owner,
        profile=dossier.profile,
        scheme_version=dossier.scheme_version,
        valid_from=now,
        decided_at=now,
        actor=actor,
        dossier=dossier,
    )


@transaction.atomic
def create_credential(
    *,
    holder: User,
    profile: Profile,
    scheme_version: str,
    valid_from: datetime.datetime,
    decided_at: datetime.datetime,
    actor: User | None,
    kind: str = Credential.Kind.CERTIFICATION,
    basis: str = Credential.Basis.ASSESSMENT,
    valid_until: datetime.datetime | None = None,
    dossier: Dossier | None = None,
    predecessor: Credential | None = None,
    external_certification: ExternalCertification | None = None,
    statement: dict | None = None,
) -> Credential:
    """Create a credential row (serial, dates, status-list positions) and enqueue its issuance on commit.

    Every route leads here: an approved dossier, a renewal (``predecessor``, validity starting where the
    old one ends), a third-party certification, a Law 4/2013 attestation. The callers own the rules of
    their route (and what it states beyond the profile, ``statement``: credentials/documents/statements.py);
    database constraints make a second credential for the same dossier or predecessor fail.
    """
    now = timezone.now().replace(microsecond=0)
    valid_from = valid_from.replace(microsecond=0)
    credential = Credential.objects.create(
        dossier=dossier,
        holder=holder,
        profile=profile,
        kind=kind,
        basis=basis,
        predecessor=predecessor,
        external_certification=external_certification,
        statement=statement,
        serial=_next_serial(timezone.localdate(now).year),
        holder_name=holder.get_full_name() or holder.email,
        scheme_version=scheme_version,
        issued_at=now,
        valid_from=valid_from,
        valid_until=valid_until or clock.add_years(valid_from, settings.CREDENTIAL_VALIDITY_YEARS),
        decided_at=decided_at,
    )
    _allocate_status_entries(credential)
    CredentialEvent.objects.create(
        credential=credential,
        action="credential.issuance_requested",
        actor=actor,
        data={"basis": basis, "predecessor": str(predecessor.pk) if predecessor else None},
    )
    # robust: a broker hiccup (or, in the embedded default, a failing in-process pipeline) must not undo or
    # break the approval; the sweeper picks up a credential whose task never ran.
    transaction.on_commit(partial(enqueue_issuance, credential.pk), robust=True)
    return credential


def enqueue_issuance(credential_id) -> None:
    queue.enqueue("credentials.issue", str(credential_id))


# --- the pipeline ------------------------------------------------------------------------------------------


@dataclass
class Documents:
    sealed_json: bytes
    pdf: bytes
    qr_png: bytes
    token: str
    verify_url: str


def verify_url_for(token: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/v/{token}"


def verify_page_address() -> str:
    """The verification page as printed for a person to type: ``credentials.aipia.it/verify`` (no scheme)."""
    site = settings.SITE_URL.rstrip("/")
    return f"{site.split('://', 1)[-1]}/verify"


def credential_data(credential: Credential, *, verify_url: str) -> CredentialData:
    """Everything the EDC says, read from the credential row and the catalogue."""
    profile = credential.profile
    entries = credential.status_entries.select_related("status_list").order_by("purpose")
    competences = tuple(
        Competence(
            code=pc.competence.code, title_en=pc.competence.title_en, title_it=pc.competence.title_it, level=pc.level
        )
        for pc in profile.profile_competences.select_related("competence")
    )
    holder = credential.holder
    return CredentialData(
        credential_id=credential.pk,
        issuer_id=f"{settings.SITE_URL.rstrip('/')}/issuer",
        issuer_legal_name=settings.ISSUER_LEGAL_NAME,
        issuer_eidas_identifier=settings.ISSUER_EIDAS_IDENTIFIER,
        issuer_country=settings.ISSUER_COUNTRY,
        issuer_homepage=settings.ISSUER_HOMEPAGE,
        holder_given_name=holder.first_name or credential.holder_name,
        holder_family_name=holder.last_name or "",
        holder_email=holder.email,
        profile_code=profile.code,
        profile_title_en=profile.title_en,
        profile_title_it=profile.title_it,
        profile_description_en=profile.summary_en,
        profile_description_it=profile.summary_it,
        eqf_level=profile.eqf_level,
        scheme_version=credential.scheme_version,
        standard_edition=profile.standard_edition,
        competences=competences,
        assessment_date=credential.decided_at,
        issued=credential.issued_at,
        valid_from=credential.valid_from,
        valid_until=credential.valid_until,
        status_entries=tuple(
            StatusEntry(purpose=e.purpose, list_number=e.status_list.number, index=e.index) for e in entries
        ),
        status_base_url=settings.SITE_URL.rstrip("/"),
        time_zone=settings.TIME_ZONE,
        verify_url=verify_url,
        # The other routes (services/external.py, services/attestation.py): the external certification a
        # third-party credential rests on, and what an attestation states, frozen on the row.
        basis=statements.basis(credential.statement),
        attestation=statements.attestation(credential.statement),
    )


def status_list_url(status_list: StatusList) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/status/{status_list.purpose}/{status_list.number}"


_renderer: pdf.CertificateRenderer | None = None
_signer_cache: dict = {}


def _certificate_renderer() -> pdf.CertificateRenderer:
    # One renderer (and so one FontConfiguration) per worker process keeps memory flat.
    global _renderer
    if _renderer is None:
        _renderer = pdf.CertificateRenderer(logo=settings.ASSOCIATION_LOGO)
    return _renderer


def build_documents(credential: Credential, key, *, token_key=None) -> Documents:
    """Build, seal and render every artefact of ``credential``; pure apart from reading the rows. The QR token
    is signed with ``token_key``, by default the software token key (``keyring.token_key``)."""
    # The token and the certificate print days in the issuer's time zone: the first day of validity and the
    # last day it covers (an end-of-day instant is midnight starting the next day; aipia/days.py).
    zone = days.zone(settings.TIME_ZONE)
    first_day, last_day = days.local_day(credential.valid_from, zone), days.last_day(credential.valid_until, zone)
    token = qr.make_token(
        credential_id=credential.pk,
        holder_name=credential.holder_name,
        profile_code=credential.profile.code,
        valid_from=first_day,
        valid_until=last_day,
        key=token_key or keyring.token_key()[0],
    )
    url = verify_url_for(token)
    data = credential_data(credential, verify_url=url)
    payload = edc.canonical_json(edc.build_credential(data))
    # B-LTA PDF and B-T JAdES when a time-stamping authority is at hand (TSA_URL, or the test PKI's in-process).
    ltv = keyring.ltv_material(key)
    tsa_fetch = seal.timestamper_fetch(ltv[0]) if ltv and not settings.TSA_URL else None
    sealed = seal.seal(payload, key, signing_time=timezone.now(), tsa_url=settings.TSA_URL or None, tsa_fetch=tsa_fetch)
    sealed_bytes = json.dumps(sealed, ensure_ascii=False, indent=2).encode("utf-8")
    profile = credential.profile
    certificate = pdf.CertificateData(
        credential_id=str(credential.pk),
        holder_name=credential.holder_name,
        profile_title_en=profile.title_en,
        profile_title_it=profile.title_it,
        profile_code=profile.code,
        eqf_level=profile.eqf_level,
        standard_edition=profile.standard_edition,
        scheme_version=credential.scheme_version,
        competences=tuple((c.code, c.title_en, c.title_it, c.level) for c in data.competences),
        issued=days.local_day(credential.issued_at, zone),
        valid_from=first_day,
        valid_until=last_day,
        issuer_name=settings.ISSUER_LEGAL_NAME,
        verify_url=url,
        verify_page=verify_page_address(),
        serial=credential.serial,
        qr_png=qr.qr_pdf_image(url),
        is_test_seal=key.is_test,
        signatory_role_it=settings.CERTIFICATE_SIGNATORY_ROLE["it"],
        signatory_role_en=settings.CERTIFICATE_SIGNATORY_ROLE["en"],
        signatory_name=settings.CERTIFICATE_SIGNATORY_NAME,
        **pdf.statements_from(data),
    )
    unsigned = _certificate_renderer().render(certificate)
    signed = pdf.seal_pdf(
        unsigned,
        key=key,
        embedded_json=sealed_bytes,
        signer_cache=_signer_cache,
        timestamper=ltv[0] if ltv else None,
        validation_context=ltv[1] if ltv else None,
    )
    return Documents(sealed_json=sealed_bytes, pdf=signed, qr_png=qr.qr_png(url), token=token, verify_url=url)


def _claim(credential_id) -> uuid.UUID | None:
    """Compare-and-set: only one worker at a time runs a credential's pipeline. The claim's token, or None."""
    now = timezone.now()
    claimable = Q(issuance__in=[Credential.Issuance.PENDING, Credential.Issuance.FAILED]) | Q(
        issuance=Credential.Issuance.RUNNING, issuance_started_at__lt=now - LEASE
    )
    claim = uuid.uuid4()
    claimed = Credential.objects.filter(claimable, pk=credential_id).update(
        issuance=Credential.Issuance.RUNNING,
        issuance_started_at=now,
        issuance_claim=claim,
        issuance_attempts=F("issuance_attempts") + 1,
        issuance_step="claimed",
    )
    return claim if claimed else None


def _store(credential: Credential, field: str, folder: str, name: str, content: bytes) -> None:
    """Save ``content`` as ``<folder>/<name>``: this run's own folder, which no other run writes to."""
    file = getattr(credential, field)
    file.name = file.storage.save(f"{folder}/{name}", ContentFile(content))


def _delete_files(credential: Credential, names: Sequence[str | None]) -> None:
    storage = credential.sealed_json.storage
    for name in names:
        if name:
            with contextlib.suppress(OSError):
                storage.delete(name)


def issue_credential(*, credential_id) -> bool:
    """Run the pipeline for one credential. Returns True if this call finished it, False if there was
    nothing to do (already issued, or another worker holds it). Raises after recording a failure."""
    claim = _claim(credential_id)
    if claim is None:
        return False
    credential = Credential.objects.select_related("profile", "holder").get(pk=credential_id)
    previous: list[str | None] = [credential.sealed_json.name, credential.pdf.name, credential.qr_png.name]
    folder = f"credentials/{credential.pk}/{claim.hex}"
    step = "seal key"
    try:
        key, seal_record = keyring.active_seal()
        step = "documents"
        documents = build_documents(credential, key)
        step = "storage"
        _store(credential, "sealed_json", folder, f"{credential.pk}.jsonld", documents.sealed_json)
        _store(credential, "pdf", folder, f"{credential.pk}.pdf", documents.pdf)
        _store(credential, "qr_png", folder, f"{credential.pk}-qr.png", documents.qr_png)
    except Exception as exc:
        _record_failure(credential_id, step, exc, claim=claim)
        raise
    mine = [credential.sealed_json.name, credential.pdf.name, credential.qr_png.name]
    with transaction.atomic():
        row = Credential.objects.select_for_update().get(pk=credential_id)
        if row.issuance != Credential.Issuance.RUNNING or row.issuance_claim != claim:
            # Our lease expired and another run took the credential over (or finished it): its files stand, ours go.
            logger.warning("Issuance of credential %s: a late run lost its claim and recorded nothing", credential_id)
            transaction.on_commit(partial(_delete_files, credential, mine))
            return False
        row.sealed_json.name, row.pdf.name, row.qr_png.name = (
            credential.sealed_json.name,
            credential.pdf.name,
            credential.qr_png.name,
        )
        row.token = documents.token
        row.seal = seal_record
        row.ltv_until = pdf.last_timestamp_expiry(documents.pdf)
        from_status = row.status
        row.status = Credential.Status.ACTIVE
        row.issuance = Credential.Issuance.DONE
        row.issuance_step = ""
        row.issuance_error = ""
        row.issuance_finished_at = timezone.now()
        row.save()
        CredentialEvent.objects.create(
            credential=row,
            action="credential.issued",
            from_status=from_status,
            to_status=row.status,
            data={"kid": seal_record.kid, "attempts": row.issuance_attempts},
        )
        notify_holder(credential_id=row.pk)
        outbox.emit_resource_event(event_type="credential.issued", resource="credential", pk=row.pk)
        # Files an earlier, failed attempt stored are no longer anyone's.
        stale = [name for name in previous if name and name not in mine]
        transaction.on_commit(partial(_delete_files, credential, stale))
    return True


def _record_failure(credential_id, step: str, exc: Exception, *, claim: uuid.UUID) -> None:
    logger.exception("Issuance of credential %s failed at %s", credential_id, step)
    with transaction.atomic():
        # Only while this run still holds the claim: a late run's failure must not undo the winner's work.
        recorded = Credential.objects.filter(
            pk=credential_id, issuance=Credential.Issuance.RUNNING, issuance_claim=claim
        ).update(
            issuance=Credential.Issuance.FAILED,
            issuance_step=step,
            issuance_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        if recorded:
            CredentialEvent.objects.create(
                credential_id=credential_id, action="credential.issuance_failed", reason=f"{step}: {exc}"[:2000]
            )


@transaction.atomic
def retry_issuance(*, credential: Credential, actor: User) -> Credential:
    """An admin's retry of a failed issuance."""
    row = Credential.objects.select_for_update().get(pk=credential.pk)
    if row.issuance != Credential.Issuance.FAILED:
        raise DomainError("Only a failed issuance can be retried.")
    row.issuance = Credential.Issuance.PENDING
    row.save(update_fields=["issuance"])
    CredentialEvent.objects.create(credential=row, action="credential.issuance_retried", actor=actor)
    transaction.on_commit(partial(enqueue_issuance, row.pk), robust=True)
    return row


def resume_stalled_issuances() -> int:
    """Re-enqueue issuances that are pending without a task, or running past their lease (a dead worker)."""
    stale = timezone.now() - LEASE
    ids = list(
        Credential.objects.filter(
            Q(issuance=Credential.Issuance.PENDING, issued_at__lt=stale)
            | Q(issuance=Credential.Issuance.RUNNING, issuance_started_at__lt=stale)
        ).values_list("pk", flat=True)
    )
    for credential_id in ids:
        enqueue_issuance(credential_id)
    return len(ids)


def notify_holder(*, credential_id) -> bool:
    """Write the e-mail that brings the holder their certificate (the PDF and the sealed EDC, ``.jsonld``, attached)
    into the outbox, once: the credential's ``notified_at`` is claimed by compare-and-set. Called in issuance's last
    transaction, so the e-mail leaves after the credential is committed as issued."""
    claimed = Credential.objects.filter(
        pk=credential_id, notified_at__isnull=True, issuance=Credential.Issuance.DONE
    ).update(notified_at=timezone.now())
    if not claimed:
        return False
    credential = Credential.objects.select_related("holder", "profile").get(pk=credential_id)
    holder = credential.holder
    with translation.override(holder.preferred_language):
        subject = _("[AIPIA] Your European Digital Credential: %(profile)s") % {
            "profile": credential.profile.tr("title")
        }
        if credential.kind == Credential.Kind.ATTESTATION:
            opening = _(
                "Your attestation of quality and professional qualification (Law 4/2013, art. 7) has been "
                "issued; it is valid as long as your membership.\n\n"
            )
        else:
            opening = _("Congratulations! You are certified as %(profile)s.\n\n") % {
                "profile": credential.profile.tr("title")
            }
        profile_title = credential.profile.tr("title")
        links = {
            "url": f"{settings.SITE_URL.rstrip('/')}/credentials/{credential.pk}/",
            "verify": verify_url_for(credential.token),
        }
        body = (
            opening
            + _(
                "Your sealed certificate is attached. Your credential, its downloads and its verification link:\n"
                "%(url)s\n\nAnyone can check it at any time: %(verify)s\n"
            )
            % links
        )
        europass = _(
            "The sealed credential (.jsonld), a European Digital Credential, is attached too: upload it to your "
            "Europass wallet (europass.europa.eu, My Library) to keep it with your other credentials."
        )
        body += "\n" + europass + "\n"
    # The same words as HTML (credentials/email/credential_issued.html), with the profile's badge (an absolute
    # address: mail clients fetch it, or show its alternative text). Attestations are about no published profile
    # and have no badge.
    outbox.queue_email(
        to=[holder.email],
        subject=subject,
        language=holder.preferred_language,
        template="credentials/email/credential_issued",
        context={
            "body": body,
            "opening": opening.strip(),
            "profile_title": profile_title,
            "badge": badge_url(credential.profile.code, "png") if credential.profile.is_published else "",
            "europass": europass,
            **links,
        },
        attachments=[
            {"path": str(credential.pdf.name), "filename": f"{credential.serial}.pdf", "mimetype": "application/pdf"},
            {
                "path": str(credential.sealed_json.name),
                "filename": f"{credential.serial}.jsonld",
                "mimetype": "application/ld+json",
            },
        ],
        dedupe_key=f"credentials.issued:{credential.pk}",
    )
    return True
