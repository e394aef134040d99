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

from credentials.keys import SealKey, create_test_seal
from credentials.qr import InvalidToken, TokenClaims, make_token, qr_pdf_image, qr_png, qr_version, read_token

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


def test_a_token_round_trips(key, keys):
    claims = read_token(token_for(key), keys=keys)

    assert claims == TokenClaims(
        credential_id=CREDENTIAL_ID,
        holder_name="Maria Rossi",
        profile_code="ai-ml-engineer",
        valid_from=date(2025, 1, 31),
        valid_until=date(2028, 1, 30),
        kid=key.kid[:16],
    )


def test_same_inputs_give_the_same_token(key):
    assert token_for(key) == token_for(key)


def test_the_token_is_a_compact_jws_with_the_documented_parts(key):
    header, payload, signature = token_for(key).split(".")

    assert b64url_decode(header) == ('{"alg":"ES256","kid":"' + key.kid[:16] + '"}').encode()
    assert b64url_decode(payload) == (
        b'{"f":"2025-01-31","id":"Xx18jpOiTBueVQ1vK3pMMQ","n":"Maria Rossi","p":"ai-ml-engineer",'
        b'"u":"2028-01-30","v":1}'
    )
    assert len(b64url_decode(signature)) == 64
    assert "=" not in header + payload + signature


@pytest.mark.parametrize(
    "name", ["Zoë Łukasiewicz-Núñez", "Ægir Þórsson", "Дмитрий Иванов", "李小龍", 'O\'Brien "Bob" <b>', "😀 Emoji"]
)
def test_non_ascii_names_round_trip(key, keys, name):
    token = token_for(key, holder_name=name)

    assert read_token(token, keys=keys).holder_name == name
    # Raw UTF-8, not \\u escapes; quotes are escaped as JSON requires.
    assert json.dumps(name, ensure_ascii=False).encode("utf-8") in b64url_decode(token.split(".")[1])
    assert token.isascii()


def test_any_changed_character_of_the_payload_invalidates_the_token(key, keys):
    header, payload, signature = token_for(key).split(".")

    for position, character in enumerate(payload):
        replacement = "A" if character != "A" else "B"
        tampered = f"{header}.{payload[:position]}{replacement}{payload[position + 1 :]}.{signature}"
        with pytest.raises(InvalidToken):
            read_token(tampered, keys=keys)


@pytest.mark.parametrize("part", [0, 2])
def test_a_changed_header_or_signature_invalidates_the_token(key, keys, part):
    parts = token_for(key).split(".")
    parts[part] = parts[part][:-3] + ("AAA" if not parts[part].endswith("AAA") else "BBB")

    with pytest.raises(InvalidToken):
        read_token(".".join(parts), keys=keys)


def test_a_token_with_changed_claims_re_encoded_is_invalid(key, keys):
    header, payload, signature = token_for(key).split(".")
    claims = json.loads(b64url_decode(payload))
    claims["u"] = "2099-12-31"
    forged = b64url_encode(json.dumps(claims, sort_keys=True, separators=(",", ":")).encode())

    with pytest.raises(InvalidToken, match="signature does not match"):
        read_token(f"{header}.{forged}.{signature}", keys=keys)


def test_an_unknown_kid_is_refused(key):
    other = create_test_seal(organization_name="Other", organization_identifier="VATIT-2")[0]

    with pytest.raises(InvalidToken, match="Unknown key id"):
        read_token(token_for(key), keys={other.kid: other.certificate.public_key()})
    with pytest.raises(InvalidToken, match="Unknown key id"):
        read_token(token_for(key), keys={})


def test_a_known_kid_with_the_wrong_key_is_refused(key):
    other = create_test_seal(organization_name="Other", organization_identifier="VATIT-2")[0]

    with pytest.raises(InvalidToken, match="signature does not match"):
        read_token(token_for(key), keys={key.kid: other.certificate.public_key()})


def test_keys_may_be_certificates_and_short_kids(key):
    assert read_token(token_for(key), keys={key.kid[:16]: key.certificate}).holder_name == "Maria Rossi"


def test_an_rsa_public_key_under_the_kid_is_refused(key):
    rsa_key, _ = rsa_seal_key()

    with pytest.raises(InvalidToken, match="P-256"):
        read_token(token_for(key), keys={key.kid: rsa_key.certificate.public_key()})


def test_tokens_are_not_made_with_rsa_keys():
    rsa_key, _ = rsa_seal_key()

    with pytest.raises(ValueError, match="P-256"):
        token_for(rsa_key)


def test_tokens_need_a_holder_name(key):
    with pytest.raises(ValueError):
        token_for(key, holder_name="")


def signed(key: SealKey, header: dict, payload: dict) -> str:
    """A token with arbitrary content, properly signed, to show that read_token checks more than the signature."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    signing_input = f"{b64url_encode(json.dumps(header).encode())}.{b64url_encode(json.dumps(payload).encode())}"
    r, s = decode_dss_signature(key.private_key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return f"{signing_input}.{b64url_encode(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


GOOD_PAYLOAD = {"v": 1, "id": "Xx18jpOiTBueVQ1vK3pMMQ", "n": "A", "p": "x", "f": "2025-01-31", "u": "2028-01-30"}


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
def test_a_validly_signed_token_with_bad_content_is_refused(key, header, payload, reason):
    with pytest.raises(InvalidToken, match=reason):
        read_token(signed(key, header, payload), keys={"K" + key.kid: key.certificate.public_key()})


@pytest.mark.parametrize(
    "token",
    ["", "abc", "a.b", "a.b.c.d", "a=.b.c", "a.b+.c", "é.b.c", "a.b.c", "e30.e30.AA", 42, None],
)
def test_malformed_tokens_are_refused(keys, token):
    with pytest.raises(InvalidToken):
        read_token(token, keys=keys)


def test_the_verification_url_for_a_typical_name_stays_short(key):
    url = BASE_URL + token_for(key)

    # The documented format costs ~290 characters of token; the QR code stays at version 13 (69 modules) or less.
    assert len(url) < 330
    assert qr_version(url) <= 13


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


def test_the_documented_example_is_what_our_code_produces():
    private_key = serialization.load_pem_private_key(
        documented(r"```text\n(-----BEGIN PRIVATE KEY-----.*?-----END PRIVATE KEY-----)\n```").encode(), None
    )
    jwks = json.loads(documented(r"```json\n(\{\s*\"keys\".*?\n\})\n```"))
    certificate = x509.load_der_x509_certificate(base64.b64decode(jwks["keys"][0]["x5c"][0]))
    example_key = SealKey(private_key=private_key, certificate=certificate, chain=(certificate,))
    claims = json.loads(documented(r"Claims:\n\n```json\n(.*?)\n```"))
    token = documented(r"https://credentials\.example\.org/v/([A-Za-z0-9_.-]+)")

    made = make_token(
        credential_id=uuid.UUID(claims["credential_id"]),
        holder_name=claims["holder_name"],
        profile_code=claims["profile_code"],
        valid_from=date.fromisoformat(claims["valid_from"]),
        valid_until=date.fromisoformat(claims["valid_until"]),
        key=example_key,
    )

    assert made == token
    assert jwks["keys"][0]["kid"] == example_key.kid


def test_the_documented_verification_snippet_verifies_the_example_and_refuses_a_forgery():
    snippet = documented(r"```python\n(# verify_token\.py.*?)```")
    assert len(snippet.strip().splitlines()) <= 20
    namespace: dict = {}
    exec(compile(snippet, str(DOCS), "exec"), namespace)  # noqa: S102 - our own documentation
    jwks = json.loads(documented(r"```json\n(\{\s*\"keys\".*?\n\})\n```"))
    token = documented(r"https://credentials\.example\.org/v/([A-Za-z0-9_.-]+)")

    claims = namespace["verify"](token, jwks)

    assert claims["n"] == "Zoë Łukasiewicz-Núñez"
    header, payload, signature = token.split(".")
    forged = payload[:-2] + ("AA" if not payload.endswith("AA") else "BB")
    with pytest.raises(InvalidSignature):
        namespace["verify"](f"{header}.{forged}.{signature}", jwks)


def test_a_token_uses_only_url_safe_characters(key):
    assert set(token_for(key, holder_name="Zoë Łukasiewicz-Núñez")) <= set(string.ascii_letters + string.digits + "-_.")
