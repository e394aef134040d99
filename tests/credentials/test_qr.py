import base64
import json
import re
import string
import uuid
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path

import pytest
import zxingcpp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from PIL import Image

from credentials.documents.keys import SealKey, create_test_seal
from credentials.documents.qr import (
    InvalidToken,
    TokenClaims,
    from_digits,
    make_token,
    qr_pdf_image,
    qr_png,
    qr_version,
    read_token,
    to_digits,
)

from .test_keys import rsa_seal_key

DOCS = Path(__file__).resolve().parents[2] / "docs" / "verification.md"
CREDENTIAL_ID = uuid.UUID("5f1d7c8e-93a2-4c1b-9e55-0d6f2b7a4c31")
BASE_URL = "https://credentials.aipia.it/v/"


@pytest.fixture(scope="module")
def key() -> SealKey:
    return create_test_seal(
        organization_name="AIPIA", organization_identifier="VATIT-12345678901", now=datetime(2025, 1, 1, tzinfo=UTC)
    )[0]


@pytest.fixture(scope="module")
def keys(key) -> dict:
    return {key.kid: key.certificate.public_key()}


def token_for(key: SealKey, holder_name: str = "Maria Rossi", profile_code: str = "ai-ml-engineer") -> str:
    return make_token(
        credential_id=CREDENTIAL_ID,
        holder_name=holder_name,
        profile_code=profile_code,
        valid_from=date(2025, 1, 31),
        valid_until=date(2028, 1, 30),
        key=key,
    )


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def record_of(token: str) -> bytes:
    return from_digits(token)


def test_a_token_round_trips(key, keys):
    claims = read_token(token_for(key), keys=keys)

    assert claims == TokenClaims(
        credential_id=CREDENTIAL_ID,
        holder_name="Maria Rossi",
        profile_code="ai-ml-engineer",
        valid_from=date(2025, 1, 31),
        valid_until=date(2028, 1, 30),
        kid=key.kid[:16],
        version=2,
    )


def test_same_inputs_give_the_same_token(key):
    assert token_for(key) == token_for(key)


def test_the_token_is_the_documented_record_in_digits(key):
    token = token_for(key)
    data = record_of(token)

    assert token.isdigit() and to_digits(data) == token
    assert data[0] == 2
    assert data[1:3] == b64url_decode(key.kid)[:2]
    assert data[3:19] == CREDENTIAL_ID.bytes
    assert int.from_bytes(data[19:21], "big") == (date(2025, 1, 31) - date(2000, 1, 1)).days
    assert int.from_bytes(data[21:23], "big") == (date(2028, 1, 30) - date(2000, 1, 1)).days
    assert data[23:35] == b"\x0bMaria Rossi" and data[35:50] == b"\x0eai-ml-engineer"
    assert len(data) == 50 + 64


@pytest.mark.parametrize("size", range(1, 60))
def test_digits_round_trip_for_every_length_and_each_record_has_one_text(size):
    data = bytes(range(256))[:size] if size % 2 else b"\xff" * size  # the largest chunk values included

    text = to_digits(data)

    assert from_digits(text) == data and text.isdigit()
    assert len(text) == 17 * (size // 7) + {0: 0, 1: 3, 2: 5, 3: 8, 4: 10, 5: 13, 6: 15}[size % 7]


@pytest.mark.parametrize("text", ["1" * 16, "1" * 18, "99999999999999999", "256", "65536", "12a45", "١٢٣"])
def test_digit_texts_this_encoding_cannot_have_written_are_refused(text):
    with pytest.raises(ValueError):
        from_digits(text)


@pytest.mark.parametrize(
    "name", ["Zoë Łukasiewicz-Núñez", "Ægir Þórsson", "Дмитрий Иванов", "李小龍", 'O\'Brien "Bob" <b>', "😀 Emoji"]
)
def test_non_ascii_names_round_trip(key, keys, name):
    token = token_for(key, holder_name=name)

    assert read_token(token, keys=keys).holder_name == name
    assert name.encode("utf-8") in record_of(token)
    assert token.isdigit()


def test_any_changed_digit_invalidates_the_token(key, keys):
    token = token_for(key)

    for position, digit in enumerate(token):
        tampered = token[:position] + ("1" if digit != "1" else "2") + token[position + 1 :]
        with pytest.raises(InvalidToken):
            read_token(tampered, keys=keys)


def test_a_token_with_changed_claims_re_encoded_is_invalid(key, keys):
    data = bytearray(record_of(token_for(key)))
    data[21:23] = (60000).to_bytes(2, "big")  # the last day moved to 2164

    with pytest.raises(InvalidToken, match="signature does not match"):
        read_token(to_digits(bytes(data)), keys=keys)


def test_a_truncated_or_extended_token_is_refused(key, keys):
    data = record_of(token_for(key))

    for changed in (data[:-1], data + b"\x00", data[:30]):
        with pytest.raises(InvalidToken):
            read_token(to_digits(changed), keys=keys)


def test_an_unknown_key_reference_is_refused(key):
    other = create_test_seal(organization_name="Other", organization_identifier="VATIT-2")[0]
    if b64url_decode(other.kid)[:2] == b64url_decode(key.kid)[:2]:  # pragma: no cover - 1 in 65,536
        pytest.skip("the two test keys share a reference")

    with pytest.raises(InvalidToken, match="Unknown key reference"):
        read_token(token_for(key), keys={other.kid: other.certificate.public_key()})
    with pytest.raises(InvalidToken, match="Unknown key reference"):
        read_token(token_for(key), keys={})


def test_a_known_reference_with_the_wrong_key_is_refused_and_every_key_sharing_it_is_tried(key):
    other = create_test_seal(organization_name="Other", organization_identifier="VATIT-2")[0]
    with pytest.raises(InvalidToken, match="signature does not match"):
        read_token(token_for(key), keys={key.kid: other.certificate.public_key()})
    # The first three characters of an id fix its first two bytes: both keys carry the token's reference.
    claims = read_token(token_for(key), keys={key.kid[:3] + "AAAA": other.certificate, key.kid: key.certificate})
    assert claims.holder_name == "Maria Rossi" and claims.kid == key.kid[:16]


def test_keys_may_be_certificates_and_short_kids(key):
    assert read_token(token_for(key), keys={key.kid[:16]: key.certificate}).holder_name == "Maria Rossi"


def test_an_rsa_public_key_under_the_reference_is_not_a_candidate(key):
    rsa_key, _ = rsa_seal_key()

    with pytest.raises(InvalidToken, match="Unknown key reference"):
        read_token(token_for(key), keys={key.kid: rsa_key.certificate.public_key()})


def test_tokens_are_not_made_with_rsa_keys():
    rsa_key, _ = rsa_seal_key()

    with pytest.raises(ValueError, match="P-256"):
        token_for(rsa_key)


@pytest.mark.parametrize(
    ("name", "profile"),
    [("", "ai-ml-engineer"), ("Maria", ""), ("é" * 128, "ai-ml-engineer"), ("Maria", "ingegnere-è")],
)
def test_tokens_need_a_holder_name_and_a_profile_code_that_fit(key, name, profile):
    with pytest.raises(ValueError):
        token_for(key, holder_name=name, profile_code=profile)


@pytest.mark.parametrize(
    "token", ["", "abc", "a.b", "a.b.c.d", "a=.b.c", "a.b+.c", "é.b.c", "a.b.c", "e30.e30.AA", "0" * 17, 42, None]
)
def test_malformed_tokens_are_refused(keys, token):
    with pytest.raises(InvalidToken):
        read_token(token, keys=keys)


# --- format version 1, printed until December 2026 -----------------------------------------------------------------


def jws(key: SealKey, header: dict, payload: dict) -> str:
    """A format 1 token with arbitrary content, signed as that format was, to show what is still checked."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    signing_input = f"{b64url_encode(json.dumps(header).encode())}.{b64url_encode(json.dumps(payload).encode())}"
    r, s = decode_dss_signature(key.private_key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return f"{signing_input}.{b64url_encode(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


GOOD_PAYLOAD = {"v": 1, "id": "Xx18jpOiTBueVQ1vK3pMMQ", "n": "A", "p": "x", "f": "2025-01-31", "u": "2028-01-30"}


def test_a_format_1_token_keeps_verifying(key):
    token = jws(key, {"alg": "ES256", "kid": key.kid[:16]}, GOOD_PAYLOAD)

    claims = read_token(token, keys={key.kid: key.certificate})

    assert (claims.version, claims.credential_id, claims.valid_until) == (1, CREDENTIAL_ID, date(2028, 1, 30))


def test_a_tampered_format_1_token_is_refused(key):
    header, _payload, signature = jws(key, {"alg": "ES256", "kid": key.kid[:16]}, GOOD_PAYLOAD).split(".")
    forged = b64url_encode(json.dumps({**GOOD_PAYLOAD, "u": "2099-12-31"}).encode())

    with pytest.raises(InvalidToken, match="signature does not match"):
        read_token(f"{header}.{forged}.{signature}", keys={key.kid: key.certificate})


@pytest.mark.parametrize(
    ("header", "payload", "reason"),
    [
        ({"alg": "ES256"}, GOOD_PAYLOAD, "header must be exactly"),
        ({"alg": "none", "kid": "K"}, GOOD_PAYLOAD, "header must be exactly"),
        ({"alg": "ES256", "kid": "K", "crit": ["x"]}, GOOD_PAYLOAD, "header must be exactly"),
        ({"alg": "ES256", "kid": "K"}, {**GOOD_PAYLOAD, "v": 2}, "version"),
        ({"alg": "ES256", "kid": "K"}, {**GOOD_PAYLOAD, "v": True}, "version"),
        ({"alg": "ES256", "kid": "K"}, {**GOOD_PAYLOAD, "x": 1}, "exactly the keys"),
        ({"alg": "ES256", "kid": "K"}, {**GOOD_PAYLOAD, "id": "AAAA"}, "16 bytes"),
        ({"alg": "ES256", "kid": "K"}, {**GOOD_PAYLOAD, "id": "+/+/"}, "base64url"),
        ({"alg": "ES256", "kid": "K"}, {**GOOD_PAYLOAD, "n": 7}, "strings"),
        ({"alg": "ES256", "kid": "K"}, {**GOOD_PAYLOAD, "f": "20250131"}, "date"),
        ({"alg": "ES256", "kid": "K"}, {**GOOD_PAYLOAD, "u": "2025-02-30"}, "date"),
        ({"alg": "ES256", "kid": "K"}, [1], "JSON object"),
    ],
)
def test_a_validly_signed_format_1_token_with_bad_content_is_refused(key, header, payload, reason):
    with pytest.raises(InvalidToken, match=reason):
        read_token(jws(key, header, payload), keys={"K" + key.kid: key.certificate.public_key()})


def test_the_verification_url_for_a_typical_name_fits_a_small_qr_code(key):
    url = BASE_URL + token_for(key)

    assert qr_version(url) <= 8  # 49 modules; the worst case the catalogue allows is checked in test_pdf.py


def test_the_png_decodes_back_to_the_url(key):
    url = BASE_URL + token_for(key, holder_name="Zoë Łukasiewicz-Núñez")

    png = qr_png(url)

    image = Image.open(BytesIO(png))
    assert image.format == "PNG"
    (barcode,) = zxingcpp.read_barcodes(image)
    assert barcode.text == url
    assert barcode.format == zxingcpp.BarcodeFormat.QRCode
    assert barcode.ec_level in ("M", "Q", "H")
    version = qr_version(url)
    assert image.size == ((17 + 4 * version + 2 * 4) * 8,) * 2  # modules + 4-module border, 8 px each


def test_the_pdf_image_draws_the_same_code_as_the_png_with_one_pixel_per_module(key):
    url = BASE_URL + token_for(key)

    image = Image.open(BytesIO(qr_pdf_image(url)))

    assert image.mode == "L"
    assert image.tobytes() == Image.open(BytesIO(qr_png(url, scale=1))).convert("L").tobytes()


# --- the documented worked example ---------------------------------------------------------------------------


def documented(pattern: str) -> str:
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(pattern, text, re.DOTALL)
    assert match, f"{pattern!r} not found in {DOCS}"
    return match.group(1)


def documented_key() -> tuple[SealKey, dict]:
    private_key = serialization.load_pem_private_key(
        documented(r"```text\n(-----BEGIN PRIVATE KEY-----.*?-----END PRIVATE KEY-----)\n```").encode(), None
    )
    jwks = json.loads(documented(r"```json\n(\{\s*\"keys\".*?\n\})\n```"))
    certificate = x509.load_der_x509_certificate(base64.b64decode(jwks["keys"][0]["x5c"][0]))
    return SealKey(private_key=private_key, certificate=certificate, chain=(certificate,)), jwks


def test_the_documented_example_is_what_our_code_produces():
    example_key, jwks = documented_key()
    claims = json.loads(documented(r"Claims:\n\n```json\n(.*?)\n```"))
    token = documented(r"https://credentials\.example\.org/v/([0-9]+)\n")
    record = documented(r"```text\n(0218[0-9a-f]+)\n```")

    made = make_token(
        credential_id=uuid.UUID(claims["credential_id"]),
        holder_name=claims["holder_name"],
        profile_code=claims["profile_code"],
        valid_from=date.fromisoformat(claims["valid_from"]),
        valid_until=date.fromisoformat(claims["valid_until"]),
        key=example_key,
    )

    assert made == token
    assert from_digits(token)[:-64].hex() == record
    assert from_digits(token)[-64:].hex() == documented(r"r = ([0-9a-f]{64})") + documented(r"s = ([0-9a-f]{64})")
    assert jwks["keys"][0]["kid"] == example_key.kid
    assert qr_version("https://credentials.example.org/v/" + token) == 9


def test_the_documented_format_1_example_still_verifies():
    example_key, jwks = documented_key()
    token = documented(r"https://credentials\.example\.org/v/(ey[A-Za-z0-9_.-]+)")

    claims = read_token(token, keys={key["kid"]: example_key.certificate for key in jwks["keys"]})

    assert (claims.version, claims.holder_name, claims.valid_until) == (1, "Zoë Łukasiewicz-Núñez", date(2028, 6, 1))


def test_the_documented_verification_snippet_verifies_the_example_and_refuses_a_forgery():
    snippet = documented(r"```python\n(# verify_token\.py.*?)```")
    assert len(snippet.strip().splitlines()) <= 25
    namespace: dict = {}
    exec(compile(snippet, str(DOCS), "exec"), namespace)  # noqa: S102 - our own documentation
    _example_key, jwks = documented_key()
    token = documented(r"https://credentials\.example\.org/v/([0-9]+)\n")

    claims = namespace["verify"](token, jwks)

    assert claims == {
        "id": "5f1d7c8e-93a2-4c1b-9e55-0d6f2b7a4c31",
        "from": "2025-06-02",
        "until": "2028-06-01",
        "name": "Zoë Łukasiewicz-Núñez",
        "profile": "ai-ml-engineer",
    }
    data = bytearray(from_digits(token))
    data[21] ^= 0x01  # another last day
    with pytest.raises(InvalidSignature):
        namespace["verify"](to_digits(bytes(data)), jwks)


def test_a_token_is_digits_only_so_it_needs_no_escaping_in_a_url(key):
    assert set(token_for(key, holder_name="Zoë Łukasiewicz-Núñez")) <= set(string.digits)
