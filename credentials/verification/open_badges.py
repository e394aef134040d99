"""Verifying an Open Badges 3.0 credential secured as a VC-JWT (OB 3.0 §8.2): the checks of a sealed EDC, read
from a compact JWS. Pure: everything it needs is an argument; it fetches nothing.

- ``format``: a compact JWS whose claims are an ``OpenBadgeCredential``/``AchievementCredential`` with the VC Data
  Model 2.0 and OB 3.0 contexts, and whose registered claims agree with it (``iss`` = issuer id, ``jti`` = id,
  ``sub`` = subject id, ``nbf``/``exp`` = ``validFrom``/``validUntil``);
- ``seal``: the signature is intact under the key of the first ``x5c`` certificate, which was valid when it was
  made (``iat``, else ``nbf``); a JWT without ``x5c`` (a DID-based issuer, say) is not checked here: undetermined;
- ``issuer``: that certificate chains to a trust anchor, and its organizationIdentifier is an identifier the
  issuer's Profile lists (``otherIdentifier``), as the EDC's eIDAS identifier is checked;
- ``expiry``, ``revocation``, ``suspension``: as for a sealed EDC (credentials/verification/sealed.py), the
  ``BitstringStatusListEntry`` objects read through the injected status lookup.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from aipia import jsonlimits
from credentials.documents.keys import organization_identifier
from credentials.documents.seal import check_chain
from credentials.documents.status_list import CONTEXT_V2
from credentials.verification.report import (
    FAILED,
    PASSED,
    SKIPPED,
    Check,
    CredentialSummary,
    Detail,
    Report,
    StatusLookup,
    _,
    _now,
    _stamp,
    conclude,
)
from credentials.verification.sealed import (
    _certificate_name,
    _expiry_check,
    _instant,
    _status_check,
    _status_entries,
)

_OB_CONTEXT = re.compile(r"https://purl\.imsglobal\.org/spec/ob/v3p0/context(-\d+\.\d+\.\d+)?\.json")
_OB_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
_CURVES: dict[str, type[ec.EllipticCurve]] = {"256": ec.SECP256R1, "384": ec.SECP384R1, "512": ec.SECP521R1}


class NotAJwt(ValueError):
    """The text is not a compact JWS whose header and claims are JSON objects."""


def parse_jwt(token: str) -> tuple[dict, dict, bytes, bytes]:
    """The header, the claims, the signing input and the signature of a compact JWS; :class:`NotAJwt` otherwise."""
    parts = token.strip().split(".")
    if len(parts) != 3 or not all(_BASE64URL.fullmatch(part) for part in parts):
        raise NotAJwt("This is not a compact JWS (three base64url parts separated by dots).")
    try:
        header = jsonlimits.loads(_b64url_decode(parts[0]))
        claims = jsonlimits.loads(_b64url_decode(parts[1]))
        signature = _b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError, binascii.Error) as error:
        raise NotAJwt("The JWS header or claims are not base64url-encoded JSON.") from error
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise NotAJwt("The JWS header and claims must be JSON objects.")
    return header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), signature


def verify_open_badge(
    token: str,
    *,
    trust_anchors: Sequence[x509.Certificate],
    status_lookup: StatusLookup,
    now: datetime | None = None,
) -> Report:
    """The report on an Open Badges 3.0 VC-JWT. Never raises for bad input; fetches nothing."""
    now = _now(now)
    try:
        header, claims, signing_input, signature = parse_jwt(token)
    except NotAJwt as error:
        return conclude(
            [Check("format", FAILED, _("This is not an Open Badge: {problem}", problem=str(error)))], now=now
        )
    checks = [_format_check(header, claims)]
    seal_check, certificate, chain, signed_at = _seal_check(header, claims, signing_input, signature)
    checks.append(seal_check)
    checks.append(_issuer_check(certificate, chain, claims, trust_anchors, signed_at))
    period: tuple[datetime | None, datetime | None] = (None, None)
    if seal_check.result == FAILED:
        why = _("not checked: the seal is broken, so nothing the document says can be relied on.")
        checks += [Check(name, SKIPPED, why) for name in ("expiry", "revocation", "suspension")]
    else:
        period = (_instant(claims.get("validFrom")), _instant(claims.get("validUntil")))
        checks.append(_expiry_check(claims.get("validFrom"), claims.get("validUntil"), now))
        entries = _status_entries(claims)
        checks.append(_status_check("revocation", entries, status_lookup))
        checks.append(_status_check("suspension", entries, status_lookup))
    return conclude(checks, credential=_summary(claims), now=now, period=period, issuer_name=_issuer_name(claims))


# --- the checks ------------------------------------------------------------------------------------------------


def _format_check(header: dict, claims: dict) -> Check:
    problems: list[str] = []
    context = claims.get("@context")
    if not (
        isinstance(context, list)
        and len(context) >= 2
        and context[0] == CONTEXT_V2
        and isinstance(context[1], str)
        and _OB_CONTEXT.fullmatch(context[1])
    ):
        problems.append("its @context is not the VC Data Model 2.0 context followed by the Open Badges 3.0 one")
    types = claims.get("type")
    types = {value for value in (types if isinstance(types, list) else [types]) if isinstance(value, str)}
    if "VerifiableCredential" not in types or not types & _OB_TYPES:
        problems.append("its type is not VerifiableCredential and OpenBadgeCredential (or AchievementCredential)")
    if header.get("typ") not in (None, "JWT", "vc+jwt", "application/vc+jwt"):
        problems.append(f"its JOSE header type {header.get('typ')!r} is not JWT")
    issuer = claims.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if claims.get("iss") != issuer_id:
        problems.append("its iss claim is not the issuer's id")
    if "id" in claims and claims.get("jti") != claims.get("id"):
        problems.append("its jti claim is not the credential's id")
    subject = claims.get("credentialSubject")
    subject_id = subject.get("id") if isinstance(subject, dict) else None
    if claims.get("sub") != subject_id and not (subject_id is None and "sub" not in claims):
        problems.append("its sub claim is not the subject's id")
    if not isinstance(subject, dict) or not isinstance(subject.get("achievement"), dict):
        problems.append("its credentialSubject has no achievement")
    for claim, member in (("nbf", "validFrom"), ("exp", "validUntil")):
        moment = _instant(claims.get(member))
        if member in claims and moment is None:
            problems.append(f"its {member} is not a date and time")
        elif moment is not None and claims.get(claim) != int(moment.timestamp()):
            problems.append(f"its {claim} claim is not its {member}")
    if problems:
        return Check(
            "format",
            FAILED,
            _("This is not a well-formed Open Badges 3.0 credential: {problems}.", problems="; ".join(problems)),
        )
    return Check(
        "format", PASSED, _("An Open Badges 3.0 credential (W3C VC Data Model 2.0), secured as a JWT (VC-JWT).")
    )


def _seal_check(
    header: dict, claims: dict, signing_input: bytes, signature: bytes
) -> tuple[Check, x509.Certificate | None, tuple[x509.Certificate, ...], datetime | None]:
    chain = _x5c(header)
    if chain is None:
        return (
            Check("seal", FAILED, _("The JWT header's x5c is not a list of base64 DER certificates.")),
            None,
            (),
            None,
        )
    if not chain:
        return (
            Check(
                "seal",
                SKIPPED,
                _(
                    "not checked: the JWT names no certificate (x5c); this verifier checks seals by their "
                    "certificate chain, not by DIDs or keys fetched from elsewhere."
                ),
                False,
            ),
            None,
            (),
            None,
        )
    certificate = chain[0]
    try:
        intact = _signature_intact(certificate.public_key(), header.get("alg"), signature, signing_input)
    except ValueError as error:
        return (
            Check("seal", FAILED, _("The signature cannot be checked: {problem}", problem=str(error))),
            None,
            (),
            None,
        )
    if not intact:
        broken = Check("seal", FAILED, _("The signature does not match the content: it was changed after sealing."))
        return broken, None, (), None
    signed_at = _numeric(claims.get("iat")) or _numeric(claims.get("nbf"))
    if signed_at is None:
        return (
            Check("seal", FAILED, _("The JWT says neither when it was signed (iat) nor from when it is valid (nbf).")),
            certificate,
            chain,
            None,
        )
    if not certificate.not_valid_before_utc <= signed_at <= certificate.not_valid_after_utc:
        return (
            Check(
                "seal",
                FAILED,
                _(
                    "The signature is intact, but the seal certificate was not valid when it was made ({when}): it is "
                    "valid from {start} to {end}.",
                    when=_stamp(signed_at),
                    start=_stamp(certificate.not_valid_before_utc),
                    end=_stamp(certificate.not_valid_after_utc),
                ),
            ),
            certificate,
            chain,
            signed_at,
        )
    return (
        Check(
            "seal",
            PASSED,
            _(
                "The signature is intact and the seal certificate was valid when it was made ({when}).",
                when=_("claimed signing time {moment}", moment=_stamp(signed_at)),
            ),
        ),
        certificate,
        chain,
        signed_at,
    )


def _issuer_check(
    certificate: x509.Certificate | None,
    chain: tuple[x509.Certificate, ...],
    claims: dict,
    trust_anchors: Sequence[x509.Certificate],
    signed_at: datetime | None,
) -> Check:
    if certificate is None:
        return Check("issuer", SKIPPED, _("not checked: the seal is not intact."))
    identifier = organization_identifier(certificate)
    claimed = _issuer_identifiers(claims)
    who = _certificate_name(certificate)
    problems: list[Detail] = []
    trusted, chain_problem = check_chain(chain, trust_anchors=trust_anchors, at=signed_at or datetime.now(UTC))
    if not trusted:
        problems.append(_("{problem} The issuer is not in our trust list.", problem=chain_problem))
    if identifier is None:
        problems.append(_("The seal certificate of {who} has no organizationIdentifier.", who=who))
    elif identifier not in claimed:
        problems.append(
            _(
                "The seal certificate's organizationIdentifier ({identifier}) is not among the issuer's identifiers: "
                "the credential was sealed by someone else than its stated issuer.",
                identifier=identifier,
            )
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


# --- reading the credential ------------------------------------------------------------------------------------


def _summary(claims: dict) -> CredentialSummary:
    subject = claims.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    holder = None
    for identifier in subject.get("identifier") or []:
        if isinstance(identifier, dict) and identifier.get("identityType") == "name" and not identifier.get("hashed"):
            holder = _string(identifier.get("identityHash"))
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, dict) else {}
    return CredentialSummary(
        id=_string(claims.get("id")),
        holder=holder or _string(subject.get("name")),
        profile=_string(achievement.get("humanCode")) or _string(achievement.get("name")),
        valid_from=_string(claims.get("validFrom")),
        valid_until=_string(claims.get("validUntil")),
    )


def _issuer_name(claims: dict) -> str | None:
    issuer = claims.get("issuer")
    return _string(issuer.get("name")) if isinstance(issuer, dict) else None


def _issuer_identifiers(claims: dict) -> set[str]:
    issuer = claims.get("issuer")
    if not isinstance(issuer, dict):
        return set()
    entries = issuer.get("otherIdentifier")
    return {
        entry["identifier"]
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, dict) and isinstance(entry.get("identifier"), str)
    }


def _x5c(header: dict) -> tuple[x509.Certificate, ...] | None:
    values = header.get("x5c", [])
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        return None
    try:
        return tuple(x509.load_der_x509_certificate(base64.b64decode(value, validate=True)) for value in values)
    except (ValueError, binascii.Error):
        return None


def _signature_intact(public_key: Any, alg: Any, signature: bytes, data: bytes) -> bool:
    if not isinstance(alg, str) or len(alg) != 5 or alg[2:] not in _HASHES or alg[:2] not in ("ES", "RS", "PS"):
        raise ValueError(f"unsupported signature algorithm {alg!r}.")
    algorithm = _HASHES[alg[2:]]()
    try:
        if alg[:2] == "ES":
            if not isinstance(public_key, ec.EllipticCurvePublicKey) or not isinstance(
                public_key.curve, _CURVES[alg[2:]]
            ):
                raise ValueError(f"the certificate's key does not fit {alg}.")
            size = (public_key.curve.key_size + 7) // 8
            if len(signature) != 2 * size:
                return False
            r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
            public_key.verify(encode_dss_signature(r, s), data, ec.ECDSA(algorithm))
        else:
            if not isinstance(public_key, rsa.RSAPublicKey):
                raise ValueError(f"the certificate's key does not fit {alg}.")
            scheme = (
                padding.PKCS1v15()
                if alg[:2] == "RS"
                else padding.PSS(mgf=padding.MGF1(algorithm), salt_length=algorithm.digest_size)
            )
            public_key.verify(signature, data, scheme, algorithm)
    except InvalidSignature:
        return False
    return True


def _numeric(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
