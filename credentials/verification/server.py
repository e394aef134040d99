"""Verification on our server: the pure checks (report, sealed, pdf, tokens, documents) given our inputs, and
every per-process cache of the public verification endpoints.

The pure modules take everything they need as arguments, so the offline verifier (offline.py) runs them with
downloaded keys and lists and no Django. This module supplies the server's inputs — our published seal keys and
their trust anchors (plus ``VERIFY_TRUST_ANCHORS_FILE``), our own status lists (``status.status_bit``, reached
through ``open_badges.status_bit``, which also reads the lists' VC-JWT URLs: nothing is ever fetched),
``settings.EDC_DIR``, the issuer's time zone, and our records of each credential — and it owns what is remembered
per process:

- verified QR tokens (a token's signature cannot stop being valid, and our keys are never unpublished) and the
  published keys themselves (reloaded once when a token names a key this process has not seen);
- the verification API's answers, by document digest or credential id, and the rendered QR pages, each kept with
  the ``status_version`` its status was read at (every suspension, reinstatement, revocation or expiry bumps it
  in the same transaction as the published lists) and reused only while a one-row query still reads that
  version — so a change is seen by the very next request, in every process. No answer outlives the moment its
  verdict would change by itself (start or end of validity, end of a suspension), nor ``ANSWER_TTL``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from cryptography import x509
from django.conf import settings
from django.utils import timezone

from aipia import days
from credentials.documents import qr
from credentials.models import Credential
from credentials.selectors import LIVE_FIELDS, published_seal_certificates, verification_state
from credentials.services import open_badges as open_badge_service
from credentials.services import token_status
from credentials.verification import documents, pdf, sealed, tokens
from credentials.verification.memo import Memo
from credentials.verification.report import (
    FAILED,
    PASSED,
    SKIPPED,
    Check,
    CredentialSummary,
    Report,
    StatusUnavailable,
    _,
    conclude,
)
from credentials.verification.tokens import LiveStatus

ANSWER_TTL = 300.0
PAGE_TTL = 300.0

_keys_lock = threading.Lock()
_keys: dict[str, Any] = {}
_verified_tokens: Memo[qr.TokenClaims] = Memo(size=8192, ttl=3600)
_pages: Memo[str] = Memo(size=2048, ttl=PAGE_TTL)
_by_document: Memo[tuple[bytes, uuid.UUID | None, int | None]] = Memo(size=2048, ttl=ANSWER_TTL)
_by_credential: Memo[tuple[bytes, int]] = Memo(size=4096, ttl=ANSWER_TTL)


# --- the server's inputs ----------------------------------------------------------------------------------------


def published_keys(reload: bool = False) -> dict[str, Any]:
    """Our seal keys by kid, loaded once per process; keys are never unpublished, so only a key this process
    has not seen (after a rotation) makes it read them again (``reload``)."""
    with _keys_lock:
        if reload or not _keys:
            fresh = {
                record.kid: x509.load_pem_x509_certificate(record.certificate_pem.encode()).public_key()
                for record in published_seal_certificates()
            }
            _keys.clear()
            _keys.update(fresh)
        return dict(_keys)


def default_trust_anchors() -> list[x509.Certificate]:
    """The CA at the top of each of our seal certificates' chains, plus ``VERIFY_TRUST_ANCHORS_FILE``."""
    anchors: list[x509.Certificate] = []
    # The QR token key's self-signed certificate verifies tokens only: it anchors no seal.
    for chain_pem in published_seal_certificates().filter(purpose="seal").values_list("chain_pem", flat=True):
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


def default_edc_dir() -> Path:
    return Path(settings.EDC_DIR)


def default_time_zone() -> tzinfo:
    """The issuer's time zone, in which a token's days begin and end: ``settings.TIME_ZONE``."""
    return days.zone(settings.TIME_ZONE)


def _inputs(options: dict[str, Any]) -> dict[str, Any]:
    """The pure checks' inputs: what the caller gave, and ours for the rest."""
    given = {name: options.get(name) for name in ("trust_anchors", "status_lookup", "edc_dir")}
    return {
        "trust_anchors": default_trust_anchors() if given["trust_anchors"] is None else given["trust_anchors"],
        # Our status lists, named by either of their URLs: the sealed JSON (EDCs), or the VC-JWT (Open Badges).
        "status_lookup": open_badge_service.status_bit if given["status_lookup"] is None else given["status_lookup"],
        "edc_dir": default_edc_dir() if given["edc_dir"] is None else given["edc_dir"],
        "now": options.get("now"),
    }


def live_status_of(credential: Credential) -> LiveStatus:
    return live_status_from_row({name: getattr(credential, "pk" if name == "id" else name) for name in LIVE_FIELDS})


def live_status_from_row(row: Mapping[str, Any]) -> LiveStatus:
    return LiveStatus(
        credential_uuid=row["id"],
        issued=row["issuance"] == Credential.Issuance.DONE,
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
    row = verification_state(credential_id=credential_id)
    return live_status_from_row(row) if row is not None else None


# --- the checks, with our inputs --------------------------------------------------------------------------------


def verify_sealed_credential(document: Any, **options: Any) -> Report:
    """:func:`sealed.verify_sealed_credential` with our trust anchors, status lists and EDC shapes (or those
    given as ``trust_anchors``, ``status_lookup``, ``edc_dir``; ``now``)."""
    return sealed.verify_sealed_credential(document, **_inputs(options))


def verify_pdf(data: bytes, **options: Any) -> Report:
    return pdf.verify_pdf(data, **_inputs(options))


def verify_document(data: bytes, *, max_bytes: int, **options: Any) -> Report:
    """An uploaded file verified with our inputs (:func:`documents.verify_document`; raises its
    ``UnreadableInput``); an SD-JWT VC's status is read from the Token Status List tokens we publish."""
    lookup = options.get("token_status_lookup") or token_status.status_value
    return documents.verify_document(data, max_bytes=max_bytes, token_status_lookup=lookup, **_inputs(options))


def check_token(token: str) -> qr.TokenClaims:
    """The claims of a QR token signed with one of our published keys, remembered once verified; raises
    ``qr.InvalidToken``. Per request on a warm process: no signature check at all."""
    claims = _verified_tokens.get(token)
    if claims is None:
        claims = tokens.check_token(token, keys=published_keys)
        _verified_tokens.set(token, claims)
    return claims


def verify_token(token: str, **options: Any) -> Report:
    """:func:`tokens.verify_token` against our keys and records (``keys``, ``live_status``, ``time_zone``,
    ``issuer_name``, ``now`` may be given)."""
    return tokens.verify_token(
        token,
        keys=published_keys if options.get("keys") is None else options["keys"],
        live_status=options.get("live_status") or database_live_status,
        time_zone=options.get("time_zone") or default_time_zone(),
        issuer_name=options.get("issuer_name"),
        now=options.get("now"),
    )


def report_for_token(claims: qr.TokenClaims, live: LiveStatus | StatusUnavailable | None, **options: Any) -> Report:
    return tokens.report_for_token(
        claims,
        live,
        time_zone=options.get("time_zone") or default_time_zone(),
        issuer_name=options.get("issuer_name"),
        now=options.get("now"),
    )


def verify_issued(credential: Credential, **options: Any) -> Report:
    """The full report for a credential we issued: its stored sealed ``.jsonld`` verified like an upload,
    with the dates and the reason's category of a suspension or revocation from our records."""
    now = options.get("now") or timezone.now()
    if credential.issuance != Credential.Issuance.DONE or not credential.sealed_json:
        return conclude(
            [Check("seal", SKIPPED, _("not checked: the credential is still being issued."), False)],
            credential=CredentialSummary(id=f"urn:uuid:{credential.pk}"),
            now=now,
        )
    with credential.sealed_json.open("rb") as handle:
        raw = handle.read()
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        document = raw
    report = verify_sealed_credential(document, **{**options, "now": now})
    return tokens.with_records(report, live_status_of(credential), now=now)


# --- the API's answers, remembered --------------------------------------------------------------------------------


def as_json(answer: dict[str, Any]) -> bytes:
    """The answer as the API sends it (UTF-8 JSON, compact, as DRF's JSON renderer writes it)."""
    return json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def document_answer(data: bytes, *, max_bytes: int) -> bytes:
    """:func:`verify_document_with_records` as the API's JSON, remembered by the SHA-256 of ``data``.

    Raises ``documents.UnreadableInput`` as ``verify_document`` does (such input is never remembered).
    """
    if len(data) > max_bytes:
        raise documents.UnreadableInput("too_large", f"The file is larger than the limit of {max_bytes} bytes.")
    digest = hashlib.sha256(data).digest()
    remembered = _by_document.get(digest)
    if remembered is not None:
        answer, credential_id, version = remembered
        if credential_id is None or _status_version(credential_id) == version:
            return answer
    report, state = _verify_with_records(data, max_bytes=max_bytes)
    answer = as_json(report.as_dict())
    credential_id = _credential_id(report)
    if state is None:
        # Not one of ours: nothing we hold can change the answer, only time.
        _by_document.set(digest, (answer, None, None), ttl=_ttl(report))
    elif _agrees(report, state["status"]):
        # The status version is read after the report, so a change could have committed in between: the
        # answer is remembered only when its status checks agree with the row read at that version.
        _by_document.set(digest, (answer, credential_id, state["status_version"]), ttl=_ttl(report))
    return answer


def verify_document_with_records(data: bytes, *, max_bytes: int) -> Report:
    """:func:`verify_document`, and for one of our credentials what only our records add: since when it is
    suspended or revoked, until when, and the category of the reason (never the free text)."""
    return _verify_with_records(data, max_bytes=max_bytes)[0]


def _verify_with_records(data: bytes, *, max_bytes: int) -> tuple[Report, dict | None]:
    report = verify_document(data, max_bytes=max_bytes)
    credential_id = _credential_id(report)
    state = verification_state(credential_id=credential_id) if credential_id else None
    if state is not None:
        report = tokens.with_records(report, live_status_from_row(state), now=timezone.now())
    return report, state


def issued_answer(credential_id: uuid.UUID, *, load: Callable[[], Credential | None]) -> bytes | None:
    """The report of a credential we issued (:func:`verify_issued`), remembered per status version.

    ``load`` reads the credential row when the answer has to be computed; None when it does not exist.
    """
    state = verification_state(credential_id=credential_id)
    if state is None:
        return None
    remembered = _by_credential.get(credential_id)
    if remembered is not None and remembered[1] == state["status_version"]:
        return remembered[0]
    credential = load()
    if credential is None:
        return None
    report = verify_issued(credential)
    answer = as_json(report.as_dict())
    if state["issuance"] == Credential.Issuance.DONE:
        _by_credential.set(credential_id, (answer, state["status_version"]), ttl=_ttl(report))
    return answer


def _status_version(credential_id: uuid.UUID) -> int | None:
    state = verification_state(credential_id=credential_id)
    return state["status_version"] if state else None


def _agrees(report: Report, status_value: str) -> bool:
    """Whether the report's status checks say what our row says (both passed or failed as the row implies)."""
    expected = {
        "revocation": FAILED if status_value == Credential.Status.REVOKED else PASSED,
        "suspension": FAILED if status_value == Credential.Status.SUSPENDED else PASSED,
    }
    for name, result in expected.items():
        check = report.check(name)
        if check is None or check.result != result:
            return False
    return True


def _credential_id(report: Report) -> uuid.UUID | None:
    """The credential id the report names, when it is a ``urn:uuid:`` (ours are)."""
    identifier = report.credential.id or ""
    if not identifier.startswith("urn:uuid:"):
        return None
    try:
        return uuid.UUID(identifier.removeprefix("urn:uuid:"))
    except ValueError:
        return None


def _ttl(report: Report) -> float:
    """Seconds until the verdict could change by itself: validity start or end, or a suspension's end."""
    moments: list[datetime | None] = [report.status_until]
    moments += [_instant(value) for value in (report.credential.valid_from, report.credential.valid_until)]
    return seconds_until(moments, limit=ANSWER_TTL)


def seconds_until(moments: Sequence[datetime | None], *, limit: float) -> float:
    """Seconds until the first of ``moments`` still ahead, at most ``limit``."""
    now = timezone.now()
    for moment in moments:
        if moment is not None and moment > now:
            limit = min(limit, (moment - now).total_seconds())
    return max(limit, 0.0)


def _instant(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    return moment


# --- rendered QR pages ----------------------------------------------------------------------------------------


def remembered_page(key: tuple) -> str | None:
    """A QR page rendered for anonymous visitors; ``key`` carries the credential, its ``status_version``, the
    verdict and the language, so a status change is seen by the very next request."""
    return _pages.get(key)


def remember_page(key: tuple, html: str, *, live: LiveStatus | None) -> None:
    """Keep ``html`` under ``key``, not past the end of validity or of a suspension."""
    moments = [live.valid_from, live.valid_until, live.suspended_until] if live else []
    _pages.set(key, html, ttl=seconds_until(moments, limit=PAGE_TTL))


def forget() -> None:
    """For tests and key rotation: drop every remembered key, token, answer and page of this process."""
    with _keys_lock:
        _keys.clear()
    for memo in (_verified_tokens, _pages, _by_document, _by_credential):
        memo.clear()
