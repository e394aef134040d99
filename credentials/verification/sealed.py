"""Verifying a sealed credential (JAdES): its format, seal, issuer, validity and status entries. Pure."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509

from aipia import jsonlimits
from credentials.documents.keys import organization_identifier
from credentials.documents.seal import SealCheck, check_chain, check_seal
from credentials.documents.status_list import parse_status_reference
from credentials.verification.report import (
    _FORMAT_CACHE_SIZE,
    EARLIER_STATUS_FORM_UNTIL,
    EXPIRED,
    FAILED,
    NOT_YET_VALID,
    PASSED,
    SKIPPED,
    XSD_ANY_URI,
    Check,
    CredentialSummary,
    Detail,
    Moment,
    Report,
    StatusLookup,
    StatusUnavailable,
    _,
    _now,
    _stamp,
    _verbatim,
    conclude,
)

logger = logging.getLogger(__name__)


# --- sealed credentials (JAdES) ------------------------------------------------------------------------------


def verify_sealed_credential(
    sealed: Any,
    *,
    trust_anchors: Sequence[x509.Certificate],
    status_lookup: StatusLookup,
    edc_dir: Path,
    now: datetime | None = None,
) -> Report:
    """Verify a sealed credential (the parsed ``.jsonld``: JWS JSON serialization, general or flattened), with
    the seal chained to ``trust_anchors``, status entries read through ``status_lookup`` and the EDC shapes from
    ``edc_dir`` (the server's are supplied by credentials/verification/server.py). Never raises for bad input;
    fetches nothing.
    """
    now = _now(now)
    seal = check_seal(sealed)
    checks: list[Check] = []
    document = _payload_object(seal.payload)
    checks.append(_format_check(seal, document, edc_dir))
    signed_at, seal_check = _seal_check(seal)
    checks.append(seal_check)
    checks.append(_issuer_check(seal, document, trust_anchors, signed_at))
    period: tuple[datetime | None, datetime | None] = (None, None)
    if not seal.intact or document is None:
        why = _("not checked: the seal is broken, so nothing the document says can be relied on.")
        if seal.intact:
            why = _("not checked: the sealed content is not a JSON object.")
        checks += [Check(name, SKIPPED, why) for name in ("expiry", "revocation", "suspension")]
    else:
        period = (_instant(document.get("validFrom")), _instant(_valid_until(document)))
        checks.append(_expiry_check(document.get("validFrom"), _valid_until(document), now))
        entries = _status_entries(document)
        checks.append(_status_check("revocation", entries, status_lookup))
        checks.append(_status_check("suspension", entries, status_lookup))
    return conclude(
        checks, credential=_summary(document), now=now, period=period, issuer_name=_issuer_name(document, seal)
    )


def _payload_object(payload: bytes) -> dict | None:
    try:
        value = jsonlimits.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _format_check(seal: SealCheck, document: dict | None, edc_dir: Path) -> Check:
    if not seal.payload and not seal.intact:
        return Check("format", FAILED, _("This is not a sealed credential: {problem}", problem=seal.problem))
    if document is None:
        return Check("format", FAILED, _("The sealed content is not a JSON object, so it is not a JSON-LD credential."))
    earlier_form = _in_earlier_status_form(document)
    try:
        conforms, messages = _conformance(seal.payload, document, Path(edc_dir), earlier_form=earlier_form)
    except FileNotFoundError:
        # The server's own material is missing, which says nothing about the document: the check is shown as not
        # done, and the verdict rests on the seal, the issuer and the status.
        return Check(
            "format",
            SKIPPED,
            _(
                "not checked: the official EDC contexts and shapes are not installed where this verification ran, "
                "so conformance to them could not be checked. The seal, the issuer and the status were checked."
            ),
        )
    except Exception:  # whatever makes JSON-LD or SHACL processing fail, the document cannot be read as an EDC
        logger.warning("The format check could not process a document.", exc_info=True)
        return Check("format", FAILED, _("The document cannot be processed as JSON-LD against the EDC shapes."))
    if conforms and earlier_form:
        return Check(
            "format",
            PASSED,
            _(
                "JSON-LD conforming to the official European Digital Credential shapes, except its credentialStatus: "
                "issued before {date}, in the earlier form, with two W3C status entries, which the shapes do not "
                "admit and which are read as before.",
                date=Moment(EARLIER_STATUS_FORM_UNTIL),
            ),
        )
    if conforms:
        return Check(
            "format",
            PASSED,
            _("JSON-LD conforming to the official European Digital Credential shapes (EDC generic, full)."),
        )
    shown = "; ".join(messages[:3])
    if len(messages) > 3:
        detail = _(
            "The credential does not conform to the EDC shapes: {problems} (and {more} more)",
            problems=shown,
            more=len(messages) - 3,
        )
    else:
        detail = _("The credential does not conform to the EDC shapes: {problems}", problems=shown)
    return Check("format", FAILED, detail)


def _in_earlier_status_form(document: dict) -> bool:
    """Whether ``document`` is in the form we issued until :data:`EARLIER_STATUS_FORM_UNTIL`: ``credentialStatus``
    made of W3C ``BitstringStatusListEntry`` objects pointing at lists published as ours are
    (``…/status/<purpose>/<n>``), and issued before that instant."""
    value = document.get("credentialStatus")
    entries = value if isinstance(value, list) else [value]
    if not entries or not all(
        isinstance(entry, dict)
        and entry.get("type") == "BitstringStatusListEntry"
        and _is_our_list_url(entry.get("statusListCredential"), entry.get("statusPurpose"))
        for entry in entries
    ):
        return False
    issued = _instant(document.get("issued", document.get("issuanceDate")))
    return issued is not None and issued < EARLIER_STATUS_FORM_UNTIL


def _is_our_list_url(url: Any, purpose: Any) -> bool:
    if not isinstance(url, str) or purpose not in ("revocation", "suspension"):
        return False
    head, _slash, number = url.rpartition("/")
    return head.endswith(f"/status/{purpose}") and number.isascii() and number.isdigit()


_format_cache: OrderedDict[tuple[bytes, str, bool], tuple[bool, tuple[str, ...]]] = OrderedDict()
_format_lock = threading.Lock()


def _conformance(payload: bytes, document: dict, edc_dir: Path, *, earlier_form: bool) -> tuple[bool, tuple[str, ...]]:
    # SHACL validation takes 70-200 ms; the same sealed bytes always give the same answer, so it is kept
    # per process by the payload's digest (a credential verified by id, or uploaded again, costs nothing).
    # Imported here, when a document is first checked: loading pyshacl and rdflib takes about a second, which
    # the offline verifier checking a QR token, and every process that never checks a document, need not pay.
    from credentials.documents.shacl import check_conformance

    key = (hashlib.sha256(payload).digest(), str(edc_dir), earlier_form)
    with _format_lock:
        if key in _format_cache:
            _format_cache.move_to_end(key)
            return _format_cache[key]
    report = check_conformance(document, edc_dir=edc_dir, earlier_status_form=earlier_form)
    answer = (report.conforms, tuple(report.messages))
    with _format_lock:
        _format_cache[key] = answer
        while len(_format_cache) > _FORMAT_CACHE_SIZE:
            _format_cache.popitem(last=False)
    return answer


def _seal_check(seal: SealCheck) -> tuple[datetime | None, Check]:
    if not seal.intact:
        return None, Check("seal", FAILED, _verbatim(seal.problem) if seal.problem else _("The seal is not intact."))
    signed_at, when = _signing_moment(seal)
    certificate = seal.certificate
    assert certificate is not None  # an intact seal has its certificate
    if signed_at is None:
        return None, Check(
            "seal",
            FAILED,
            _(
                "The seal carries no signing time (sigT), so its certificate's validity at signing time cannot be "
                "checked."
            ),
        )
    if not certificate.not_valid_before_utc <= signed_at <= certificate.not_valid_after_utc:
        return signed_at, Check(
            "seal",
            FAILED,
            _(
                "The signature is intact, but the seal certificate was not valid when it was made ({when}): it is "
                "valid from {start} to {end}.",
                when=when,
                start=_stamp(certificate.not_valid_before_utc),
                end=_stamp(certificate.not_valid_after_utc),
            ),
        )
    detail = _("The signature is intact and the seal certificate was valid when it was made ({when}).", when=when)
    if seal.timestamp_problem:
        detail = detail.then(_("The signature timestamp was not used: {problem}", problem=seal.timestamp_problem))
    return signed_at, Check("seal", PASSED, detail)


def _signing_moment(seal: SealCheck) -> tuple[datetime | None, Detail]:
    if seal.timestamp is not None:
        return seal.timestamp, _("timestamp {moment}", moment=_stamp(seal.timestamp))
    if seal.signing_time is not None:
        return seal.signing_time, _("claimed signing time {moment}", moment=_stamp(seal.signing_time))
    return None, Detail(())


def _issuer_check(
    seal: SealCheck, document: dict | None, trust_anchors: Sequence[x509.Certificate], signed_at: datetime | None
) -> Check:
    if not seal.intact or seal.certificate is None:
        return Check("issuer", SKIPPED, _("not checked: the seal is not intact."))
    certificate = seal.certificate
    identifier = organization_identifier(certificate)
    claimed = _eidas_identifier(document)
    who = _certificate_name(certificate)
    problems: list[Detail] = []
    trusted, chain_problem = check_chain(seal.chain, trust_anchors=trust_anchors, at=signed_at or datetime.now(UTC))
    if not trusted:
        problems.append(_("{problem} The issuer is not in our trust list.", problem=chain_problem))
    if identifier is None:
        problems.append(_("The seal certificate of {who} has no organizationIdentifier.", who=who))
    elif claimed is None:
        problems.append(_("The credential's issuer has no eIDASIdentifier."))
    elif identifier != claimed:
        problems.append(
            _(
                "The seal certificate's organizationIdentifier ({identifier}) is not the issuer's eIDASIdentifier "
                "({claimed}): the credential was sealed by someone else than its stated issuer.",
                identifier=identifier,
                claimed=claimed,
            )
        )
    elif not trusted:
        problems.append(
            _("The seal certificate's organizationIdentifier matches the issuer ({identifier}).", identifier=identifier)
        )
    if problems:
        return Check("issuer", FAILED, Detail(part for problem in problems for part in problem.parts))
    return Check(
        "issuer",
        PASSED,
        _(
            "Sealed by {who} ({identifier}), which matches the credential's issuer; the certificate chains to a "
            "trust anchor.",
            who=who,
            identifier=identifier,
        ),
    )


def _expiry_check(valid_from: Any, valid_until: Any, now: datetime) -> Check:
    """Expiry from the credential's ``validFrom`` and ``validUntil`` texts."""
    start, end = _instant(valid_from), _instant(valid_until)
    if (valid_from is not None and start is None) or (valid_until is not None and end is None):
        return Check("expiry", FAILED, _("The validity dates cannot be read."))
    return _period_check(start, end, now)


def _period_check(start: datetime | None, end: datetime | None, now: datetime) -> Check:
    """Valid from ``start`` to ``end`` (expired once past it, as the lifecycle marks it; docs/decisions/0005)."""
    if start is not None and now < start:
        return Check(
            "expiry",
            FAILED,
            _("Not yet valid: valid from {moment}.", moment=Moment(start)),
            outcome=NOT_YET_VALID,
        )
    if end is not None and now > end:
        return Check(
            "expiry", FAILED, _("Expired: it was valid until {moment}.", moment=Moment(end, ends=True)), outcome=EXPIRED
        )
    if end is None:
        return Check("expiry", PASSED, _("Valid, with no end date."))
    return Check("expiry", PASSED, _("Within its validity period, until {moment}.", moment=Moment(end, ends=True)))


class _ForeignStatus(str):
    """A ``credentialStatus`` URI in a form this verifier does not read (someone else's)."""


def _status_entries(document: dict) -> list[dict] | _ForeignStatus:
    """The status entries of ``document`` as W3C entry objects: the objects it carries (third parties' EDCs, and
    ours of the earlier form), or those named by the status reference URI our EDCs carry (a plain string, or a
    typed ``xsd:anyURI`` value object). A URI of another form is returned as a :class:`_ForeignStatus`."""
    value = document.get("credentialStatus")
    if isinstance(value, dict) and "@value" in value:
        value = value["@value"] if value.get("@type", XSD_ANY_URI) == XSD_ANY_URI else None
    if isinstance(value, str):
        references = parse_status_reference(value)
        if references is None:
            return _ForeignStatus(value)
        return [
            {
                "type": "BitstringStatusListEntry",
                "statusPurpose": reference.purpose,
                "statusListIndex": str(reference.list_index),
                "statusListCredential": reference.list_url,
            }
            for reference in references
        ]
    entries = value if isinstance(value, list) else [value] if value is not None else []
    return [entry for entry in entries if isinstance(entry, dict)]


def _entry_verdict(purpose: str, entry: dict, status_lookup: StatusLookup) -> tuple[bool, str, str] | Check:
    """One status entry's bit, with the list's host and the index; or the skipped check saying why not."""
    url, index = entry.get("statusListCredential"), entry.get("statusListIndex")
    if not isinstance(url, str) or not isinstance(index, str) or not index.isascii() or not index.isdigit():
        unreadable = (
            _("not checked: the revocation status entry cannot be read.")
            if purpose == "revocation"
            else _("not checked: the suspension status entry cannot be read.")
        )
        return Check(purpose, SKIPPED, unreadable, False)
    host = urlsplit(url).netloc or url
    try:
        bit = status_lookup(list_url=url, index=int(index))
    except StatusUnavailable as error:
        return Check(purpose, SKIPPED, _("not checked: {reason}", reason=error.reason), False)
    except Exception:  # a status we could not read must never read as "not revoked"
        return Check(purpose, SKIPPED, _("not checked: the status list at {host} could not be read.", host=host), False)
    if bit is None:
        return Check(
            purpose,
            SKIPPED,
            _(
                "not checked: the status list at {host} is not published by us; the server does not fetch "
                "other sites' URLs.",
                host=host,
            ),
            False,
        )
    return bit, host, index


def _status_check(purpose: str, entries: list[dict] | _ForeignStatus, status_lookup: StatusLookup) -> Check:
    if isinstance(entries, _ForeignStatus):
        return Check(
            purpose,
            SKIPPED,
            _(
                "not checked: the credential's status is published at {host} in a form this verifier does not read.",
                host=urlsplit(entries).netloc or "?",
            ),
            False,
        )
    mine = [entry for entry in entries if entry.get("statusPurpose") == purpose]
    if not mine:
        return Check(
            purpose,
            SKIPPED,
            _(
                "The credential carries no revocation status entry: its issuer does not publish a revocation status "
                "for it."
            )
            if purpose == "revocation"
            else _(
                "The credential carries no suspension status entry: its issuer does not publish a suspension status "
                "for it."
            ),
        )
    verdicts = []
    for entry in mine:
        verdict = _entry_verdict(purpose, entry, status_lookup)
        if isinstance(verdict, Check):
            return verdict
        verdicts.append(verdict)
    if any(bit for bit, _host, _index in verdicts):
        if purpose == "revocation":
            return Check(purpose, FAILED, _("Revoked, according to the issuer's status list."))
        return Check(purpose, FAILED, _("Suspended, according to the issuer's status list."))
    hosts = ", ".join(sorted({host for _bit, host, _index in verdicts}))
    if purpose == "revocation":
        return Check(purpose, PASSED, _("Not revoked, according to the status list published at {hosts}.", hosts=hosts))
    return Check(purpose, PASSED, _("Not suspended, according to the status list published at {hosts}.", hosts=hosts))


# --- reading the credential -----------------------------------------------------------------------------------


def _summary(document: dict | None) -> CredentialSummary:
    if document is None:
        return CredentialSummary()
    subject = _first(document.get("credentialSubject"))
    holder = None
    if isinstance(subject, dict):
        holder = _text(subject.get("fullName")) or " ".join(
            part for part in (_text(subject.get("givenName")), _text(subject.get("familyName"))) if part
        )
    return CredentialSummary(
        id=document.get("id") if isinstance(document.get("id"), str) else None,
        holder=holder or None,
        profile=_profile(subject),
        valid_from=_string(document.get("validFrom")),
        valid_until=_string(_valid_until(document)),
    )


def _profile(subject: Any) -> str | None:
    if not isinstance(subject, dict):
        return None
    claim = _first(subject.get("hasClaim"))
    if not isinstance(claim, dict):
        return None
    specification = _first(claim.get("specifiedBy"))
    if isinstance(specification, dict):
        identifier = _first(specification.get("identifier"))
        if isinstance(identifier, dict) and identifier.get("schemeName") == "AIPIA certification profile":
            return _string(identifier.get("notation"))
    return _text(claim.get("title"))


def _valid_until(document: dict) -> Any:
    return document.get("validUntil", document.get("expirationDate"))


def _eidas_identifier(document: dict | None) -> str | None:
    issuer = document.get("issuer") if document else None
    identifier = _first(issuer.get("eIDASIdentifier")) if isinstance(issuer, dict) else None
    if isinstance(identifier, dict):
        return _string(identifier.get("notation"))
    return _string(identifier)


def _issuer_name(document: dict | None, seal: SealCheck) -> str | None:
    issuer = document.get("issuer") if document else None
    if isinstance(issuer, dict):
        name = _text(issuer.get("legalName")) or _text(issuer.get("prefLabel"))
        if name:
            return name
    return _certificate_name(seal.certificate) if seal.certificate is not None else None


def _certificate_name(certificate: x509.Certificate) -> str:
    for oid in (x509.NameOID.ORGANIZATION_NAME, x509.NameOID.COMMON_NAME):
        values = certificate.subject.get_attributes_for_oid(oid)
        if values:
            value = values[0].value
            return value if isinstance(value, str) else value.decode("utf-8", "replace")
    return certificate.subject.rfc4514_string()


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _text(value: Any) -> str | None:
    """A language map's English (or first) text, or a plain string."""
    value = _first(value)
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        text = value.get("en") or next((v for v in value.values() if isinstance(v, str)), None)
        return _text(text) if isinstance(text, list) else text
    return None


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
