"""Compact JWS (RFC 7515) for the wallet formats: signed with the seal key, read and checked against a JWK.

Pure module: no Django. Every signature we make goes through :meth:`SealKey.sign_jose` (one signing path for the
JAdES seal and the wallet formats, so a key held in an HSM or a remote service only has to provide that method).
Verification accepts the algorithms a wallet key or our seal key may use: ES256, ES384, ES512, RS256, PS256
(and their larger hashes), and EdDSA with Ed25519; never ``none`` nor an HMAC.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from credentials.documents.keys import SealKey, b64url

_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
_CURVES: dict[str, tuple[str, type[ec.EllipticCurve]]] = {
    "ES256": ("P-256", ec.SECP256R1),
    "ES384": ("P-384", ec.SECP384R1),
    "ES512": ("P-521", ec.SECP521R1),
}
_CURVE_BY_NAME = {name: curve for name, curve in _CURVES.values()}
ASYMMETRIC_ALGORITHMS = ("ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA")
# A JWS larger than this is not read at all (a credential is a few kilobytes).
MAX_JWS_LENGTH = 256 * 1024


class JoseError(ValueError):
    """A JWS or JWK that cannot be read, or a signature that does not verify; the message says which."""


@dataclass(frozen=True)
class CompactJws:
    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes


def b64url_decode(text: str, what: str) -> bytes:
    if not isinstance(text, str) or not _BASE64URL.fullmatch(text) or len(text) % 4 == 1:
        raise JoseError(f"The {what} is not base64url.")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise JoseError(f"The {what} is not base64url.") from error


def b64url_json(value: Any) -> str:
    return b64url(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def sign_compact(header: dict[str, Any], payload: dict[str, Any], key: SealKey) -> str:
    """A compact JWS over ``payload`` with ``header`` (``alg`` set to the key's), signed by the seal key."""
    header = {**header, "alg": key.jose_alg}
    signing_input = b64url_json(header) + "." + b64url_json(payload)
    return signing_input + "." + b64url(key.sign_jose(signing_input.encode("ascii")))


def x5c_of(key: SealKey) -> list[str]:
    """The seal certificate chain as a JOSE ``x5c`` (standard base64 DER, seal certificate first)."""
    return [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode("ascii") for c in key.chain]


def read_compact(token: str) -> CompactJws:
    """Split and decode a compact JWS; the signature is not checked. Raises :class:`JoseError`."""
    if not isinstance(token, str) or len(token) > MAX_JWS_LENGTH:
        raise JoseError("This is not a compact JWS.")
    parts = token.split(".")
    if len(parts) != 3:
        raise JoseError("A compact JWS has three parts separated by dots.")
    header = _json_object(b64url_decode(parts[0], "JWS header"), "JWS header")
    payload = _json_object(b64url_decode(parts[1], "JWS payload"), "JWS payload")
    signature = b64url_decode(parts[2], "JWS signature") if parts[2] else b""
    return CompactJws(header, payload, (parts[0] + "." + parts[1]).encode("ascii"), signature)


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise JoseError(f"The {what} is not JSON.") from error
    if not isinstance(value, dict):
        raise JoseError(f"The {what} is not a JSON object.")
    return value


def public_key_from_jwk(jwk: Any) -> Any:
    """The public key a JWK (RFC 7517) describes: EC (P-256, P-384, P-521), RSA (≥ 2048 bits) or OKP Ed25519.

    Refuses a JWK that carries private key material (``d``): a holder never sends its private key.
    """
    if not isinstance(jwk, dict):
        raise JoseError("The key is not a JWK object.")
    if "d" in jwk or "p" in jwk:
        raise JoseError("The JWK holds private key material; only the public key may be sent.")
    kty = jwk.get("kty")
    try:
        if kty == "EC":
            curve = _CURVE_BY_NAME.get(jwk.get("crv", ""))
            if curve is None:
                raise JoseError(f"Unsupported EC curve {jwk.get('crv')!r}.")
            x = int.from_bytes(b64url_decode(jwk.get("x", ""), "JWK x"), "big")
            y = int.from_bytes(b64url_decode(jwk.get("y", ""), "JWK y"), "big")
            return ec.EllipticCurvePublicNumbers(x, y, curve()).public_key()
        if kty == "RSA":
            n = int.from_bytes(b64url_decode(jwk.get("n", ""), "JWK n"), "big")
            e = int.from_bytes(b64url_decode(jwk.get("e", ""), "JWK e"), "big")
            if n.bit_length() < 2048:
                raise JoseError("RSA keys must have at least 2048 bits.")
            return rsa.RSAPublicNumbers(e, n).public_key()
        if kty == "OKP" and jwk.get("crv") == "Ed25519":
            return ed25519.Ed25519PublicKey.from_public_bytes(b64url_decode(jwk.get("x", ""), "JWK x"))
    except ValueError as error:
        if isinstance(error, JoseError):
            raise
        raise JoseError(f"The JWK does not describe a valid public key: {error}.") from error
    raise JoseError(f"Unsupported key type {kty!r}.")


def public_key_from_certificate(certificate: x509.Certificate) -> Any:
    return certificate.public_key()


def verify_signature(jws: CompactJws, public_key: Any) -> None:
    """Check the JWS signature with ``public_key`` for the header's ``alg``. Raises :class:`JoseError`."""
    alg = jws.header.get("alg")
    if alg not in ASYMMETRIC_ALGORITHMS:
        raise JoseError(f"Unsupported or forbidden signature algorithm {alg!r}.")
    data, signature = jws.signing_input, jws.signature
    try:
        if alg == "EdDSA":
            if not isinstance(public_key, ed25519.Ed25519PublicKey):
                raise JoseError("The key does not fit EdDSA.")
            public_key.verify(signature, data)
        elif alg.startswith("ES"):
            _name, curve = _CURVES[alg]
            if not isinstance(public_key, ec.EllipticCurvePublicKey) or not isinstance(public_key.curve, curve):
                raise JoseError(f"The key does not fit {alg}.")
            size = (public_key.curve.key_size + 7) // 8
            if len(signature) != 2 * size:
                raise JoseError("The signature does not verify.")
            r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
            public_key.verify(encode_dss_signature(r, s), data, ec.ECDSA(_HASHES[alg[2:]]()))
        else:
            if not isinstance(public_key, rsa.RSAPublicKey):
                raise JoseError(f"The key does not fit {alg}.")
            algorithm = _HASHES[alg[2:]]()
            scheme = (
                padding.PKCS1v15()
                if alg.startswith("RS")
                else padding.PSS(mgf=padding.MGF1(algorithm), salt_length=algorithm.digest_size)
            )
            public_key.verify(signature, data, scheme, algorithm)
    except InvalidSignature as error:
        raise JoseError("The signature does not verify.") from error


def certificates_from_x5c(x5c: Any) -> tuple[x509.Certificate, ...]:
    if not isinstance(x5c, list) or not x5c or not all(isinstance(item, str) for item in x5c):
        raise JoseError("The header's x5c is not a list of certificates.")
    try:
        return tuple(x509.load_der_x509_certificate(base64.b64decode(item, validate=True)) for item in x5c)
    except (binascii.Error, ValueError) as error:
        raise JoseError("The header's x5c holds something that is not a certificate.") from error


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """The RFC 7638 SHA-256 thumbprint of a public JWK (base64url)."""
    members = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n"), "OKP": ("crv", "kty", "x")}.get(
        jwk.get("kty", ""), ()
    )
    if not members or any(name not in jwk for name in members):
        raise JoseError("The JWK lacks the members its thumbprint needs.")
    canonical = json.dumps({name: jwk[name] for name in members}, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def public_jwk_only(jwk: dict[str, Any]) -> dict[str, Any]:
    """The public members of a JWK, for ``cnf.jwk``: what identifies the key, nothing else."""
    members = {"EC": ("kty", "crv", "x", "y"), "RSA": ("kty", "n", "e"), "OKP": ("kty", "crv", "x")}
    return {name: jwk[name] for name in members.get(jwk.get("kty", ""), ()) if name in jwk}
