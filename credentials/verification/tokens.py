"""Verifying a QR token: its signature, then what our records (or nobody) say of the credential. Pure."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import Any

from aipia import days
from credentials.documents import categories, qr
from credentials.verification.report import (
    FAILED,
    PASSED,
    REVOKED,
    SKIPPED,
    SUSPENDED,
    Check,
    CredentialSummary,
    Detail,
    Moment,
    Report,
    StatusUnavailable,
    _,
    _now,
    conclude,
)
from credentials.verification.sealed import _period_check

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
    suspension_category: str  # a code of credentials.documents.categories; the free-text reasons are never read here
    revoked_at: datetime | None
    revocation_category: str
    status_version: int
    issuer_name: str


# Given a credential id, our record of it (None: we have none). May raise StatusUnavailable.
LiveStatusLookup = Callable[[uuid.UUID], LiveStatus | None]


def check_token(token: str, *, keys: Mapping[str, Any] | Callable[[bool], Mapping[str, Any]]) -> qr.TokenClaims:
    """The claims of a QR token whose signature verifies with ``keys``; raises ``qr.InvalidToken`` with the
    reason otherwise. Cheap: one ECDSA verification.

    ``keys`` may be a function of ``reload``: a token signed with a key it has not given is checked once more
    with ``keys(True)`` (the server's published keys after a rotation: credentials/verification/server.py).
    """
    if not callable(keys):
        return qr.read_token(token, keys=keys)
    try:
        return qr.read_token(token, keys=keys(False))
    except qr.InvalidToken as error:
        if not error.unknown_key:
            raise
        return qr.read_token(token, keys=keys(True))


def verify_token(
    token: str,
    *,
    keys: Mapping[str, Any] | Callable[[bool], Mapping[str, Any]],
    live_status: LiveStatusLookup,
    time_zone: tzinfo,
    issuer_name: str | None = None,
    now: datetime | None = None,
) -> Report:
    """Verify a QR token: its signature with ``keys`` (see :func:`check_token`), then the credential's status
    from ``live_status``. Never raises for a bad token."""
    now = _now(now)
    try:
        claims = check_token(token, keys=keys)
    except qr.InvalidToken as error:
        return token_failure(error.reason, now=now)
    try:
        live: LiveStatus | StatusUnavailable | None = live_status(claims.credential_id)
    except StatusUnavailable as error:
        live = error
    return report_for_token(claims, live, issuer_name=issuer_name, time_zone=time_zone, now=now)


def token_failure(reason: str, *, now: datetime | None = None) -> Report:
    """The report for a token that does not verify."""
    return conclude([Check("seal", FAILED, _("The QR code does not verify: {reason}", reason=reason))], now=now)


def _signature_checks(claims: qr.TokenClaims, issuer: str | None) -> list[Check]:
    """What a verified signature establishes: the token's format, its integrity, and whose key signed it."""
    return [
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


def report_for_token(
    claims: qr.TokenClaims,
    live: LiveStatus | StatusUnavailable | None,
    *,
    time_zone: tzinfo,
    issuer_name: str | None = None,
    now: datetime | None = None,
) -> Report:
    """The report for a token whose signature verified, given our record of the credential (pure).

    Without a record, the validity is the token's: from the start of its first day to the end of its last day
    in ``time_zone``, the issuer's; with one, the record's instants.
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
    checks = _signature_checks(claims, issuer)
    if record is None or not record.issued:
        period = (days.start_of_day(claims.valid_from, time_zone), days.end_of_day(claims.valid_until, time_zone))
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


def with_records(report: Report, record: LiveStatus, *, now: datetime) -> Report:
    """``report`` on one of our credentials, completed with what only our records say (:func:`live_details`)
    when its status is the one those records imply; the status itself always comes from the checks."""
    details = live_details(record, now=now)
    implied = REVOKED if _revoked(record) else SUSPENDED if _suspended(record, now) else None
    if implied is None or report.status != implied:
        return replace(report, credential_uuid=record.credential_uuid)
    return replace(report, **{"status_until": None, **details})
