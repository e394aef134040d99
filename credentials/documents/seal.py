"""JAdES seals (ETSI TS 119 182-1) in the shape Europass uses: JWS JSON serialization with an unencoded payload.

Pure module: bytes and dicts in, bytes and dicts out. See docs/verification.md for the format.

A sealed credential is::

    {"payload": "<the credential JSON, as a string>",
     "signatures": [{"protected": "<b64url(header JSON)>",
                     "header": {"etsiU": ["<b64url(sigTst JSON)>"]},   # B-T only
                     "signature": "<b64url(signature)>"}]}

and the signing input is ``ASCII(protected) || "." || UTF-8(payload)`` (RFC 7797, ``b64: false``).
The protected header mirrors the Europass (DSS) samples: ``alg, cty, kid, x5t#S256, x5c, typ, b64, sigT, crit``,
where ``kid`` is, as JAdES prescribes, the base64 DER IssuerSerial of the seal certificate; verifiers find our
certificate by ``x5t#S256`` (the ``kid`` of our JWKS).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import itertools
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from asn1crypto import cms
from asn1crypto import tsp as _tsp  # noqa: F401 - registers the TSTInfo content type with cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from aipia import jsonlimits
from credentials.documents.keys import SealKey, b64url, certificate_thumbprint

# Given the SHA-256 digest of the data to timestamp, return a DER RFC 3161 TimeStampToken (CMS ContentInfo).
TsaFetch = Callable[[bytes], bytes]

SIGNING_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# Header parameters that may be listed in "crit" and that we understand. "adoTst" (a timestamp over the data,
# present in the Europass samples) and the informational JAdES parameters do not change what is signed.
# "sigD" (detached payloads) does, so a seal that depends on it is refused.
_UNDERSTOOD_CRITICAL = frozenset({"b64", "sigT", "adoTst", "sigX5ts", "srCms", "srAts", "sigPl", "sigPId"})
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
_CURVES: dict[str, type[ec.EllipticCurve]] = {"256": ec.SECP256R1, "384": ec.SECP384R1, "512": ec.SECP521R1}
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_IMPRINT_HASHES = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}


def seal(
    payload: bytes,
    key: SealKey,
    *,
    signing_time: datetime,
    tsa_url: str | None = None,
    tsa_fetch: TsaFetch | None = None,
) -> dict:
    """Seal `payload` (UTF-8 bytes, normally the credential JSON) as a JAdES baseline B-B signature.

    With `tsa_url` (or an injected `tsa_fetch`), the result is B-T: an RFC 3161 timestamp over the
    base64url signature value, in the unprotected header's `etsiU` as `sigTst`. The HTTP call to the
    timestamp authority runs in its own event loop, so call this from synchronous code (a Celery task).
    ES256 signatures use RFC 6979 deterministic ECDSA: the same inputs give the same seal.
    Raises ValueError for a payload that is not UTF-8 or a naive `signing_time`, and the timestamp client's
    errors when the authority fails.
    """
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError("The payload to seal must be UTF-8.") from error
    if signing_time.tzinfo is None:
        raise ValueError("signing_time must be an aware datetime.")
    alg = key.jose_alg
    header = {
        "alg": alg,
        "cty": "octet-stream",  # as in the Europass samples
        "kid": issuer_serial(key.certificate),
        "x5t#S256": key.kid,
        "x5c": [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode("ascii") for c in key.chain],
        "typ": "jose+json",
        "b64": False,
        "sigT": signing_time.astimezone(UTC).strftime(SIGNING_TIME_FORMAT),
        "crit": ["b64", "sigT"],
    }
    protected = b64url(json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    signature = b64url(key.sign_jose(protected.encode("ascii") + b"." + payload))
    entry: dict[str, Any] = {"protected": protected}
    if tsa_url or tsa_fetch:
        fetch = tsa_fetch or http_timestamp_fetch(tsa_url or "")
        token = fetch(hashlib.sha256(signature.encode("ascii")).digest())
        *_, problem = _read_timestamp(token, signature)
        if problem:
            raise ValueError(f"The timestamp authority returned an unusable token: {problem}")
        sig_tst = {"sigTst": {"tstTokens": [{"val": base64.b64encode(token).decode("ascii")}]}}
        entry["header"] = {"etsiU": [b64url(json.dumps(sig_tst, separators=(",", ":")).encode("ascii"))]}
    entry["signature"] = signature
    return {"payload": text, "signatures": [entry]}


def http_timestamp_fetch(url: str, *, timeout: int = 10) -> TsaFetch:
    """A `TsaFetch` asking the RFC 3161 authority at `url` through pyHanko."""
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return timestamper_fetch(HTTPTimeStamper(url, timeout=timeout))


def timestamper_fetch(timestamper: Any) -> TsaFetch:
    """Adapt any pyHanko `TimeStamper` (HTTP, or the in-process `DummyTimeStamper` in tests) to a `TsaFetch`."""

    def fetch(digest: bytes) -> bytes:
        return asyncio.run(timestamper.async_timestamp(digest, "sha256")).dump()

    return fetch


def issuer_serial(certificate: x509.Certificate) -> str:
    """JAdES `kid`: base64 of the DER IssuerSerial (RFC 5035) naming the certificate's issuer and serial."""
    issuer = asn1_x509.Name.load(certificate.issuer.public_bytes())
    value = cms.IssuerSerial(
        {
            "issuer": asn1_x509.GeneralNames([asn1_x509.GeneralName(name="directory_name", value=issuer)]),
            "serial": certificate.serial_number,
        }
    )
    return base64.b64encode(value.dump()).decode("ascii")


@dataclass(frozen=True)
class SealCheck:
    """What `check_seal` found. Trust in the certificate is a separate question: see `check_chain`."""

    intact: bool  # the signature is valid over protected header + payload
    payload: bytes
    header: dict  # the protected header
    certificate: x509.Certificate | None
    chain: tuple[x509.Certificate, ...]
    signing_time: datetime | None  # the claimed sigT
    problem: str | None  # why not intact, or what is malformed
    timestamp: datetime | None = None  # genTime of a sigTst whose imprint and TSA signature check out
    timestamp_chain: tuple[x509.Certificate, ...] = ()  # the TSA's certificates as embedded, signer first
    timestamp_problem: str | None = None  # why a present sigTst was not accepted


class _Malformed(Exception):
    pass


def check_seal(sealed: dict) -> SealCheck:
    """Check the signature of a sealed credential (general or flattened JWS JSON serialization).

    Never raises on bad input: anything malformed gives `intact=False` with a `problem`. The certificate
    is taken from `x5c` and must match `x5t#S256` when that is present; it is not checked for trust here.
    """
    payload = b""
    header: dict = {}
    chain: tuple[x509.Certificate, ...] = ()
    signing_time = None
    try:
        entry, payload_text = _single_signature(sealed)
        header = _protected_header(entry)
        protected = entry["protected"]
        unencoded = header.get("b64", True) is False
        payload = payload_text.encode("utf-8") if unencoded else _b64url_decode(payload_text, "payload")
        chain = _x5c(header)
        signing_time = _signing_time(header)
        signature_text = entry.get("signature")
        if not isinstance(signature_text, str):
            raise _Malformed("The signature is missing.")
        signature = _b64url_decode(signature_text, "signature")
        signing_input = protected.encode("ascii") + b"." + (payload if unencoded else payload_text.encode("ascii"))
        if not _verify(chain[0].public_key(), header["alg"], signature, signing_input):
            return SealCheck(
                intact=False,
                payload=payload,
                header=header,
                certificate=chain[0],
                chain=chain,
                signing_time=signing_time,
                problem="The signature does not match the sealed content: it was altered after sealing.",
            )
    except _Malformed as error:
        return SealCheck(
            intact=False,
            payload=payload,
            header=header,
            certificate=chain[0] if chain else None,
            chain=chain,
            signing_time=signing_time,
            problem=str(error),
        )
    timestamp, timestamp_chain, timestamp_problem = _signature_timestamp(entry, signature_text)
    return SealCheck(
        intact=True,
        payload=payload,
        header=header,
        certificate=chain[0],
        chain=chain,
        signing_time=signing_time,
        problem=None,
        timestamp=timestamp,
        timestamp_chain=timestamp_chain,
        timestamp_problem=timestamp_problem,
    )


def check_chain(
    chain: Sequence[x509.Certificate], *, trust_anchors: Sequence[x509.Certificate], at: datetime
) -> tuple[bool, str | None]:
    """Whether `chain` (end-entity first) leads to one of `trust_anchors`, with every certificate valid at `at`.

    Each certificate must be signed by the next one in the chain, or, for the last, by a trust anchor (or be
    one). Every issuer must be a CA (basicConstraints CA, keyCertSign when keyUsage is present, pathLen
    respected). Returns (True, None) or (False, a human-readable reason). Revocation is not checked here.
    """
    if at.tzinfo is None:
        raise ValueError("`at` must be an aware datetime.")
    if not chain:
        return False, "There is no certificate to check."
    anchors = list(trust_anchors)
    path: list[x509.Certificate] = []
    for certificate in chain:
        path.append(certificate)
        if certificate in anchors:
            break
    else:
        anchor = next((a for a in anchors if a.subject == path[-1].issuer and _signed_by(path[-1], a)), None)
        if anchor is None:
            return False, f"{_describe(path[-1])} does not chain to a configured trust anchor."
        path.append(anchor)
    for certificate in path:
        if not certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc:
            return False, (
                f"{_describe(certificate)} is not valid at {at.astimezone(UTC):{SIGNING_TIME_FORMAT}} "
                f"(valid from {certificate.not_valid_before_utc:{SIGNING_TIME_FORMAT}} "
                f"to {certificate.not_valid_after_utc:{SIGNING_TIME_FORMAT}})."
            )
    for depth, (child, issuer) in enumerate(itertools.pairwise(path)):
        if not _signed_by(child, issuer):
            return False, f"{_describe(child)} is not signed by {_describe(issuer)}."
        problem = _ca_problem(issuer, intermediates_below=depth)
        if problem:
            return False, problem
    return True, None


# --- signing and verifying -----------------------------------------------------------------------------------


def _verify(public_key: Any, alg: Any, signature: bytes, data: bytes) -> bool:
    if not isinstance(alg, str) or len(alg) != 5 or alg[2:] not in _HASHES:
        raise _Malformed(f"Unsupported signature algorithm {alg!r}.")
    family, bits = alg[:2], alg[2:]
    algorithm = _HASHES[bits]()
    try:
        if family == "ES":
            if not isinstance(public_key, ec.EllipticCurvePublicKey) or not isinstance(public_key.curve, _CURVES[bits]):
                raise _Malformed(f"The certificate's key does not fit {alg}.")
            size = (public_key.curve.key_size + 7) // 8
            if len(signature) != 2 * size:
                return False
            r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
            public_key.verify(encode_dss_signature(r, s), data, ec.ECDSA(algorithm))
        elif family in ("RS", "PS"):
            if not isinstance(public_key, rsa.RSAPublicKey):
                raise _Malformed(f"The certificate's key does not fit {alg}.")
            scheme = (
                padding.PKCS1v15()
                if family == "RS"
                else padding.PSS(mgf=padding.MGF1(algorithm), salt_length=algorithm.digest_size)
            )
            public_key.verify(signature, data, scheme, algorithm)
        else:
            raise _Malformed(f"Unsupported signature algorithm {alg!r}.")
    except InvalidSignature:
        return False
    return True


# --- parsing -------------------------------------------------------------------------------------------------


def _single_signature(sealed: Any) -> tuple[dict, str]:
    if isinstance(sealed, bytes | str):
        try:
            sealed = jsonlimits.loads(sealed)
        except ValueError as error:
            raise _Malformed("The sealed credential is not JSON.") from error
    if not isinstance(sealed, dict):
        raise _Malformed("The sealed credential is not a JSON object.")
    payload = sealed.get("payload")
    if not isinstance(payload, str):
        raise _Malformed("The sealed credential has no payload string.")
    if "signatures" in sealed:
        signatures = sealed["signatures"]
        if not isinstance(signatures, list) or len(signatures) != 1 or not isinstance(signatures[0], dict):
            raise _Malformed("Expected exactly one signature.")
        return signatures[0], payload
    if "protected" in sealed:
        return sealed, payload
    raise _Malformed("The sealed credential has no signature.")


def _protected_header(entry: dict) -> dict:
    protected = entry.get("protected")
    if not isinstance(protected, str) or not protected.isascii():
        raise _Malformed("The protected header is missing.")
    try:
        header = jsonlimits.loads(_b64url_decode(protected, "protected header"))
    except ValueError as error:
        raise _Malformed("The protected header is not JSON.") from error
    if not isinstance(header, dict):
        raise _Malformed("The protected header is not a JSON object.")
    if "alg" not in header:
        raise _Malformed("The protected header has no alg.")
    if "b64" in header and not isinstance(header["b64"], bool):
        raise _Malformed("b64 must be a boolean.")
    crit = header.get("crit", [])
    if not isinstance(crit, list) or not all(isinstance(name, str) for name in crit):
        raise _Malformed("crit must be a list of header names.")
    for name in crit:
        if name not in _UNDERSTOOD_CRITICAL:
            raise _Malformed(f"Unsupported critical header parameter {name!r}.")
        if name not in header:
            raise _Malformed(f"Critical header parameter {name!r} is missing.")
    if "b64" in header and "b64" not in crit:
        raise _Malformed("b64 must be listed in crit (RFC 7797).")
    return header


def _x5c(header: dict) -> tuple[x509.Certificate, ...]:
    encoded = header.get("x5c")
    if not isinstance(encoded, list) or not encoded:
        raise _Malformed("The protected header carries no certificate (x5c).")
    try:
        chain = tuple(x509.load_der_x509_certificate(base64.b64decode(item, validate=True)) for item in encoded)
    except (TypeError, ValueError, binascii.Error) as error:
        raise _Malformed("A certificate in x5c cannot be read.") from error
    thumbprint = header.get("x5t#S256")
    if thumbprint is not None and thumbprint != certificate_thumbprint(chain[0]):
        raise _Malformed("x5t#S256 does not match the first certificate in x5c.")
    return chain


def _signing_time(header: dict) -> datetime | None:
    if "sigT" not in header:
        return None
    try:
        return datetime.strptime(header["sigT"], SIGNING_TIME_FORMAT).replace(tzinfo=UTC)
    except (TypeError, ValueError) as error:
        raise _Malformed(f"sigT {header['sigT']!r} is not a UTC time like 2024-01-31T12:00:00Z.") from error


def _b64url_decode(text: str, what: str) -> bytes:
    if not isinstance(text, str) or not _BASE64URL.fullmatch(text):
        raise _Malformed(f"The {what} is not base64url.")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise _Malformed(f"The {what} is not base64url.") from error


# --- timestamps (B-T) ----------------------------------------------------------------------------------------


def _signature_timestamp(
    entry: dict, signature_text: str
) -> tuple[datetime | None, tuple[x509.Certificate, ...], str | None]:
    """The first sigTst token in etsiU: (genTime, TSA certificates, problem)."""
    unprotected = entry.get("header")
    if not isinstance(unprotected, dict) or not isinstance(unprotected.get("etsiU"), list):
        return None, (), None
    for item in unprotected["etsiU"]:
        try:
            # JAdES allows each etsiU element as base64url JSON (Europass does this) or as clear JSON.
            value = jsonlimits.loads(_b64url_decode(item, "etsiU")) if isinstance(item, str) else item
            tokens = value["sigTst"]["tstTokens"] if isinstance(value, dict) and "sigTst" in value else None
            if tokens is None:
                continue
            token = base64.b64decode(tokens[0]["val"], validate=True)
        except (_Malformed, ValueError, KeyError, IndexError, TypeError, binascii.Error):
            return None, (), "The signature timestamp (sigTst) cannot be read."
        return _read_timestamp(token, signature_text)
    return None, (), None


def _read_timestamp(
    token: bytes, signature_text: str
) -> tuple[datetime | None, tuple[x509.Certificate, ...], str | None]:
    """Check an RFC 3161 token against the JAdES sigTst imprint: a hash of the ASCII base64url signature."""
    try:
        content_info = cms.ContentInfo.load(token)
        signed_data = content_info["content"]
        encapsulated = signed_data["encap_content_info"]
        if encapsulated["content_type"].native != "tst_info":
            return None, (), "The timestamp token holds no TSTInfo."
        tst_info = encapsulated["content"].parsed
        imprint = tst_info["message_imprint"]
        hash_name = imprint["hash_algorithm"]["algorithm"].native
        if hash_name not in _IMPRINT_HASHES:
            return None, (), f"The timestamp uses an unsupported hash {hash_name}."
        if imprint["hashed_message"].native != _IMPRINT_HASHES[hash_name](signature_text.encode("ascii")).digest():
            return None, (), "The timestamp is not over this signature."
        signer_info = signed_data["signer_infos"][0]
        embedded = [c.chosen for c in signed_data["certificates"] if c.name == "certificate"]
        signer = next((c for c in embedded if _identifies(signer_info["sid"], c)), None)
        if signer is None:
            return None, (), "The timestamp authority's certificate is not in the token."
        intact = _tst_signature_intact(signer_info, signer, encapsulated["content"].contents)
        if not intact:
            return None, (), "The timestamp token's signature is not valid."
        others = [c for c in embedded if c is not signer]
        certificates = tuple(x509.load_der_x509_certificate(c.dump()) for c in [signer, *others])
        return tst_info["gen_time"].native.astimezone(UTC), certificates, None
    except (ValueError, KeyError, IndexError, TypeError) as error:
        return None, (), f"The timestamp token cannot be read ({error.__class__.__name__})."


def _identifies(sid: cms.SignerIdentifier, certificate: asn1_x509.Certificate) -> bool:
    if sid.name == "issuer_and_serial_number":
        return (
            sid.chosen["issuer"] == certificate.issuer
            and sid.chosen["serial_number"].native == certificate.serial_number
        )
    return sid.chosen.native == certificate.key_identifier


def _tst_signature_intact(signer_info: cms.SignerInfo, signer: asn1_x509.Certificate, content: bytes) -> bool:
    from pyhanko.sign.validation.generic_cms import validate_sig_integrity

    digest_name = signer_info["digest_algorithm"]["algorithm"].native
    if digest_name not in _IMPRINT_HASHES:
        return False
    try:
        digest = _IMPRINT_HASHES[digest_name](content).digest()
        intact, valid = validate_sig_integrity(signer_info, signer, "tst_info", digest)
    except (ValueError, KeyError, TypeError, NotImplementedError):  # pyHanko's validation errors are ValueErrors
        return False
    return intact and valid


# --- certificates --------------------------------------------------------------------------------------------


def _signed_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _ca_problem(issuer: x509.Certificate, *, intermediates_below: int) -> str | None:
    try:
        constraints = issuer.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return f"{_describe(issuer)} is not a CA certificate (no basicConstraints)."
    if not constraints.ca:
        return f"{_describe(issuer)} is not a CA certificate."
    if constraints.path_length is not None and intermediates_below > constraints.path_length:
        return f"{_describe(issuer)} allows {constraints.path_length} intermediate CA(s), not {intermediates_below}."
    try:
        usage = issuer.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None
    if not usage.key_cert_sign:
        return f"{_describe(issuer)} may not sign certificates (keyUsage)."
    return None


def _describe(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    name = names[0].value if names else certificate.subject.rfc4514_string()
    return f"Certificate {name!r}"
