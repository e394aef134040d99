"""W3C Bitstring Status List v1.0: the bitstring, its encoding, and the status list credential.

Pure module: bytes and dicts in, bytes and dicts out; no Django.

The rules we follow (https://www.w3.org/TR/vc-bitstring-status-list/):
- a list holds at least 16 KiB (131,072 entries), so that one credential's position says little about it
  (herd privacy);
- the entry at index 0 is the most significant (leftmost) bit of the first byte; a set bit (1) means the
  status of the list's purpose applies (revoked, suspended);
- ``encodedList`` is the GZIP-compressed bitstring in multibase base64url without padding: the letter
  ``u`` followed by the RFC 4648 §5 alphabet ``A-Z a-z 0-9 - _``, no ``=``.

``encode_list`` and ``decode_list`` are inverse; ``decode_list`` refuses anything the specification does
not allow, with a :class:`StatusListError` (a ``ValueError``) saying what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, NamedTuple

MIN_BITS = 131072  # 16 KiB, the specification's minimum
MIN_BYTES = MIN_BITS // 8
# A decoded list larger than this is refused rather than inflated into memory (a "zip bomb"): 128 million
# entries, a thousand times the minimum, is far more than any issuer publishes in one list.
MAX_BYTES = 16 * 1024 * 1024
PURPOSES = ("revocation", "suspension")
CONTEXT_V2 = "https://www.w3.org/ns/credentials/v2"
MULTIBASE_BASE64URL = "u"
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


class StatusListError(ValueError):
    """An encoded list, a bitstring or an index that the specification does not allow."""


class StatusListRangeError(StatusListError, IndexError):
    """An index outside the list (the specification's RANGE_ERROR)."""


def encode_list(bits: bytes) -> str:
    """GZIP ``bits`` and encode them as multibase base64url without padding (``u…``).

    The same bits give the same text (the GZIP header's timestamp is fixed at 0). Raises
    :class:`StatusListError` for a bitstring shorter than 16 KiB.
    """
    if len(bits) < MIN_BYTES:
        raise StatusListError(
            f"A status list holds at least {MIN_BITS} entries ({MIN_BYTES} bytes); got {len(bits)} bytes."
        )
    compressed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)
    return MULTIBASE_BASE64URL + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode_list(encoded: str) -> bytes:
    """The bitstring of an ``encodedList``. Strict: refuses a missing ``u`` prefix, characters outside the
    base64url alphabet (padding included), data that is not GZIP, and lists shorter than 16 KiB or larger
    than :data:`MAX_BYTES`, each with a :class:`StatusListError` naming the problem."""
    if not isinstance(encoded, str) or not encoded:
        raise StatusListError("The encoded status list is empty.")
    if encoded[0] != MULTIBASE_BASE64URL:
        raise StatusListError(
            f"The encoded status list must start with the multibase prefix 'u' (base64url, no padding); "
            f"it starts with {encoded[0]!r}."
        )
    text = encoded[1:]
    if not _BASE64URL.fullmatch(text):
        raise StatusListError("The encoded status list is not base64url without padding.")
    if len(text) % 4 == 1:
        raise StatusListError("The encoded status list has an impossible base64url length.")
    try:
        compressed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as error:
        raise StatusListError(f"The encoded status list is not valid base64url: {error}.") from error
    if compressed[:2] != b"\x1f\x8b":
        raise StatusListError("The encoded status list is not GZIP data.")
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        bits = inflater.decompress(compressed, MAX_BYTES + 1)
    except zlib.error as error:
        raise StatusListError(f"The encoded status list is not valid GZIP data: {error}.") from error
    if len(bits) > MAX_BYTES:
        raise StatusListError(f"The status list is larger than {MAX_BYTES} bytes once decompressed.")
    if not inflater.eof:
        raise StatusListError("The encoded status list is truncated GZIP data.")
    if inflater.unused_data:
        raise StatusListError("The encoded status list has data after its GZIP stream.")
    if len(bits) < MIN_BYTES:
        raise StatusListError(
            f"The status list has {len(bits) * 8} entries; the specification requires at least {MIN_BITS}."
        )
    return bits


def bit_at(bits: bytes, index: int) -> bool:
    """The entry at ``index``: index 0 is the most significant bit of the first byte.

    Raises :class:`StatusListRangeError` for a negative index or one beyond the list.
    """
    if index < 0 or index >= len(bits) * 8:
        raise StatusListRangeError(f"Index {index} is outside the status list (0 to {len(bits) * 8 - 1}).")
    return bool(bits[index >> 3] & (0x80 >> (index & 7)))


def with_bits_set(size: int, indexes: Iterable[int]) -> bytes:
    """A bitstring of ``size`` entries (a multiple of 8) with exactly the entries at ``indexes`` set."""
    if size <= 0 or size % 8:
        raise StatusListError(f"A status list's size must be a positive multiple of 8; got {size}.")
    bits = bytearray(size // 8)
    for index in indexes:
        if index < 0 or index >= size:
            raise StatusListRangeError(f"Index {index} is outside a status list of {size} entries.")
        bits[index >> 3] |= 0x80 >> (index & 7)
    return bytes(bits)


def build_status_list_credential(
    *,
    list_url: str,
    issuer: str,
    purpose: str,
    encoded_list: str,
    valid_from: datetime,
    ttl_seconds: int | None = None,
) -> dict[str, Any]:
    """A W3C VC Data Model 2.0 ``BitstringStatusListCredential`` published at ``list_url``.

    ``ttl_seconds`` becomes the optional ``ttl`` (milliseconds): how long a verifier may keep the list.
    Raises :class:`StatusListError` for an unknown purpose, an ``encoded_list`` that does not decode, or a
    naive ``valid_from``.
    """
    if purpose not in PURPOSES:
        raise StatusListError(f"Status purpose {purpose!r} is not one of {PURPOSES}.")
    if valid_from.tzinfo is None:
        raise StatusListError("valid_from must be an aware datetime.")
    decode_list(encoded_list)  # publish only what verifiers can read
    subject: dict[str, Any] = {
        "id": f"{list_url}#list",
        "type": "BitstringStatusList",
        "statusPurpose": purpose,
        "encodedList": encoded_list,
    }
    if ttl_seconds is not None:
        subject["ttl"] = ttl_seconds * 1000
    return {
        "@context": [CONTEXT_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": subject,
    }


# --- the status reference an EDC carries ----------------------------------------------------------------------
#
# The EDC shapes allow ``credentialStatus`` to be one ``xsd:anyURI``, so an EDC cannot carry W3C status entry
# objects. It carries one URI instead, which names both entries in its fragment:
#
#     https://<host>/status/#revocation=<list>:<index>&suspension=<list>:<index>
#
# Each pair is a Bitstring Status List entry: bit <index> of the list at ``https://<host>/status/<purpose>/<list>``.
# A browser or HTTP client never sends the fragment, so dereferencing the URI tells the server nothing about the
# credential (``/status/`` answers a description of this form); reading a list tells it only the list, shared
# by up to half its size of credentials, as with any Bitstring Status List.

STATUS_REFERENCE_PATH = "/status/"


class StatusEntryRef(NamedTuple):
    """One entry named by a status reference."""

    purpose: str
    list_url: str
    list_index: int  # the W3C entry's statusListIndex (a tuple already has an ``index`` method)


def status_reference(*, base_url: str, entries: Iterable[tuple[str, int, int]]) -> str:
    """The URI an EDC carries as ``credentialStatus`` for ``entries`` of ``(purpose, list number, index)``,
    e.g. ``https://host/status/#revocation=1:40487&suspension=1:94567`` (purposes in the order of
    :data:`PURPOSES`). Raises :class:`StatusListError` for an unknown purpose, a repeated one or a negative
    number."""
    by_purpose: dict[str, tuple[int, int]] = {}
    for purpose, number, index in entries:
        if purpose not in PURPOSES:
            raise StatusListError(f"Unknown status purpose {purpose!r}.")
        if purpose in by_purpose:
            raise StatusListError(f"Two entries for the purpose {purpose!r}.")
        if number < 1 or index < 0:
            raise StatusListError(f"Impossible list number {number} or index {index}.")
        by_purpose[purpose] = (number, index)
    if not by_purpose:
        raise StatusListError("A status reference names at least one entry.")
    fragment = "&".join(
        f"{purpose}={by_purpose[purpose][0]}:{by_purpose[purpose][1]}" for purpose in PURPOSES if purpose in by_purpose
    )
    return base_url.rstrip("/") + STATUS_REFERENCE_PATH + "#" + fragment


_REFERENCE_PAIR = re.compile(r"(revocation|suspension)=([1-9][0-9]{0,9}):([0-9]{1,10})")


def parse_status_reference(uri: str) -> list[StatusEntryRef] | None:
    """The entries named by a status reference of the form :func:`status_reference` writes, or None when
    ``uri`` is not of that form (someone else's status URI, say)."""
    if not isinstance(uri, str) or "#" not in uri:
        return None
    base, _hash, fragment = uri.partition("#")
    if not base.startswith(("https://", "http://")) or not base.endswith(STATUS_REFERENCE_PATH):
        return None
    entries: list[StatusEntryRef] = []
    for part in fragment.split("&"):
        match = _REFERENCE_PAIR.fullmatch(part)
        if match is None:
            return None
        purpose, number, index = match.group(1), int(match.group(2)), int(match.group(3))
        if any(entry.purpose == purpose for entry in entries):
            return None
        entries.append(StatusEntryRef(purpose, f"{base}{purpose}/{number}", index))
    return entries
