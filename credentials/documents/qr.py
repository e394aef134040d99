"""The compact signed token carried by the QR code URL (https://<host>/v/<token>) and the QR images.

Pure module. The token format is a public contract, documented byte for byte in docs/verification.md §1:

- **format version 2** (printed since December 2026): the claims in a small binary record (credential id, days
  of validity, holder name, profile code), a two-byte reference to the seal key and an ES256 signature, written
  as decimal digits so that the QR code stores them in its numeric mode (3.3 bits per digit): a typical URL fits
  a version 10 code at error correction M;
- **format version 1** (printed before): a compact JWS, ES256, header ``{"alg":"ES256","kid":<first 16
  characters of the seal key id>}``, payload ``{"f":…,"id":…,"n":…,"p":…,"u":…,"v":1}``. Still accepted.

The text tells them apart: version 2 is digits only, version 1 has three dot-separated base64url parts.
"""

from __future__ import annotations

import base64
import binascii
import functools
import io
import json
import re
import struct
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import zxingcpp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from PIL import Image

from credentials.documents.keys import SealKey

TOKEN_VERSION = 2
JWS_TOKEN_VERSION = 1
QR_ERROR_CORRECTION = "M"
QR_BORDER = 4

# Version 2, the binary record. Days are counted from 2000-01-01 in an unsigned 16-bit number (until 2179).
DAY_ZERO = date(2000, 1, 1)
# Two bytes of the key's SHA-256 thumbprint pick among our own keys (the signature, not the reference, is what
# authenticates; should two keys share a reference, each is tried).
KEY_REFERENCE_BYTES = 2
SIGNATURE_BYTES = 64
_HEADER = struct.Struct(">B2s16sHH")  # version, key reference, credential id, first day, last day
# Seven bytes are a 56-bit number, written as 17 decimal digits (10^17 > 2^56); a last, shorter chunk of k bytes
# takes the fewest digits that hold 2^(8k) - 1.
_CHUNK_BYTES, _CHUNK_DIGITS = 7, 17
_TAIL_DIGITS = {1: 3, 2: 5, 3: 8, 4: 10, 5: 13, 6: 15}
_TAIL_BYTES = {digits: size for size, digits in _TAIL_DIGITS.items()}

# Version 1, the JWS.
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PAYLOAD_KEYS = frozenset({"v", "id", "n", "p", "f", "u"})


class InvalidToken(Exception):
    """The token is malformed, signed by a key we do not know (``unknown_key`` true: a key published after this
    process loaded the keys, perhaps), or its signature does not match."""

    def __init__(self, reason: str, *, unknown_key: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.unknown_key = unknown_key


@dataclass(frozen=True)
class TokenClaims:
    credential_id: uuid.UUID
    holder_name: str
    profile_code: str
    valid_from: date  # the first day of validity, in the issuer's time zone
    valid_until: date  # the last day of validity, in the issuer's time zone
    kid: str  # the key id as shown: the first 16 characters of the signing key's id
    version: int = TOKEN_VERSION


def make_token(
    *,
    credential_id: uuid.UUID,
    holder_name: str,
    profile_code: str,
    valid_from: date,
    valid_until: date,
    key: SealKey,
) -> str:
    """The version 2 token: the claims signed with the seal key (EC P-256 only: an RSA signature would triple the
    QR code), as decimal digits.

    Same inputs give the same token: the record is fixed byte for byte and the signature is RFC 6979 deterministic
    ECDSA. Raises ValueError for an RSA key, an empty or over-long (255 UTF-8 bytes) holder name or profile code,
    a profile code that is not ASCII, or a day outside 2000-01-01 to 2179-06-06.
    """
    private_key = _p256_private_key(key)
    name, profile = holder_name.encode("utf-8"), profile_code.encode("utf-8")
    if not name or not profile:
        raise ValueError("The holder name and the profile code are required.")
    if len(name) > 255 or len(profile) > 255 or not profile.isascii():
        raise ValueError("The holder name and the profile code take at most 255 bytes; the profile code is ASCII.")
    record = (
        _HEADER.pack(
            TOKEN_VERSION,
            _key_reference(key.kid),
            credential_id.bytes,
            _day_number(valid_from),
            _day_number(valid_until),
        )
        + bytes([len(name)])
        + name
        + bytes([len(profile)])
        + profile
    )
    der = private_key.sign(record, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    r, s = decode_dss_signature(der)
    return to_digits(record + r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def read_token(token: str, *, keys: Mapping[str, Any]) -> TokenClaims:
    """Verify a token of either format and return its claims. Raises InvalidToken(reason) for anything wrong.

    ``keys`` maps key ids (full, as in our JWKS, or the first characters of one) to EC P-256 public keys or
    certificates. This checks the signature only: whether the credential is still valid, suspended or revoked
    is for the caller to look up.
    """
    if not isinstance(token, str) or not token.isascii():
        raise InvalidToken("The token is not ASCII text.")
    if token.isdigit():
        return _read_binary(token, keys)
    if "." in token:
        return _read_jws(token, keys)
    raise InvalidToken("The token is neither digits (format 2) nor three base64url parts (format 1).")


def to_digits(data: bytes) -> str:
    """``data`` as decimal digits: each 7-byte chunk as a 17-digit number, the last shorter chunk in the fewest
    digits that hold it, all zero-padded (big-endian). One text per byte string, and back (:func:`from_digits`)."""
    parts = []
    for start in range(0, len(data), _CHUNK_BYTES):
        chunk = data[start : start + _CHUNK_BYTES]
        width = _CHUNK_DIGITS if len(chunk) == _CHUNK_BYTES else _TAIL_DIGITS[len(chunk)]
        parts.append(str(int.from_bytes(chunk, "big")).zfill(width))
    return "".join(parts)


def from_digits(text: str) -> bytes:
    """The bytes :func:`to_digits` wrote as ``text``; ValueError for a text it cannot have written."""
    full, rest = divmod(len(text), _CHUNK_DIGITS)
    if not text.isascii() or not text.isdigit() or (rest and rest not in _TAIL_BYTES):
        raise ValueError("not a digit string of this encoding")
    data = bytearray()
    for index in range(full + (1 if rest else 0)):
        chunk = text[index * _CHUNK_DIGITS : (index + 1) * _CHUNK_DIGITS]
        size = _CHUNK_BYTES if len(chunk) == _CHUNK_DIGITS else _TAIL_BYTES[len(chunk)]
        value = int(chunk)
        if value >= 1 << (8 * size):
            raise ValueError("a chunk is larger than its bytes can be")
        data += value.to_bytes(size, "big")
    return bytes(data)


def _read_binary(token: str, keys: Mapping[str, Any]) -> TokenClaims:
    try:
        data = from_digits(token)
    except ValueError as error:
        raise InvalidToken("The token's digits are not a version 2 record.") from error
    if len(data) < _HEADER.size + 2 + SIGNATURE_BYTES:
        raise InvalidToken("The token is too short.")
    version, reference, credential_id, first_day, last_day = _HEADER.unpack_from(data)
    if version != TOKEN_VERSION:
        raise InvalidToken(f"Unsupported token version {version}.")
    name, offset = _length_prefixed(data, _HEADER.size, "holder name")
    profile, offset = _length_prefixed(data, offset, "profile code")
    if len(data) - offset != SIGNATURE_BYTES:
        raise InvalidToken("The signature must be 64 bytes (r||s), at the end of the token.")
    signature = data[offset:]
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    candidates = _keys_with_reference(reference, keys)
    if not candidates:
        raise InvalidToken(f"Unknown key reference {reference.hex()}.", unknown_key=True)
    for key_id, public_key in candidates:
        try:
            public_key.verify(der, data[:offset], ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            continue
        try:
            holder_name, profile_code = name.decode("utf-8"), profile.decode("ascii")
        except UnicodeDecodeError as error:
            raise InvalidToken("The holder name is not UTF-8, or the profile code not ASCII.") from error
        return TokenClaims(
            credential_id=uuid.UUID(bytes=credential_id),
            holder_name=holder_name,
            profile_code=profile_code,
            valid_from=DAY_ZERO + timedelta(days=first_day),
            valid_until=DAY_ZERO + timedelta(days=last_day),
            kid=key_id[:16],
            version=TOKEN_VERSION,
        )
    raise InvalidToken("The signature does not match: the token was altered or not issued by us.")


def _length_prefixed(data: bytes, offset: int, what: str) -> tuple[bytes, int]:
    length = data[offset] if offset < len(data) else 0
    if length == 0 or offset + 1 + length > len(data):
        raise InvalidToken(f"The token's {what} is empty or runs past its end.")
    return data[offset + 1 : offset + 1 + length], offset + 1 + length


def _keys_with_reference(reference: bytes, keys: Mapping[str, Any]) -> list[tuple[str, ec.EllipticCurvePublicKey]]:
    found = []
    for key_id, value in keys.items():
        try:
            if _b64url_bytes(key_id)[:KEY_REFERENCE_BYTES] != reference:
                continue
        except ValueError:
            continue
        public_key = value.public_key() if isinstance(value, x509.Certificate) else value
        if isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(public_key.curve, ec.SECP256R1):
            found.append((key_id, public_key))
    return found


def _key_reference(kid: str) -> bytes:
    return _b64url_bytes(kid)[:KEY_REFERENCE_BYTES]


def _b64url_bytes(text: str) -> bytes:
    if not _BASE64URL.match(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _day_number(day: date) -> int:
    number = (day - DAY_ZERO).days
    if not 0 <= number <= 0xFFFF:
        raise ValueError(f"{day} is outside the days a token can carry (2000-01-01 to 2179-06-06).")
    return number


def _p256_private_key(key: SealKey) -> ec.EllipticCurvePrivateKey:
    private_key = key.private_key
    if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(private_key.curve, ec.SECP256R1):
        raise ValueError("QR tokens are signed with ES256: the seal key must be EC P-256.")
    return private_key


def qr_png(url: str, *, scale: int = 8) -> bytes:
    """A PNG of the QR code for `url` (error correction M, 4-module quiet zone), ``scale`` pixels per module.

    At the default scale a typical verification URL (version 10, 57 modules, a 65-module square with the quiet
    zone) gives a 520-pixel square; printed 30 mm wide on the certificate, a module is 0.46 mm.
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


# --- format version 1: the compact JWS printed until December 2026 -----------------------------------------------


def _read_jws(token: str, keys: Mapping[str, Any]) -> TokenClaims:
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
        raise InvalidToken(
            f"Unknown key id {kid!r}." if not matches else f"Ambiguous key id {kid!r}.", unknown_key=not matches
        )
    public_key = matches[0].public_key() if isinstance(matches[0], x509.Certificate) else matches[0]
    if not isinstance(public_key, ec.EllipticCurvePublicKey) or not isinstance(public_key.curve, ec.SECP256R1):
        raise InvalidToken(f"Key {kid!r} is not an EC P-256 key.")
    return public_key


def _claims(payload: dict, kid: str) -> TokenClaims:
    if set(payload) != _PAYLOAD_KEYS:
        raise InvalidToken("The token payload must have exactly the keys f, id, n, p, u, v.")
    if payload["v"] != JWS_TOKEN_VERSION or isinstance(payload["v"], bool):
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
        version=JWS_TOKEN_VERSION,
    )


def _date(value: str) -> date:
    try:
        if not _DATE.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError as error:
        raise InvalidToken(f"{value!r} is not a date like 2025-01-31.") from error
