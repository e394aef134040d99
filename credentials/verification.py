"""Verification of credentials: one module behind every entry point (QR page, API, verifier page, offline).

Every entry point produces a :class:`Report` made of the checks of DESIGN.md §3, each ``passed``,
``failed`` or ``skipped`` with a human reason:

- ``format``: the document is JSON-LD that conforms to the official EDC SHACL shapes (credentials we issued in
  the earlier form, with two W3C status entries, are read on a labelled legacy path: docs/decisions/0003); for a
  QR token, the token is well formed; when the shapes are not installed the check is skipped, visibly, and does
  not by itself make the answer undetermined;
- ``seal``: the signature is intact and the seal certificate was within its validity at signing time
  (the RFC 3161 timestamp's time when the seal carries a valid one, otherwise the claimed ``sigT``);
- ``issuer``: the seal certificate chains to a configured trust anchor at that time, and its
  organizationIdentifier equals the credential issuer's eIDASIdentifier;
- ``expiry``: now lies between ``validFrom`` and ``validUntil``;
- ``revocation`` and ``suspension``: the credential's status entries, looked up through an injected
  :data:`StatusLookup` (the server reads only the lists it publishes itself and never fetches a URL found in
  a document; the offline verifier reads downloaded lists).

"Could not check" is never "not revoked": a status entry whose list cannot be read gives a ``skipped``
check marked *inconclusive*, and then the report is not valid and its status is ``unknown``. A credential
whose validity has not begun is ``not_yet_valid`` (a renewal's successor, say), one whose validity ended is
``expired``.

The pure functions take everything they need as arguments (``trust_anchors``, ``status_lookup``,
``edc_dir``, ``keys``, ``live_status``, ``now``); left out, they are read from Django (settings and the
database) lazily, so the offline verifier can use this module without Django settings.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from aipia import jsonlimits

from . import categories, days, qr
from .keys import organization_identifier
from .seal import SIGNING_TIME_FORMAT, SealCheck, check_chain, check_seal
from .status_list import parse_status_reference

if TYPE_CHECKING:  # pragma: no cover
    from .models import Credential

logger = logging.getLogger(__name__)

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
ACTIVE, EXPIRED, SUSPENDED, REVOKED, UNKNOWN = "active", "expired", "suspended", "revoked", "unknown"
NOT_YET_VALID = "not_yet_valid"
STATUSES = (ACTIVE, NOT_YET_VALID, EXPIRED, SUSPENDED, REVOKED, UNKNOWN)
RESULTS = (PASSED, FAILED, SKIPPED)
# The checks of DESIGN.md §3, in the order they are reported; "pdf" comes first for a PDF upload.
CHECK_NAMES = ("pdf", "format", "seal", "issuer", "expiry", "revocation", "suspension")
# A failed one of these means we cannot tell what the document says: the status is "unknown".
_AUTHENTICITY = frozenset({"pdf", "format", "seal", "issuer"})
EMBEDDED_CREDENTIAL_NAME = "credential.jsonld"
_FORMAT_CACHE_SIZE = 512
# Until this instant we issued credentials in the earlier form, with two W3C BitstringStatusListEntry objects
# in credentialStatus; the official shapes admit neither (docs/decisions/0003). Such credentials keep verifying.
EARLIER_STATUS_FORM_UNTIL = datetime(2026, 12, 4, tzinfo=UTC)
XSD_ANY_URI = "http://www.w3.org/2001/XMLSchema#anyURI"

# Looks up one status entry: ``status_lookup(list_url=..., index=...)`` returns True when the bit is set
# (revoked, suspended), False when it is not, and None for a list that the looker-up does not hold (for the
# server: a list it does not publish). It may raise StatusUnavailable with a reason.
StatusLookup = Callable[..., bool | None]


class StatusUnavailable(Exception):
    """A status list could not be read; ``reason`` says why, for the report."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Detail(str):
    """A check's explanation: the English text, which the API and the offline verifier show, keeping the
    messages and values it was made of, so that a page can show it in its reader's language (``translated``).

    Build one with ``_`` below; a value may itself be a Detail (it is translated with its sentence).
    """

    parts: tuple[tuple[str, Mapping[str, Any]], ...]

    def __new__(cls, parts: Iterable[tuple[str, Mapping[str, Any]]]) -> Detail:
        parts = tuple(parts)
        text = super().__new__(cls, " ".join(message.format(**values) for message, values in parts))
        text.parts = parts
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        return (Detail, (self.parts,))

    def then(self, other: Detail) -> Detail:
        """This explanation followed by ``other``."""
        return Detail(self.parts + other.parts)

    def translated(self, gettext: Callable[[str], str], moment: Callable[[Moment], str] | None = None) -> str:
        """The explanation in the language of ``gettext`` (e.g. Django's, on a page), with each :class:`Moment`
        written by ``moment`` (e.g. as a date in the reader's language and the issuer's time zone)."""
        sentences = []
        for message, values in self.parts:
            shown = {name: _shown(value, gettext, moment) for name, value in values.items()}
            try:
                sentences.append(gettext(message).format(**shown))
            except (KeyError, IndexError, ValueError):  # a translation with a broken placeholder: the original
                sentences.append(message.format(**shown))
        return " ".join(sentences)


class Moment(str):
    """An instant in an explanation: ISO 8601 in UTC in the English text (the API and the offline verifier);
    pages write it in their reader's language. ``ends``: the instant ends a period (a validity, a suspension),
    so that a page shows the last day the period covers (docs: credentials/days.py)."""

    moment: datetime
    ends: bool

    def __new__(cls, moment: datetime, *, ends: bool = False) -> Moment:
        text = super().__new__(cls, _stamp(moment))
        text.moment = moment
        text.ends = ends
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        return (_moment_from, (self.moment, self.ends))


def _moment_from(moment: datetime, ends: bool) -> Moment:
    return Moment(moment, ends=ends)


def _shown(value: Any, gettext: Callable[[str], str], moment: Callable[[Moment], str] | None) -> Any:
    if isinstance(value, Detail):
        return value.translated(gettext, moment)
    if isinstance(value, Moment) and moment is not None:
        return moment(value)
    return value


def _(message: str, **values: Any) -> Detail:
    """One sentence of an explanation, ``message`` with ``{name}`` placeholders filled from ``values``.

    ``_`` is a keyword that ``makemessages`` extracts, so the Italian catalogue holds these sentences; this
    module stays free of Django and translates nothing itself.
    """
    return Detail(((message, values),))


def _verbatim(text: str) -> Detail:
    """An explanation that comes from elsewhere (a library's message, say): shown as it is in every language."""
    return Detail((("{text}", {"text": text}),))


# --- the report ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    name: str
    result: str  # passed | failed | skipped
    detail: str
    # False for a skipped check that leaves the answer open ("could not check"): the report is then not valid.
    # True for a check that does not apply (e.g. a credential that carries no suspension entry at all).
    conclusive: bool = True
    # For a failed expiry check: NOT_YET_VALID or EXPIRED, the status it leads to.
    outcome: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "result": self.result, "detail": self.detail}


@dataclass(frozen=True)
class CredentialSummary:
    id: str | None = None
    holder: str | None = None
    profile: str | None = None  # our profile code (e.g. ai-ml-engineer), or the title of a foreign claim
    valid_from: str | None = None  # ISO 8601, as in the credential (a date for a QR token)
    valid_until: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "id": self.id,
            "holder": self.holder,
            "profile": self.profile,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
        }


@dataclass(frozen=True)
class Report:
    valid: bool
    status: str  # active | not_yet_valid | expired | suspended | revoked | unknown
    checks: tuple[Check, ...]
    credential: CredentialSummary = field(default_factory=CredentialSummary)
    issuer_name: str | None = None
    # When the current status began and when it ends by itself, if known: the validity's start and end for an
    # active credential, its end for an expired one, its start for one not yet valid; for a suspension or a
    # revocation, what our records say (a document alone does not tell).
    status_since: datetime | None = None
    status_until: datetime | None = None
    # Why a credential is suspended or revoked: a code of credentials.categories, never the free text.
    status_category: str | None = None
    # Known for credentials we issued (from our records):
    credential_uuid: uuid.UUID | None = None
    checked_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """The public answer of DESIGN.md §4 (``POST /api/v1/verifications``)."""
        return {
            "valid": self.valid,
            "status": self.status,
            "checks": [check.as_dict() for check in self.checks],
            "credential": {
                **self.credential.as_dict(),
                "status_since": _stamp(self.status_since) if self.status_since else None,
                "status_until": _stamp(self.status_until) if self.status_until else None,
                "status_category": self.status_category,
            },
        }

    def check(self, name: str) -> Check | None:
        return next((check for check in self.checks if check.name == name), None)


def conclude(
    checks: Sequence[Check],
    *,
    credential: CredentialSummary | None = None,
    now: datetime | None = None,
    period: tuple[datetime | None, datetime | None] = (None, None),
    **extra: Any,
) -> Report:
    """The report for ``checks``: valid only when nothing failed and nothing was left undetermined.

    Status: ``unknown`` when an authenticity check (pdf, format, seal, issuer) failed or a check could not
    be done; otherwise ``revoked``, ``suspended``, then ``not_yet_valid`` or ``expired``, in that order of
    precedence; ``active`` when every check passed (or was skipped without leaving the answer open).
    ``period``: the validity's start and end as the expiry check read them, for ``status_since`` and
    ``status_until``; ``extra`` fields given (our records' dates of a suspension, say) take precedence.
    """
    failed = {check.name for check in checks if check.result == FAILED}
    undetermined = any(check.result == SKIPPED and not check.conclusive for check in checks)
    expiry = next((check for check in checks if check.name == "expiry"), None)
    if failed & _AUTHENTICITY:
        status = UNKNOWN
    elif "revocation" in failed:
        status = REVOKED
    elif "suspension" in failed:
        status = SUSPENDED
    elif "expiry" in failed:
        status = expiry.outcome if expiry is not None and expiry.outcome else UNKNOWN
    elif undetermined or failed:
        status = UNKNOWN
    else:
        status = ACTIVE
    start, end = period
    since, until = {ACTIVE: (start, end), EXPIRED: (end, None), NOT_YET_VALID: (None, start)}.get(status, (None, None))
    fields: dict[str, Any] = {"status_since": since, "status_until": until}
    fields.update({name: value for name, value in extra.items() if value is not None})
    return Report(
        valid=status == ACTIVE,
        status=status,
        checks=tuple(checks),
        credential=credential or CredentialSummary(),
        checked_at=now,
        **fields,
    )


def failure(name: str, detail: str, *, now: datetime | None = None) -> Report:
    """A report for input that could not be verified at all (e.g. not a sealed credential)."""
    return conclude([Check(name, FAILED, detail)], now=now)


# --- sealed credentials (JAdES) ------------------------------------------------------------------------------


def verify_sealed_credential(
    sealed: Any,
    *,
    trust_anchors: Sequence[x509.Certificate] | None = None,
    status_lookup: StatusLookup | None = None,
    edc_dir: Path | None = None,
    now: datetime | None = None,
) -> Report:
    """Verify a sealed credential (the parsed ``.jsonld``: JWS JSON serialization, general or flattened).

    Left out, ``trust_anchors`` are our seal certificates' CAs plus ``VERIFY_TRUST_ANCHORS_FILE``,
    ``status_lookup`` is ``credentials.status.status_bit`` (our own published lists only) and ``edc_dir`` is
    ``settings.EDC_DIR``. Never raises for bad input; fetches nothing.
    """
    now = _now(now)
    if trust_anchors is None:
        trust_anchors = default_trust_anchors()
    if status_lookup is None:
        status_lookup = default_status_lookup()
    if edc_dir is None:
        edc_dir = default_edc_dir()
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


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("`now` must be an aware datetime.")
    return now


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
    from .shacl import check_conformance

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
            return Check(
                purpose, SKIPPED, _("not checked: the status list at {host} could not be read.", host=host), False
            )
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
        verdicts.append((bit, host, index))
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


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(SIGNING_TIME_FORMAT)


# --- PDF certificates (PAdES) ---------------------------------------------------------------------------------


def verify_pdf(
    data: bytes,
    *,
    trust_anchors: Sequence[x509.Certificate] | None = None,
    status_lookup: StatusLookup | None = None,
    edc_dir: Path | None = None,
    now: datetime | None = None,
) -> Report:
    """Verify a sealed PDF certificate: its PAdES seal (reported as the ``pdf`` check), then the credential
    embedded in it as ``credential.jsonld``, exactly as :func:`verify_sealed_credential` does."""
    now = _now(now)
    if trust_anchors is None:
        trust_anchors = default_trust_anchors()
    pdf_check, embedded = _pdf_seal_and_attachment(data, trust_anchors, now)
    if embedded is None:
        skipped = [Check(name, SKIPPED, _("not checked: there is no credential to check.")) for name in CHECK_NAMES[2:]]
        missing = Check(
            "format",
            FAILED,
            _(
                "The PDF carries no embedded credential ({name}): it is not one of our sealed certificates.",
                name=EMBEDDED_CREDENTIAL_NAME,
            ),
        )
        return conclude([pdf_check, missing, *skipped], now=now)
    try:
        sealed = jsonlimits.loads(embedded)
    except (ValueError, UnicodeDecodeError):
        sealed = None
    if not isinstance(sealed, dict):
        skipped = [Check(name, SKIPPED, _("not checked: there is no credential to check.")) for name in CHECK_NAMES[2:]]
        return conclude(
            [pdf_check, Check("format", FAILED, _("The embedded credential is not JSON.")), *skipped], now=now
        )
    report = verify_sealed_credential(
        sealed, trust_anchors=trust_anchors, status_lookup=status_lookup, edc_dir=edc_dir, now=now
    )
    return conclude([pdf_check, *report.checks], credential=report.credential, now=now, issuer_name=report.issuer_name)


def _pdf_seal_and_attachment(
    data: bytes, trust_anchors: Sequence[x509.Certificate], now: datetime
) -> tuple[Check, bytes | None]:
    from pyhanko.pdf_utils.reader import PdfFileReader

    # A PDF is read by a library from bytes anyone may send: a damaged stream (zlib), a broken cross-reference
    # table, a loop of references, an encrypted file each raise something different. Whatever it is, the answer is
    # "not verified, the PDF is damaged", never an error page.
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if getattr(reader, "encrypted", False):
            return Check("pdf", FAILED, _("The PDF is encrypted: our certificates never are.")), None
        signatures = reader.embedded_signatures
        embedded = _embedded_file(reader, EMBEDDED_CREDENTIAL_NAME)
    except Exception:
        logger.info("An uploaded PDF could not be read.", exc_info=True)
        return Check("pdf", FAILED, _("The file cannot be read as a PDF: it is damaged or not a PDF.")), None
    if not signatures:
        return Check("pdf", FAILED, _("The PDF carries no seal (no PAdES signature).")), embedded
    try:
        return _pdf_seal_check(signatures[-1], trust_anchors, now), embedded
    except Exception:
        logger.info("The seal of an uploaded PDF could not be read.", exc_info=True)
        return Check("pdf", FAILED, _("The PDF's seal cannot be read: the file is damaged.")), embedded


def _embedded_file(reader: Any, name: str) -> bytes | None:
    names = reader.root.get("/Names")
    files = names.get_object().get("/EmbeddedFiles") if names is not None else None
    if files is None:
        return None
    pairs = files.get_object().get("/Names")
    if pairs is None:
        return None
    pairs = list(pairs.get_object())
    for position in range(0, len(pairs) - 1, 2):
        if str(pairs[position]) == name:
            spec = pairs[position + 1].get_object()
            return spec["/EF"]["/F"].get_object().data
    return None


def _pdf_seal_check(signature: Any, trust_anchors: Sequence[x509.Certificate], now: datetime) -> Check:
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    signed_at = signature.self_reported_timestamp or now
    roots = [asn1_x509.Certificate.load(a.public_bytes(serialization.Encoding.DER)) for a in trust_anchors]
    try:
        context = ValidationContext(trust_roots=roots, allow_fetching=False, moment=signed_at)
        status = validate_pdf_signature(signature, signer_validation_context=context)
    except Exception:  # pyHanko raises many types for damaged signatures; all mean "not intact"
        return Check("pdf", FAILED, _("The PDF's seal cannot be validated: the file is damaged or was altered."))
    if not status.intact or not status.valid:
        return Check("pdf", FAILED, _("The PDF's seal is broken: the file was altered after it was sealed."))
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return Check(
            "pdf", FAILED, _("The PDF was changed after it was sealed: the seal no longer covers the whole file.")
        )
    signer = x509.load_der_x509_certificate(signature.signer_cert.dump())
    others = [x509.load_der_x509_certificate(c.dump()) for c in signature.other_embedded_certs]
    trusted, problem = check_chain([signer, *others], trust_anchors=trust_anchors, at=signed_at)
    if not trusted:
        return Check(
            "pdf",
            FAILED,
            _("The PDF's seal is intact, but {problem} The signer is not in our trust list.", problem=problem),
        )
    return Check(
        "pdf",
        PASSED,
        _(
            "The PDF's seal is intact, covers the whole file and was made by {who}, whose certificate chains to a "
            "trust anchor (signed {moment}).",
            who=_certificate_name(signer),
            moment=_stamp(signed_at),
        ),
    )


# --- QR tokens ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveStatus:
    """What our records say about a credential now (for the QR page and the by-id answer)."""

    credential_uuid: uuid.UUID
    issued: bool
    status: str  # Credential.Status: a reinstated credential keeps its suspended_at, so the status decides
    valid_from: datetime
    valid_until: datetime
    suspended_at: datetime | None
    suspended_until: datetime | None
    suspension_category: str  # a code of credentials.categories; the free-text reasons are never read here
    revoked_at: datetime | None
    revocation_category: str
    status_version: int
    issuer_name: str


# Given a credential id, our record of it (None: we have none). May raise StatusUnavailable.
LiveStatusLookup = Callable[[uuid.UUID], LiveStatus | None]


def check_token(token: str, *, keys: Mapping[str, Any] | None = None) -> qr.TokenClaims:
    """The claims of a QR token whose signature verifies with ``keys`` (default: our published seal keys).

    Raises ``qr.InvalidToken`` with the reason otherwise. Cheap: one ECDSA verification, no database query
    once the keys are loaded (a token signed with a key this process has not seen reloads them once).
    """
    if keys is not None:
        return qr.read_token(token, keys=keys)
    try:
        return qr.read_token(token, keys=_published_keys())
    except qr.InvalidToken as error:
        if not error.unknown_key:
            raise
        return qr.read_token(token, keys=_published_keys(reload=True))


def verify_token(
    token: str,
    *,
    keys: Mapping[str, Any] | None = None,
    live_status: LiveStatusLookup | None = None,
    issuer_name: str | None = None,
    time_zone: tzinfo | None = None,
    now: datetime | None = None,
) -> Report:
    """Verify a QR token: its signature with ``keys`` (default: our published keys), then the credential's
    status from ``live_status`` (default: our database). Never raises for a bad token."""
    now = _now(now)
    try:
        claims = check_token(token, keys=keys)
    except qr.InvalidToken as error:
        return token_failure(error.reason, now=now)
    if live_status is None:
        live_status = database_live_status
    try:
        live: LiveStatus | StatusUnavailable | None = live_status(claims.credential_id)
    except StatusUnavailable as error:
        live = error
    return report_for_token(claims, live, issuer_name=issuer_name, time_zone=time_zone, now=now)


def token_failure(reason: str, *, now: datetime | None = None) -> Report:
    """The report for a token that does not verify."""
    return conclude([Check("seal", FAILED, _("The QR code does not verify: {reason}", reason=reason))], now=now)


def report_for_token(
    claims: qr.TokenClaims,
    live: LiveStatus | StatusUnavailable | None,
    *,
    issuer_name: str | None = None,
    time_zone: tzinfo | None = None,
    now: datetime | None = None,
) -> Report:
    """The report for a token whose signature verified, given our record of the credential (pure).

    Without a record, the validity is the token's: from the start of its first day to the end of its last day
    in ``time_zone``, the issuer's (default: ``settings.TIME_ZONE``); with one, the record's instants.
    """
    now = _now(now)
    summary = CredentialSummary(
        id=f"urn:uuid:{claims.credential_id}",
        holder=claims.holder_name,
        profile=claims.profile_code,
        valid_from=claims.valid_from.isoformat(),
        valid_until=claims.valid_until.isoformat(),
    )
    record = live if isinstance(live, LiveStatus) else None
    issuer = issuer_name or (record.issuer_name if record else None)
    checks = [
        Check(
            "format",
            PASSED,
            _("A well-formed QR token (compact JWS, ES256, format version 1).")
            if claims.version == qr.JWS_TOKEN_VERSION
            else _("A well-formed QR token (signed binary record, ES256, format version 2)."),
        ),
        Check("seal", PASSED, _("The token's signature is intact (seal key {kid}…).", kid=claims.kid)),
        Check(
            "issuer",
            PASSED,
            _("Signed with a published seal key of {issuer}.", issuer=issuer)
            if issuer
            else _("Signed with a published seal key."),
        ),
    ]
    if record is None or not record.issued:
        zone = time_zone or default_time_zone()
        period = (days.start_of_day(claims.valid_from, zone), days.end_of_day(claims.valid_until, zone))
        checks.append(_period_check(*period, now))
        why = (
            _("not checked: {reason}", reason=live.reason)
            if isinstance(live, StatusUnavailable)
            else _("not checked: we have no record of this credential.")
        )
        checks += [Check(name, SKIPPED, why, False) for name in ("revocation", "suspension")]
        return conclude(checks, credential=summary, now=now, period=period, issuer_name=issuer)
    checks.append(_period_check(record.valid_from, record.valid_until, now))
    checks += live_status_checks(record, now=now)
    return conclude(
        checks,
        credential=summary,
        now=now,
        period=(record.valid_from, record.valid_until),
        issuer_name=issuer,
        **live_details(record, now=now),
    )


def live_status_checks(record: LiveStatus, *, now: datetime) -> list[Check]:
    """Revocation and suspension as our records say now: that and since when, with the reason's category."""
    if _revoked(record):
        revoked = _("Revoked on {moment}.", moment=Moment(record.revoked_at)) if record.revoked_at else _("Revoked.")
        revocation = Check("revocation", FAILED, revoked.then(_category_detail(record.revocation_category)))
    else:
        revocation = Check("revocation", PASSED, _("Not revoked, according to the issuer's records now."))
    if _suspended(record, now):
        since = Moment(record.suspended_at) if record.suspended_at else "?"
        suspended = (
            _(
                "Suspended since {since}, until {until}.",
                since=since,
                until=Moment(record.suspended_until, ends=True),
            )
            if record.suspended_until
            else _("Suspended since {since}, until the issuer lifts the suspension.", since=since)
        )
        suspension = Check("suspension", FAILED, suspended.then(_category_detail(record.suspension_category)))
    else:
        suspension = Check("suspension", PASSED, _("Not suspended, according to the issuer's records now."))
    return [revocation, suspension]


def _category_detail(code: str) -> Detail:
    label = categories.label(code)
    return _("Reason: {category}.", category=_(label)) if label else Detail(())


def live_details(record: LiveStatus, *, now: datetime) -> dict[str, Any]:
    """The Report fields that only our own records give: since when a credential is suspended or revoked, until
    when a suspension lasts, and the category of the reason (for the status those records imply)."""
    details: dict[str, Any] = {"credential_uuid": record.credential_uuid}
    if _revoked(record):
        details.update(status_since=record.revoked_at, status_category=record.revocation_category or categories.OTHER)
    elif _suspended(record, now):
        details.update(
            status_since=record.suspended_at,
            status_until=record.suspended_until,
            status_category=record.suspension_category or categories.OTHER,
        )
    return details


def _revoked(record: LiveStatus) -> bool:
    return record.status == REVOKED or record.revoked_at is not None


def _suspended(record: LiveStatus, now: datetime) -> bool:
    # A suspension with an end date is over at that moment, even before the daily job records it.
    return (
        record.status == SUSPENDED
        and not _revoked(record)
        and (record.suspended_until is None or now < record.suspended_until)
    )


# --- credentials we issued ------------------------------------------------------------------------------------


def verify_issued(
    credential: Credential,
    *,
    trust_anchors: Sequence[x509.Certificate] | None = None,
    status_lookup: StatusLookup | None = None,
    now: datetime | None = None,
) -> Report:
    """The full report for a credential we issued: its stored sealed ``.jsonld`` verified like an upload,
    with the dates and the reason's category of a suspension or revocation from our records."""
    from .models import Credential as CredentialModel

    now = _now(now)
    if credential.issuance != CredentialModel.Issuance.DONE or not credential.sealed_json:
        return conclude(
            [Check("seal", SKIPPED, _("not checked: the credential is still being issued."), False)],
            credential=CredentialSummary(id=f"urn:uuid:{credential.pk}"),
            now=now,
        )
    with credential.sealed_json.open("rb") as handle:
        raw = handle.read()
    try:
        sealed = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        sealed = raw
    report = verify_sealed_credential(sealed, trust_anchors=trust_anchors, status_lookup=status_lookup, now=now)
    return with_records(report, live_status_of(credential), now=now)


def with_records(report: Report, record: LiveStatus, *, now: datetime) -> Report:
    """``report`` on one of our credentials, completed with what only our records say (:func:`live_details`)
    when its status is the one those records imply; the status itself always comes from the checks."""
    details = live_details(record, now=now)
    implied = REVOKED if _revoked(record) else SUSPENDED if _suspended(record, now) else None
    if implied is None or report.status != implied:
        return replace(report, credential_uuid=record.credential_uuid)
    return replace(report, **{"status_until": None, **details})


# The credential columns a LiveStatus is made of (read with ``values(*LIVE_FIELDS)``: no model instance needed).
LIVE_FIELDS = (
    "id",
    "issuance",
    "status",
    "valid_from",
    "valid_until",
    "suspended_at",
    "suspended_until",
    "suspension_category",
    "revoked_at",
    "revocation_category",
    "status_version",
)


def live_status_of(credential: Credential) -> LiveStatus:
    return live_status_from_row({name: getattr(credential, "pk" if name == "id" else name) for name in LIVE_FIELDS})


def live_status_from_row(row: Mapping[str, Any]) -> LiveStatus:
    from django.conf import settings

    return LiveStatus(
        credential_uuid=row["id"],
        issued=row["issuance"] == "done",
        status=row["status"],
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
        suspended_at=row["suspended_at"],
        suspended_until=row["suspended_until"],
        suspension_category=row["suspension_category"],
        revoked_at=row["revoked_at"],
        revocation_category=row["revocation_category"],
        status_version=row["status_version"],
        issuer_name=settings.ISSUER_LEGAL_NAME,
    )


def database_live_status(credential_id: uuid.UUID) -> LiveStatus | None:
    """Our record of a credential: one query by primary key."""
    from .selectors import verification_state

    row = verification_state(credential_id=credential_id)
    return live_status_from_row(row) if row is not None else None


# --- Django-side defaults -------------------------------------------------------------------------------------

_keys_lock = threading.Lock()
_keys: dict[str, Any] = {}


def _published_keys(*, reload: bool = False) -> dict[str, Any]:
    """Our seal keys by kid, loaded once per process; keys are never unpublished, so only a key this process
    has not seen (after a rotation) makes it read them again."""
    from .selectors import published_seal_certificates

    with _keys_lock:
        if reload or not _keys:
            fresh = {
                record.kid: x509.load_pem_x509_certificate(record.certificate_pem.encode()).public_key()
                for record in published_seal_certificates()
            }
            _keys.clear()
            _keys.update(fresh)
        return dict(_keys)


def forget_cached_keys() -> None:
    """For tests and key rotation."""
    with _keys_lock:
        _keys.clear()


def default_trust_anchors() -> list[x509.Certificate]:
    """The CA at the top of each of our seal certificates' chains, plus ``VERIFY_TRUST_ANCHORS_FILE``."""
    from django.conf import settings

    from .selectors import published_seal_certificates

    anchors: list[x509.Certificate] = []
    for chain_pem in published_seal_certificates().values_list("chain_pem", flat=True):
        chain = _pem_certificates(chain_pem)
        if chain and chain[-1] not in anchors:
            anchors.append(chain[-1])
    if settings.VERIFY_TRUST_ANCHORS_FILE:
        anchors += [c for c in _anchors_file(str(settings.VERIFY_TRUST_ANCHORS_FILE)) if c not in anchors]
    return anchors


@functools.lru_cache(maxsize=64)
def _pem_certificates(pem: str) -> tuple[x509.Certificate, ...]:
    return tuple(x509.load_pem_x509_certificates(pem.encode()))


def _anchors_file(path: str) -> tuple[x509.Certificate, ...]:
    return _pem_certificates(Path(path).read_text(encoding="ascii"))


def default_status_lookup() -> StatusLookup:
    """``credentials.status.status_bit``: our own published lists only; nothing is fetched."""
    from . import status

    return status.status_bit


def default_edc_dir() -> Path:
    from django.conf import settings

    return Path(settings.EDC_DIR)


def default_time_zone() -> tzinfo:
    """The issuer's time zone, in which a token's days begin and end: ``settings.TIME_ZONE``."""
    from django.conf import settings

    return days.zone(settings.TIME_ZONE)


# --- uploaded documents (API and verifier page) ---------------------------------------------------------------

JSON, PDF = "json", "pdf"


class UnreadableInput(Exception):
    """Input that is not something we can verify. ``code`` is one of "empty", "too_large" (HTTP 413),
    "not_json", "too_deeply_nested", "not_sealed" (HTTP 422) and "unknown_type"; ``status_code`` is the HTTP
    answer."""

    STATUS_CODES = {"too_large": 413, "not_sealed": 422}

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status_code = self.STATUS_CODES.get(code, 400)


def sniff(data: bytes) -> str | None:
    """ "json" or "pdf" by content (never by name or declared type), or None."""
    head = data[:1024]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if head.lstrip(b" \t\r\n")[:1] in (b"{", b"["):
        return JSON
    if b"%PDF-" in head:  # readers accept the header anywhere in the first 1024 bytes
        return PDF
    return None


def parse_sealed_json(data: bytes | str) -> dict:
    """The sealed credential in ``data``; UnreadableInput (400 not JSON, 422 JSON but not a sealed credential)."""
    try:
        value = jsonlimits.loads(data)
    except jsonlimits.TooDeeplyNested as error:
        raise UnreadableInput(
            "too_deeply_nested",
            f"This JSON is nested more than {jsonlimits.MAX_DEPTH} levels deep: it is not a sealed credential.",
        ) from error
    except (UnicodeDecodeError, ValueError) as error:
        raise UnreadableInput(
            "not_json", "This is not JSON: a sealed credential is a JSON document (.jsonld)."
        ) from error
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("payload"), str)
        or not ("signatures" in value or "protected" in value)
    ):
        raise UnreadableInput(
            "not_sealed",
            'This JSON is not a sealed credential: expected a JAdES seal, an object with "payload" and '
            '"signatures" (see docs/verification.md).',
        )
    return value


def verify_document(
    data: bytes,
    *,
    max_bytes: int,
    trust_anchors: Sequence[x509.Certificate] | None = None,
    status_lookup: StatusLookup | None = None,
    edc_dir: Path | None = None,
    now: datetime | None = None,
) -> Report:
    """Verify an uploaded file, typed by its content: a sealed credential (JSON) or a sealed PDF certificate.

    Raises UnreadableInput for an empty, oversized (413) or unrecognised file, or JSON that is not a sealed
    credential (422).
    """
    if len(data) > max_bytes:
        raise UnreadableInput("too_large", f"The file is larger than the limit of {max_bytes} bytes.")
    if not data.strip():
        raise UnreadableInput("empty", "The file is empty.")
    kind = sniff(data)
    options: dict[str, Any] = {"trust_anchors": trust_anchors, "status_lookup": status_lookup, "edc_dir": edc_dir}
    if kind == JSON:
        return verify_sealed_credential(parse_sealed_json(data), now=now, **options)
    if kind == PDF:
        return verify_pdf(data, now=now, **options)
    raise UnreadableInput(
        "unknown_type", "This file is neither a sealed credential (.jsonld, JSON) nor a PDF certificate."
    )
