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

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from credentials.documents.seal import SIGNING_TIME_FORMAT

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
    so that a page shows the last day the period covers (docs: aipia/days.py)."""

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
    # Why a credential is suspended or revoked: a code of credentials.documents.categories, never the free text.
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


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("`now` must be an aware datetime.")
    return now


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(SIGNING_TIME_FORMAT)
