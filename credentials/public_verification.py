"""The verification API's answers, remembered per process while they cannot have changed.

A full verification (JSON parsing, SHACL, the seal, the chain, two status lists) costs milliseconds; the
same credential is checked again and again. An answer about one of our credentials is remembered with the
``status_version`` its status was read at (every suspension, reinstatement, revocation or expiry bumps it
in the same transaction as the published lists), and reused only while a one-row query still reads that
version — so a change is seen by the very next request, in every process. No answer outlives the moment
its verdict would change by itself (start or end of validity, end of a suspension), nor ``ANSWER_TTL``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils import timezone

from . import verification
from .memo import Memo
from .models import Credential
from .selectors import verification_state

ANSWER_TTL = 300.0
_by_document: Memo[tuple[bytes, uuid.UUID | None, int | None]] = Memo(size=2048, ttl=ANSWER_TTL)
_by_credential: Memo[tuple[bytes, int]] = Memo(size=4096, ttl=ANSWER_TTL)


def as_json(answer: dict[str, Any]) -> bytes:
    """The answer as the API sends it (UTF-8 JSON, compact, as DRF's JSON renderer writes it)."""
    return json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def document_answer(data: bytes, *, max_bytes: int) -> bytes:
    """``verification.verify_document(data)`` as the API's JSON, remembered by the SHA-256 of ``data``.

    Raises ``verification.UnreadableInput`` as ``verify_document`` does (such input is never remembered).
    """
    if len(data) > max_bytes:
        raise verification.UnreadableInput("too_large", f"The file is larger than the limit of {max_bytes} bytes.")
    digest = hashlib.sha256(data).digest()
    remembered = _by_document.get(digest)
    if remembered is not None:
        answer, credential_id, version = remembered
        if credential_id is None or _status_version(credential_id) == version:
            return answer
    report, state = _verify_document(data, max_bytes=max_bytes)
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


def verify_document(data: bytes, *, max_bytes: int) -> verification.Report:
    """``verification.verify_document(data)``, and for one of our credentials what only our records add: since
    when it is suspended or revoked, until when, and the category of the reason (never the free text)."""
    return _verify_document(data, max_bytes=max_bytes)[0]


def _verify_document(data: bytes, *, max_bytes: int) -> tuple[verification.Report, dict | None]:
    report = verification.verify_document(data, max_bytes=max_bytes)
    credential_id = _credential_id(report)
    state = verification_state(credential_id=credential_id) if credential_id else None
    if state is not None:
        report = verification.with_records(report, verification.live_status_from_row(state), now=timezone.now())
    return report, state


def issued_answer(credential_id: uuid.UUID, *, load: Callable[[], Credential | None]) -> bytes | None:
    """The report of a credential we issued (``verification.verify_issued``), remembered per status version.

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
    report = verification.verify_issued(credential)
    answer = as_json(report.as_dict())
    if state["issuance"] == Credential.Issuance.DONE:
        _by_credential.set(credential_id, (answer, state["status_version"]), ttl=_ttl(report))
    return answer


def forget() -> None:
    """For tests: drop every remembered answer."""
    _by_document.clear()
    _by_credential.clear()


def _status_version(credential_id: uuid.UUID) -> int | None:
    state = verification_state(credential_id=credential_id)
    return state["status_version"] if state else None


def _agrees(report: verification.Report, status: str) -> bool:
    """Whether the report's status checks say what our row says (both passed or failed as the row implies)."""
    expected = {
        "revocation": verification.FAILED if status == Credential.Status.REVOKED else verification.PASSED,
        "suspension": verification.FAILED if status == Credential.Status.SUSPENDED else verification.PASSED,
    }
    for name, result in expected.items():
        check = report.check(name)
        if check is None or check.result != result:
            return False
    return True


def _credential_id(report: verification.Report) -> uuid.UUID | None:
    """The credential id the report names, when it is a ``urn:uuid:`` (ours are)."""
    identifier = report.credential.id or ""
    if not identifier.startswith("urn:uuid:"):
        return None
    try:
        return uuid.UUID(identifier.removeprefix("urn:uuid:"))
    except ValueError:
        return None


def _ttl(report: verification.Report) -> float:
    """Seconds until the verdict could change by itself: validity start or end, or a suspension's end."""
    now = timezone.now()
    limit = ANSWER_TTL
    moments: list[datetime | None] = [report.status_until]
    for value in (report.credential.valid_from, report.credential.valid_until):
        moments.append(_instant(value))
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
