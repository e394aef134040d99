"""Verification of an SD-JWT VC (``dc+sd-jwt``, RFC 9901 + the SD-JWT VC draft), with the checks and report of
every other input (report.py). Pure: every input is an argument.

- ``format``: an SD-JWT whose JWT has ``typ`` ``dc+sd-jwt``, the claims an SD-JWT VC needs (``iss``, ``vct``),
  and disclosures that each match a digest of the signed JWT (a disclosure added or altered fails here);
- ``seal``: the issuer's signature verifies with the key of the first ``x5c`` certificate, that certificate was
  valid at ``iat``; a key binding JWT, when present, is signed by the ``cnf.jwk`` key over this presentation's
  ``sd_hash``;
- ``issuer``: the ``x5c`` chain leads to a trust anchor at ``iat``;
- ``expiry``: ``nbf`` and ``exp``;
- ``revocation`` and ``suspension``: the IETF Token Status List entry ``status.status_list`` (``idx``, ``uri``),
  read through ``token_status_lookup(uri=…, index=…)`` → 0 valid, 1 invalid (revoked), 2 suspended, or None for a
  list it cannot read (then the checks are skipped, inconclusive: "could not check" is never "not revoked").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from cryptography import x509

from credentials.documents import jose, sd_jwt_vc
from credentials.documents.seal import check_chain
from credentials.verification.report import (
    FAILED,
    PASSED,
    SKIPPED,
    Check,
    CredentialSummary,
    Report,
    _,
    _now,
    _stamp,
    _verbatim,
    conclude,
)
from credentials.verification.sealed import _period_check

# token_status_lookup(uri=..., index=...) -> 0, 1, 2 … or None (a list it does not hold); may raise
# StatusUnavailable with a reason.
TokenStatusLookup = Callable[..., int | None]
INVALID, SUSPENDED = 1, 2


def verify_sd_jwt_vc(
    text: str,
    *,
    trust_anchors: Sequence[x509.Certificate],
    token_status_lookup: TokenStatusLookup,
    now: datetime | None = None,
) -> Report:
    now = _now(now)
    try:
        issuer_jwt, disclosures, key_binding = sd_jwt_vc.split(text)
        jws = jose.read_compact(issuer_jwt)
    except ValueError as error:
        return conclude([Check("format", FAILED, _verbatim(str(error)))], now=now)
    header, payload = jws.header, jws.payload
    claims, problems = sd_jwt_vc.disclosed_claims(payload, disclosures)
    summary = _summary(claims)
    checks: list[Check] = [_format_check(header, payload, problems)]
    signed_at = _instant(payload.get("iat"))
    chain: tuple[x509.Certificate, ...] = ()
    try:
        chain = jose.certificates_from_x5c(header.get("x5c"))
        jose.verify_signature(jws, chain[0].public_key())
    except jose.JoseError as error:
        checks.append(Check("seal", FAILED, _("The issuer's signature does not verify: {problem}", problem=error)))
        checks.append(Check("issuer", SKIPPED, _("not checked: the seal is not intact.")))
        return _finish(checks, claims, summary, payload, now, token_status_lookup, intact=False)
    checks.append(_seal_check(chain[0], signed_at, payload, issuer_jwt, disclosures, key_binding, now))
    trusted, problem = check_chain(chain, trust_anchors=trust_anchors, at=signed_at or now)
    if trusted:
        checks.append(
            Check(
                "issuer", PASSED, _("Signed by {who}; the certificate chains to a trust anchor.", who=_name(chain[0]))
            )
        )
    else:
        checks.append(Check("issuer", FAILED, _("{problem} The issuer is not in our trust list.", problem=problem)))
    return _finish(checks, claims, summary, payload, now, token_status_lookup, intact=True)


def _finish(
    checks: list[Check],
    claims: dict[str, Any],
    summary: CredentialSummary,
    payload: dict[str, Any],
    now: datetime,
    lookup: TokenStatusLookup,
    *,
    intact: bool,
) -> Report:
    start, end = _instant(payload.get("nbf")), _instant(payload.get("exp"))
    checks.append(_period_check(start, end, now))
    checks.extend(_status_checks(payload.get("status"), lookup) if intact else _skipped_status())
    return conclude(checks, credential=summary, now=now, period=(start, end))


def _format_check(header: dict[str, Any], payload: dict[str, Any], problems: list[str]) -> Check:
    if header.get("typ") not in (sd_jwt_vc.TYP, "vc+sd-jwt"):
        return Check("format", FAILED, _("The JWT's typ is not dc+sd-jwt: this is not an SD-JWT VC."))
    if payload.get("_sd_alg", "sha-256") != sd_jwt_vc.SD_ALG:
        return Check("format", FAILED, _("Unsupported disclosure digest algorithm."))
    if not isinstance(payload.get("iss"), str) or not isinstance(payload.get("vct"), str):
        return Check("format", FAILED, _("An SD-JWT VC needs the iss and vct claims."))
    if problems:
        return Check("format", FAILED, _verbatim(" ".join(problems)))
    return Check("format", PASSED, _("An SD-JWT VC whose disclosures all match the signed digests."))


def _seal_check(
    certificate: x509.Certificate,
    signed_at: datetime | None,
    payload: dict[str, Any],
    issuer_jwt: str,
    disclosures: list[str],
    key_binding: str | None,
    now: datetime,
) -> Check:
    if signed_at is None:
        return Check("seal", FAILED, _("The credential carries no issuance time (iat)."))
    if not certificate.not_valid_before_utc <= signed_at <= certificate.not_valid_after_utc:
        return Check(
            "seal",
            FAILED,
            _(
                "The signature is intact, but the certificate was not valid when it was made ({when}).",
                when=_stamp(signed_at),
            ),
        )
    detail = _(
        "The signature is intact and the certificate was valid when it was made ({when}).", when=_stamp(signed_at)
    )
    if key_binding is None:
        return Check("seal", PASSED, detail.then(_("No key binding JWT was presented.")))
    problem = _key_binding_problem(payload, issuer_jwt, disclosures, key_binding, now)
    if problem is not None:
        return Check("seal", FAILED, detail.then(_("The key binding JWT is not valid: {problem}", problem=problem)))
    return Check("seal", PASSED, detail.then(_("The holder's key binding JWT is valid.")))


def _key_binding_problem(
    payload: dict[str, Any], issuer_jwt: str, disclosures: list[str], key_binding: str, now: datetime
) -> str | None:
    confirmation = payload.get("cnf")
    if not isinstance(confirmation, dict) or "jwk" not in confirmation:
        return "the credential names no holder key (cnf.jwk)."
    try:
        jws = jose.read_compact(key_binding)
        if jws.header.get("typ") != sd_jwt_vc.KB_TYP:
            return "its typ is not kb+jwt."
        jose.verify_signature(jws, jose.public_key_from_jwk(confirmation["jwk"]))
    except jose.JoseError as error:
        return str(error)
    if jws.payload.get("sd_hash") != sd_jwt_vc.sd_hash(issuer_jwt, disclosures):
        return "its sd_hash does not match this presentation."
    issued = _instant(jws.payload.get("iat"))
    if issued is None or (issued - now).total_seconds() > 300:
        return "its iat is missing or in the future."
    return None


def _status_checks(status: Any, lookup: TokenStatusLookup) -> list[Check]:
    reference = status.get("status_list") if isinstance(status, dict) else None
    if reference is None:
        return [
            Check("revocation", SKIPPED, _("not applicable: the credential names no status list.")),
            Check("suspension", SKIPPED, _("not applicable: the credential names no status list.")),
        ]
    uri, index = (reference.get("uri"), reference.get("idx")) if isinstance(reference, dict) else (None, None)
    try:
        value = lookup(uri=uri, index=index) if isinstance(uri, str) and isinstance(index, int) else None
    except Exception as error:
        reason = getattr(error, "reason", str(error))
        value, unavailable = None, reason
    else:
        unavailable = None
    if value is None:
        detail = _(
            "not checked: the status list {uri} could not be read ({reason}).",
            uri=str(uri),
            reason=unavailable or "not one of ours",
        )
        return [Check("revocation", SKIPPED, detail, False), Check("suspension", SKIPPED, detail, False)]
    revoked = (
        Check("revocation", FAILED, _("Revoked: the status list reads INVALID."))
        if value == INVALID
        else Check("revocation", PASSED, _("Not revoked (status list {uri}, index {index}).", uri=uri, index=index))
    )
    suspended = (
        Check("suspension", FAILED, _("Suspended: the status list reads SUSPENDED."))
        if value == SUSPENDED
        else Check("suspension", PASSED, _("Not suspended (status list {uri}, index {index}).", uri=uri, index=index))
    )
    return [revoked, suspended]


def _skipped_status() -> list[Check]:
    detail = _("not checked: the seal is not intact.")
    return [Check("revocation", SKIPPED, detail), Check("suspension", SKIPPED, detail)]


def _summary(claims: dict[str, Any]) -> CredentialSummary:
    names = [claims.get("given_name"), claims.get("family_name")]
    holder = " ".join(str(name) for name in names if isinstance(name, str) and name) or None
    start, end = _instant(claims.get("nbf")), _instant(claims.get("exp"))
    identifier = claims.get("credential_id")
    title = claims.get("achievement_title")
    return CredentialSummary(
        id=identifier if isinstance(identifier, str) else None,
        holder=holder,
        profile=title if isinstance(title, str) else None,
        valid_from=_stamp(start) if start else None,
        valid_until=_stamp(end) if end else None,
    )


def _instant(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _name(certificate: x509.Certificate) -> str:
    from cryptography.x509.oid import NameOID

    names = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    value = names[0].value if names else certificate.subject.rfc4514_string()
    return value if isinstance(value, str) else value.decode("utf-8")
