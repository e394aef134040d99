"""IETF OAuth Token Status List (draft-ietf-oauth-status-list): the status list token an SD-JWT VC refers to.

Pure module: no Django. A list holds ``bits`` bits per entry (1, 2, 4 or 8); the entry at index ``idx`` is in
byte ``idx * bits // 8``, starting at bit ``(idx * bits) % 8`` counted from the least significant bit. ``lst`` is
the byte array compressed with DEFLATE in the ZLIB format (RFC 1950) and encoded base64url without padding.

Status values (the draft's registry): 0 VALID, 1 INVALID (we use it for revocation), 2 SUSPENDED.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from credentials.documents.jose import read_compact, sign_compact, x5c_of
from credentials.documents.keys import SealKey, b64url

TYP = "statuslist+jwt"
MEDIA_TYPE = "application/statuslist+jwt"
VALID, INVALID, SUSPENDED = 0, 1, 2
ALLOWED_BITS = (1, 2, 4, 8)
# As for the W3C lists (status_list.py): never inflate more than this.
MAX_BYTES = 16 * 1024 * 1024


class TokenStatusListError(ValueError):
    """A list or an index that the specification does not allow."""


@dataclass(frozen=True)
class ReadList:
    bits: int
    data: bytes
    payload: dict[str, Any]


def pack(size: int, statuses: Mapping[int, int], *, bits: int) -> bytes:
    """The byte array of a list of ``size`` entries, each 0 but those in ``statuses`` (index -> value)."""
    if bits not in ALLOWED_BITS:
        raise TokenStatusListError(f"bits must be one of {ALLOWED_BITS}.")
    if size <= 0 or (size * bits) % 8:
        raise TokenStatusListError("The list must fill whole bytes.")
    data = bytearray(size * bits // 8)
    for index, value in statuses.items():
        if not 0 <= index < size:
            raise TokenStatusListError(f"Index {index} is outside the list.")
        if not 0 <= value < (1 << bits):
            raise TokenStatusListError(f"Status {value} does not fit in {bits} bits.")
        position = index * bits
        data[position // 8] |= value << (position % 8)
    return bytes(data)


def encode(data: bytes) -> str:
    """``lst``: ZLIB-compressed, base64url without padding."""
    return b64url(zlib.compress(data, 9))


def decode(lst: str) -> bytes:
    if not isinstance(lst, str) or not lst:
        raise TokenStatusListError("The status list is empty.")
    try:
        compressed = base64.urlsafe_b64decode(lst + "=" * (-len(lst) % 4))
    except (binascii.Error, ValueError) as error:
        raise TokenStatusListError("The status list is not base64url.") from error
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(compressed, MAX_BYTES + 1)
    except zlib.error as error:
        raise TokenStatusListError(f"The status list is not ZLIB data: {error}.") from error
    if len(data) > MAX_BYTES or not inflater.eof:
        raise TokenStatusListError("The status list is too large or truncated.")
    return data


def status_at(data: bytes, index: int, *, bits: int) -> int:
    if bits not in ALLOWED_BITS:
        raise TokenStatusListError(f"bits must be one of {ALLOWED_BITS}.")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0 or index * bits >= len(data) * 8:
        raise TokenStatusListError(f"Index {index} is outside the status list.")
    position = index * bits
    return (data[position // 8] >> (position % 8)) & ((1 << bits) - 1)


def build_token(
    *,
    uri: str,
    data: bytes,
    bits: int,
    key: SealKey,
    now: datetime.datetime,
    ttl_seconds: int,
    valid_seconds: int,
) -> str:
    """The signed status list token (``typ`` ``statuslist+jwt``) published at ``uri``: ``sub`` is ``uri``,
    ``ttl`` how long a relying party may keep it, ``exp`` when it must stop using it."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime.")
    issued = int(now.timestamp())
    payload: dict[str, Any] = {
        "sub": uri,
        "iat": issued,
        "exp": issued + valid_seconds,
        "ttl": ttl_seconds,
        "status_list": {"bits": bits, "lst": encode(data)},
    }
    return sign_compact({"typ": TYP, "kid": key.kid, "x5c": x5c_of(key)}, payload, key)


def read_payload(token: str) -> ReadList:
    """The bits and the byte array of a status list token; its signature is not checked here."""
    payload = read_compact(token).payload
    status_list = payload.get("status_list")
    if not isinstance(status_list, dict) or status_list.get("bits") not in ALLOWED_BITS:
        raise TokenStatusListError("The token has no valid status_list claim.")
    return ReadList(bits=status_list["bits"], data=decode(status_list.get("lst", "")), payload=payload)
