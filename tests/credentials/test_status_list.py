"""W3C Bitstring Status List v1.0, the pure module: encoding, decoding, bit order, the list credential."""

import base64
import gzip
import random
import struct
import zlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from credentials.documents import status_list
from credentials.documents.status_list import (
    MIN_BITS,
    StatusListError,
    StatusListRangeError,
    bit_at,
    build_status_list_credential,
    decode_list,
    encode_list,
    with_bits_set,
)

# --- an independent reading of the W3C algorithm, written from the specification and RFCs 4648 and 1952 ---

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _base64url_by_hand(text: str) -> bytes:
    """RFC 4648 §5 without padding, six bits per character."""
    out = bytearray()
    buffer = nbits = 0
    for char in text:
        buffer = (buffer << 6) | _ALPHABET.index(char)
        nbits += 6
        if nbits >= 8:
            nbits -= 8
            out.append((buffer >> nbits) & 0xFF)
    assert buffer & ((1 << nbits) - 1) == 0, "leftover bits must be zero"
    return bytes(out)


def _gunzip_by_hand(data: bytes) -> bytes:
    """RFC 1952: a 10-byte header (optional fields by flag), raw DEFLATE, then CRC-32 and size (little endian)."""
    assert data[0:2] == b"\x1f\x8b" and data[2] == 8, "gzip magic and DEFLATE method"
    flags = data[3]
    position = 10
    if flags & 4:  # FEXTRA
        (extra,) = struct.unpack("<H", data[position : position + 2])
        position += 2 + extra
    for flag in (8, 16):  # FNAME, FCOMMENT: zero-terminated
        if flags & flag:
            position = data.index(b"\0", position) + 1
    if flags & 2:  # FHCRC
        position += 2
    inflater = zlib.decompressobj(-15)
    content = inflater.decompress(data[position:])
    trailer = inflater.unused_data
    crc, size = struct.unpack("<II", trailer[:8])
    assert crc == zlib.crc32(content) and size == len(content) % 2**32
    return content


def _independent_bit(bitstring: bytes, index: int) -> bool:
    """The specification: the bit at position `index` counting from the left of the whole bitstring."""
    byte = bitstring[index // 8]
    return (byte >> (7 - index % 8)) % 2 == 1


def _independent_decode(encoded: str) -> bytes:
    assert encoded.startswith("u"), "multibase base64url-no-pad"
    return _gunzip_by_hand(_base64url_by_hand(encoded[1:]))


# --- encoding ------------------------------------------------------------------------------------------------


def test_an_independent_implementation_reads_the_bits_we_set():
    rng = random.Random(7)
    indexes = set(rng.sample(range(MIN_BITS), 300)) | {0, 7, 8, MIN_BITS - 1}
    encoded = encode_list(with_bits_set(MIN_BITS, indexes))
    bitstring = _independent_decode(encoded)
    assert len(bitstring) * 8 == MIN_BITS
    assert {i for i in range(MIN_BITS) if _independent_bit(bitstring, i)} == indexes


def test_index_zero_is_the_most_significant_bit_of_the_first_byte():
    bits = with_bits_set(MIN_BITS, [0])
    assert bits[0] == 0b1000_0000 and not any(bits[1:])
    bits = with_bits_set(MIN_BITS, [7, 9])
    assert bits[0] == 0b0000_0001 and bits[1] == 0b0100_0000
    assert bit_at(bits, 7) and bit_at(bits, 9)
    assert not bit_at(bits, 0) and not bit_at(bits, 8) and not bit_at(bits, 6)


def test_decoding_inverts_encoding_and_bit_at_agrees_with_the_independent_reading():
    rng = random.Random(11)
    indexes = rng.sample(range(MIN_BITS * 2), 1000)
    bits = with_bits_set(MIN_BITS * 2, indexes)
    decoded = decode_list(encode_list(bits))
    assert decoded == bits
    for index in indexes[:200] + rng.sample(range(MIN_BITS * 2), 200):
        assert bit_at(decoded, index) is _independent_bit(bits, index)


def test_the_encoding_is_multibase_base64url_without_padding_of_gzip():
    encoded = encode_list(with_bits_set(MIN_BITS, [3, 99_999]))
    assert encoded[0] == "u"
    assert set(encoded[1:]) <= set(_ALPHABET)
    assert "=" not in encoded
    assert gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))[0] == 0b0001_0000


def test_the_same_bits_always_give_the_same_text():
    bits = with_bits_set(MIN_BITS, [1, 2, 3])
    assert encode_list(bits) == encode_list(bytes(bits))


def test_an_empty_list_of_the_minimum_size_is_small_once_encoded():
    assert len(encode_list(bytes(MIN_BITS // 8))) < 100


def test_a_list_shorter_than_16_kib_is_not_encoded():
    with pytest.raises(StatusListError, match="at least 131072"):
        encode_list(bytes(MIN_BITS // 8 - 1))


# --- strict decoding -----------------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        ("", "empty"),
        (_b64url(gzip.compress(bytes(MIN_BITS // 8), mtime=0)), "multibase prefix"),
        ("z" + _b64url(gzip.compress(bytes(MIN_BITS // 8), mtime=0)), "multibase prefix"),
        (
            "u" + base64.b64encode(gzip.compress(b"\xff" * (MIN_BITS // 8), mtime=0)).decode(),
            "base64url without padding",
        ),
        ("u" + _b64url(gzip.compress(bytes(MIN_BITS // 8), mtime=0)) + "=", "base64url without padding"),
        ("u" + "A" * 5, "impossible base64url length"),
        ("u" + _b64url(b"not gzip at all"), "not GZIP"),
        ("u" + _b64url(zlib.compress(bytes(MIN_BITS // 8))), "not GZIP"),
        ("u" + _b64url(b"\x1f\x8b\x08\x00garbage-after-the-magic"), "not valid GZIP"),
        ("u" + _b64url(gzip.compress(bytes(MIN_BITS // 8), mtime=0)[:-12]), "truncated"),
        ("u" + _b64url(gzip.compress(bytes(MIN_BITS // 8), mtime=0) + b"tail"), "after its GZIP stream"),
        ("u" + _b64url(gzip.compress(bytes(MIN_BITS // 8 - 1), mtime=0)), "at least 131072"),
        ("u" + _b64url(gzip.compress(b"", mtime=0)), "at least 131072"),
    ],
)
def test_decoding_refuses_what_the_specification_does_not_allow(encoded, message):
    with pytest.raises(StatusListError, match=message):
        decode_list(encoded)


def test_decoding_refuses_a_list_that_would_inflate_beyond_the_limit(monkeypatch):
    monkeypatch.setattr(status_list, "MAX_BYTES", MIN_BITS // 8 * 2)
    with pytest.raises(StatusListError, match="larger than"):
        decode_list("u" + _b64url(gzip.compress(bytes(MIN_BITS // 8 * 3))))


def test_a_status_list_error_is_a_value_error():
    assert issubclass(StatusListError, ValueError)
    assert issubclass(StatusListRangeError, StatusListError) and issubclass(StatusListRangeError, IndexError)


# --- indexes -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("index", [-1, MIN_BITS, MIN_BITS + 8])
def test_bit_at_refuses_an_index_outside_the_list(index):
    with pytest.raises(StatusListRangeError):
        bit_at(bytes(MIN_BITS // 8), index)


@pytest.mark.parametrize("index", [-1, 64])
def test_with_bits_set_refuses_an_index_outside_the_list(index):
    with pytest.raises(StatusListRangeError):
        with_bits_set(64, [index])


@pytest.mark.parametrize("size", [0, -8, 12])
def test_with_bits_set_refuses_a_size_that_is_not_a_positive_multiple_of_8(size):
    with pytest.raises(StatusListError, match="multiple of 8"):
        with_bits_set(size, [])


# --- the status list credential ------------------------------------------------------------------------------


def test_the_list_credential_follows_the_vc_data_model_2():
    url = "https://credentials.example.org/status/revocation/3"
    encoded = encode_list(with_bits_set(MIN_BITS, [42]))
    moment = datetime(2026, 11, 28, 19, 5, 7, 123, tzinfo=timezone(timedelta(hours=1)))
    credential = build_status_list_credential(
        list_url=url,
        issuer="https://credentials.example.org/issuer",
        purpose="revocation",
        encoded_list=encoded,
        valid_from=moment,
        ttl_seconds=60,
    )
    assert credential == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": "https://credentials.example.org/issuer",
        "validFrom": "2026-11-28T18:05:07Z",
        "credentialSubject": {
            "id": url + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
            "ttl": 60000,
        },
    }
    assert _independent_bit(_independent_decode(credential["credentialSubject"]["encodedList"]), 42)


def test_the_list_credential_omits_ttl_unless_given():
    credential = build_status_list_credential(
        list_url="https://x.example/status/suspension/1",
        issuer="https://x.example/issuer",
        purpose="suspension",
        encoded_list=encode_list(bytes(MIN_BITS // 8)),
        valid_from=datetime.now(UTC),
    )
    assert "ttl" not in credential["credentialSubject"]
    assert credential["credentialSubject"]["statusPurpose"] == "suspension"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"purpose": "refresh"}, "not one of"),
        ({"encoded_list": "uAAAA"}, "GZIP"),
        ({"valid_from": datetime(2026, 1, 1)}, "aware"),
    ],
)
def test_the_list_credential_refuses_bad_input(changes, message):
    arguments = {
        "list_url": "https://x.example/status/revocation/1",
        "issuer": "https://x.example/issuer",
        "purpose": "revocation",
        "encoded_list": encode_list(bytes(MIN_BITS // 8)),
        "valid_from": datetime.now(UTC),
    } | changes
    with pytest.raises(StatusListError, match=message):
        build_status_list_credential(**arguments)


def test_the_examples_in_the_documentation_are_what_we_produce():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "status-lists.md").read_text()
    with_one = encode_list(with_bits_set(MIN_BITS, [40487]))
    empty = encode_list(bytes(MIN_BITS // 8))
    assert f'"encodedList": "{with_one}"' in text
    assert f"an empty list is `{empty}`" in text
    assert _independent_bit(_independent_decode(with_one), 40487)


# --- the status reference an EDC carries ------------------------------------------------------------------------


def test_a_status_reference_names_both_entries_in_its_fragment_and_reads_back():
    uri = status_list.status_reference(
        base_url="https://credentials.aipia.example/", entries=[("suspension", 2, 23), ("revocation", 1, 94567)]
    )

    assert uri == "https://credentials.aipia.example/status/#revocation=1:94567&suspension=2:23"
    assert status_list.parse_status_reference(uri) == [
        ("revocation", "https://credentials.aipia.example/status/revocation/1", 94567),
        ("suspension", "https://credentials.aipia.example/status/suspension/2", 23),
    ]


@pytest.mark.parametrize(
    "uri",
    [
        "https://elsewhere.example/status/list/7",  # no fragment
        "https://elsewhere.example/credentials/status#revocation=1:5",  # not a /status/ document
        "https://credentials.aipia.example/status/#revocation=0:5",  # lists are numbered from 1
        "https://credentials.aipia.example/status/#revocation=1:5&revocation=2:6",  # one entry per purpose
        "https://credentials.aipia.example/status/#refresh=1:5",  # a purpose we do not publish
        "https://credentials.aipia.example/status/#revocation=1:-5",
        "ftp://credentials.aipia.example/status/#revocation=1:5",
        "",
    ],
)
def test_a_uri_not_of_the_reference_form_is_not_read_as_one(uri):
    assert status_list.parse_status_reference(uri) is None


@pytest.mark.parametrize(
    "entries",
    [[], [("expiry", 1, 1)], [("revocation", 1, 1), ("revocation", 2, 2)], [("revocation", 0, 1)]],
    ids=["none", "unknown purpose", "two of one purpose", "list number 0"],
)
def test_a_status_reference_that_cannot_be_written_is_refused(entries):
    with pytest.raises(StatusListError):
        status_list.status_reference(base_url="https://x.example", entries=entries)
