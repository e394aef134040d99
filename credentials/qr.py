"""The compact signed token carried by the QR code URL (https://<host>/v/<token>) and the QR images.

Pure module. The token format is a public contract, documented byte for byte in docs/verification.md:
a compact JWS (RFC 7515), ES256, header ``{"alg":"ES256","kid":<first 16 characters of the seal key id>}``,
payload ``{"f":…,"id":…,"n":…,"p":…,"u":…,"v":1}`` serialized canonically.
"""

from __future__ import annotations

import base64
import binascii
import functools
import io
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import zxingcpp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from PIL import Image

from .keys import SealKey, b64url

TOKEN_VERSION = 1
# 16 base64url characters = 96 bits of the key id: ample to pick among our own keys (the signature, not the
# kid, is what authenticates), and 27 characters shorter than the full id, which keeps the QR code smaller.
KID_LENGTH = 16
QR_ERROR_CORRECTION = "M"
QR_BORDER = 4
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PAYLOAD_KEYS = frozenset({"v", "id", "n", "p", "f", "u"})


class InvalidToken(Exception):
    """The token is malformed, signed by a key we do not know, or its signature does not match."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class TokenClaims:
    credential_id: uuid.UUID
    holder_name: str
    profile_code: str
    valid_from: date
    valid_until: date
    kid: str  # the (shortened) key id found in the token header


def make_token(
    *,
    credential_id: uuid.UUID,
    holder_name: str,
    profile_code: str,
    valid_from: date,
    valid_until: date,
    key: SealKey,
) -> str:
    """Sign the QR claims with the seal key (EC P-256 only: an RSA signature would triple the QR size).

    Same inputs give the same token: the claims are serialized canonically and the signature is RFC 6979
    deterministic ECDSA. Raises ValueError for an RSA key or an empty holder name or profile code.
    """
    if not isinstance(key.private_key, ec.EllipticCurvePrivateKey) or not isinstance(
        key.private_key.curve, ec.SECP256R1
    ):
        raise ValueError("QR tokens are signed with ES256: the seal key must be EC P-256.")
    if not holder_name or not profile_code:
        raise ValueError("The holder name and the profile code are required.")
    header = {"alg": "ES256", "kid": key.kid[:KID_LENGTH]}
    payload = {
        "v": TOKEN_VERSION,
        "id": b64url(credential_id.bytes),
        "n": holder_name,
        "p": profile_code,
        "f": valid_from.isoformat(),
        "u": valid_until.isoformat(),
    }
    signing_input = f"{b64url(_canonical(header))}.{b64url(_canonical(payload))}"
    der = key.private_key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    r, s = decode_dss_signature(der)
    return f"{signing_input}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def read_token(token: str, *, keys: Mapping[str, Any]) -> TokenClaims:
    """Verify a token and return its claims. Raises InvalidToken(reason) for anything wrong.

    `keys` maps key ids (full, as in our JWKS, or already shortened) to EC P-256 public keys or certificates;
    the token's kid selects the key whose id starts with it. This checks the signature only: whether the
    credential is still valid, suspended or revoked is for the caller to look up.
    """
    if not isinstance(token, str) or not token.isascii():
        raise InvalidToken("The token is not ASCII text.")
    parts = token.split(".")
    if len(parts) != 3 or not all(_BASE64URL.match(part) for part in parts):
        raise InvalidToken("The token is not three base64url parts.")
    header = _json_object(parts[0], "header")
    if set(header) != {"alg", "kid"} or header["alg"] != "ES256" or not isinstance(header["kid"], str):
        raise InvalidToken('The token header must be exactly {"alg":"ES256","kid":…}.')
    kid = header["kid"]
    public_key = _find_key(kid, keys)
    signature = _b64url_decode(parts[2], "signature")
    if len(signature) != 64:
        raise InvalidToken("The signature must be 64 bytes (r||s).")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public_key.verify(der, f"{parts[0]}.{parts[1]}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as error:
        raise InvalidToken("The signature does not match: the token was altered or not issued by us.") from error
    return _claims(_json_object(parts[1], "payload"), kid)


def qr_png(url: str, *, scale: int = 8) -> bytes:
    """A PNG of the QR code for `url` (error correction M, 4-module quiet zone), ``scale`` pixels per module.

    At the default scale a ~300-character URL (version 13, 69 modules) gives a 616-pixel square; printed
    at 35 mm or more on an A4 certificate its modules are ≥ 0.5 mm, which phone cameras read easily.
    """
    image = _qr_image(url)
    buffer = io.BytesIO()
    image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST).save(buffer, format="PNG")
    return buffer.getvalue()


def qr_pdf_image(url: str) -> bytes:
    """The same QR code for the PDF: a greyscale PNG with one pixel per module, 4-module quiet zone included.

    The certificate scales it to size without interpolation (``image-rendering: pixelated``), so every
    module prints as a sharp square at any resolution. WeasyPrint embeds this in about 1 ms, where drawing
    the same code from an SVG path took 25 to 35 ms per certificate.
    """
    buffer = io.BytesIO()
    _qr_image(url).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def qr_version(url: str) -> int:
    """The QR version (1 to 40) that encodes ``url``: it is 17 + 4 * version modules across."""
    return (_qr_image(url).width - 2 * QR_BORDER - 17) // 4


@functools.lru_cache(maxsize=16)
def _qr_image(url: str) -> Image.Image:
    # zxing-cpp's encoder (C++) picks the smallest version and the mask with the lowest penalty score
    # (ISO/IEC 18004 §7.8.3) in about 1 ms; the pure-Python encoder used before took 17 to 20 ms, mostly
    # choosing the mask. Cached: the pipeline draws the same code twice (for the PDF and as the PNG).
    barcode = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level=QR_ERROR_CORRECTION)
    # A zxingcpp.Image: one byte per pixel (0 dark, 255 light) behind the buffer protocol, which its type
    # stubs do not declare.
    matrix: Any = barcode.to_image(scale=1, add_quiet_zones=True)
    height, width = matrix.shape
    return Image.frombytes("L", (width, height), bytes(memoryview(matrix)))


def _canonical(value: dict) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _b64url_decode(part: str, what: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError) as error:
        raise InvalidToken(f"The token {what} is not base64url.") from error


def _json_object(part: str, what: str) -> dict:
    try:
        value = json.loads(_b64url_decode(part, what).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise InvalidToken(f"The token {what} is not JSON.") from error
    if not isinstance(value, dict):
        raise InvalidToken(f"The token {what} is not a JSON object.")
    return value


def _find_key(kid: str, keys: Mapping[str, Any]) -> ec.EllipticCurvePublicKey:
    matches = [value for key_id, value in keys.items() if kid and key_id.startswith(kid)]
    if len(matches) != 1:
        raise InvalidToken(f"Unknown key id {kid!r}." if not matches else f"Ambiguous key id {kid!r}.")
    public_key = matches[0].public_key() if isinstance(matches[0], x509.Certificate) else matches[0]
    if not isinstance(public_key, ec.EllipticCurvePublicKey) or not isinstance(public_key.curve, ec.SECP256R1):
        raise InvalidToken(f"Key {kid!r} is not an EC P-256 key.")
    return public_key


def _claims(payload: dict, kid: str) -> TokenClaims:
    if set(payload) != _PAYLOAD_KEYS:
        raise InvalidToken("The token payload must have exactly the keys f, id, n, p, u, v.")
    if payload["v"] != TOKEN_VERSION or isinstance(payload["v"], bool):
        raise InvalidToken(f"Unsupported token version {payload['v']!r}.")
    if not all(isinstance(payload[name], str) for name in ("id", "n", "p", "f", "u")):
        raise InvalidToken("The token claims id, n, p, f and u must be strings.")
    if not _BASE64URL.match(payload["id"]):
        raise InvalidToken("The credential id is not base64url.")
    credential_id = _b64url_decode(payload["id"], "credential id")
    if len(credential_id) != 16:
        raise InvalidToken("The credential id must be 16 bytes.")
    return TokenClaims(
        credential_id=uuid.UUID(bytes=credential_id),
        holder_name=payload["n"],
        profile_code=payload["p"],
        valid_from=_date(payload["f"]),
        valid_until=_date(payload["u"]),
        kid=kid,
    )


def _date(value: str) -> date:
    try:
        if not _DATE.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError as error:
        raise InvalidToken(f"{value!r} is not a date like 2025-01-31.") from error
