import base64
import copy
import json
import os
from datetime import UTC, datetime, timedelta, timezone

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyhanko.sign.timestamps import DummyTimeStamper

from credentials.documents.keys import create_test_ca, create_test_seal
from credentials.documents.seal import check_chain, check_seal, issuer_serial, seal, timestamper_fetch
from tests.edc_files import SAMPLES, SAMPLES_DIR

from .test_keys import issue_certificate, rsa_seal_key

EUROPASS_SAMPLES = list(SAMPLES)
SIGNED_AT = datetime(2025, 3, 1, 10, 30, 15, tzinfo=UTC)
PAYLOAD = json.dumps(
    {"id": "urn:uuid:5f1d7c8e-0000-4000-8000-000000000001", "credentialSubject": {"givenName": "Zoë Łukasiewicz"}},
    ensure_ascii=False,
).encode("utf-8")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def protected_header(sealed: dict) -> dict:
    return json.loads(b64url_decode(sealed["signatures"][0]["protected"]))


@pytest.fixture(scope="module")
def seal_and_ca():
    ca = create_test_ca(now=SIGNED_AT - timedelta(days=1))
    key, _ = create_test_seal(
        organization_name="AIPIA", organization_identifier="VATIT-12345678901", now=SIGNED_AT - timedelta(days=1), ca=ca
    )
    return key, ca


@pytest.fixture(scope="module")
def key(seal_and_ca):
    return seal_and_ca[0]


@pytest.fixture
def sealed(key):
    return seal(PAYLOAD, key, signing_time=SIGNED_AT)


def europass_sample(name: str) -> dict:
    path = SAMPLES_DIR / name
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing")
        pytest.skip(f"{path} is not available")
    return json.loads(path.read_text(encoding="utf-8"))


# --- sealing ---------------------------------------------------------------------------------------------------


def test_a_sealed_payload_is_intact(sealed, key):
    check = check_seal(sealed)

    assert check.intact
    assert check.problem is None
    assert check.payload == PAYLOAD
    assert check.certificate == key.certificate
    assert check.chain == key.chain
    assert check.signing_time == SIGNED_AT
    assert check.timestamp is None and check.timestamp_problem is None


def test_the_sealed_credential_has_the_europass_structure(sealed):
    assert list(sealed) == ["payload", "signatures"]
    assert sealed["payload"] == PAYLOAD.decode("utf-8")
    assert len(sealed["signatures"]) == 1
    assert list(sealed["signatures"][0]) == ["protected", "signature"]
    # It survives a trip through a .jsonld file.
    assert check_seal(json.loads(json.dumps(sealed))).intact


def test_the_protected_header_has_exactly_the_jades_fields(sealed, key):
    header = protected_header(sealed)

    assert list(header) == ["alg", "cty", "kid", "x5t#S256", "x5c", "typ", "b64", "sigT", "crit"]
    assert header["alg"] == "ES256"
    assert header["b64"] is False
    assert header["crit"] == ["b64", "sigT"]
    assert header["sigT"] == "2025-03-01T10:30:15Z"
    assert header["typ"] == "jose+json"
    assert header["cty"] == "octet-stream"
    assert header["x5t#S256"] == key.kid
    assert header["x5c"] == [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in key.chain]
    assert header["kid"] == issuer_serial(key.certificate)


def test_the_jades_kid_is_the_der_issuer_serial_of_the_certificate(key):
    from asn1crypto import cms

    value = cms.IssuerSerial.load(base64.b64decode(issuer_serial(key.certificate)))
    assert value["serial"].native == key.certificate.serial_number
    assert value["issuer"][0].name == "directory_name"
    assert value["issuer"][0].chosen.native == asn1_x509.Name.load(key.certificate.issuer.public_bytes()).native


def test_the_signature_covers_the_protected_header_a_dot_and_the_raw_payload(sealed, key):
    entry = sealed["signatures"][0]
    signature = b64url_decode(entry["signature"])

    assert len(signature) == 64  # ES256 is r||s, not DER
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    key.certificate.public_key().verify(
        der, entry["protected"].encode("ascii") + b"." + PAYLOAD, ec.ECDSA(hashes.SHA256())
    )


def test_sealing_the_same_payload_twice_gives_the_same_seal(key):
    assert seal(PAYLOAD, key, signing_time=SIGNED_AT) == seal(PAYLOAD, key, signing_time=SIGNED_AT)


def test_the_signing_time_is_written_in_utc(key):
    in_rome = datetime(2025, 3, 1, 11, 30, 15, tzinfo=timezone(timedelta(hours=1)))

    assert protected_header(seal(PAYLOAD, key, signing_time=in_rome))["sigT"] == "2025-03-01T10:30:15Z"


def test_it_refuses_a_naive_signing_time(key):
    with pytest.raises(ValueError, match="aware"):
        seal(PAYLOAD, key, signing_time=datetime(2025, 3, 1, 10, 0))


def test_it_refuses_a_payload_that_is_not_utf8(key):
    with pytest.raises(ValueError, match="UTF-8"):
        seal(b"\xff\xfe", key, signing_time=SIGNED_AT)


def test_rsa_seal_keys_work_too():
    key, _ = rsa_seal_key(now=SIGNED_AT - timedelta(days=1))

    sealed = seal(PAYLOAD, key, signing_time=SIGNED_AT)

    assert protected_header(sealed)["alg"] == "RS256"
    assert len(b64url_decode(sealed["signatures"][0]["signature"])) == 256
    assert check_seal(sealed).intact
    tampered = copy.deepcopy(sealed)
    tampered["payload"] = tampered["payload"].replace("Zoë", "Zoe")
    assert not check_seal(tampered).intact


# --- tampering ---------------------------------------------------------------------------------------------------


def flip(data: bytes, position: int) -> bytes:
    changed = bytearray(data)
    changed[position] ^= 0x01
    return bytes(changed)


@pytest.mark.parametrize("position", [0, 1, 7, 40, len(PAYLOAD) // 2, len(PAYLOAD) - 2, len(PAYLOAD) - 1])
def test_flipping_a_byte_of_the_payload_breaks_the_seal(sealed, position):
    sealed["payload"] = flip(PAYLOAD, position).decode("utf-8")  # these positions hold ASCII characters

    check = check_seal(sealed)

    assert not check.intact
    assert "altered" in check.problem


@pytest.mark.parametrize("position", [0, 1, 5, 100, 400, -2, -1])
def test_flipping_a_character_of_the_protected_header_breaks_the_seal(sealed, position):
    protected = sealed["signatures"][0]["protected"]
    sealed["signatures"][0]["protected"] = flip(protected.encode("ascii"), position).decode("ascii")

    check = check_seal(sealed)

    assert not check.intact
    assert check.problem


@pytest.mark.parametrize("position", [0, 1, 31, 32, 33, 62, 63])
def test_flipping_a_byte_of_the_signature_breaks_the_seal(sealed, position):
    signature = b64url_decode(sealed["signatures"][0]["signature"])
    sealed["signatures"][0]["signature"] = b64url_encode(flip(signature, position))

    check = check_seal(sealed)

    assert not check.intact
    assert "altered" in check.problem


def test_changing_the_signing_time_breaks_the_seal(sealed):
    header = protected_header(sealed)
    header["sigT"] = "2025-03-01T10:30:16Z"
    sealed["signatures"][0]["protected"] = b64url_encode(json.dumps(header, separators=(",", ":")).encode())

    assert not check_seal(sealed).intact


def test_another_certificate_in_x5c_breaks_the_seal(sealed):
    other, _ = create_test_seal(organization_name="AIPIA", organization_identifier="VATIT-12345678901", now=SIGNED_AT)
    impostor = seal(PAYLOAD, other, signing_time=SIGNED_AT)
    sealed["signatures"][0]["protected"] = impostor["signatures"][0]["protected"]

    assert not check_seal(sealed).intact


def with_header(sealed: dict, **changes) -> dict:
    header = protected_header(sealed)
    for name, value in changes.items():
        if value is None:
            header.pop(name.replace("_", "#"), None)
        else:
            header[name.replace("_", "#")] = value
    sealed["signatures"][0]["protected"] = b64url_encode(json.dumps(header).encode())
    return sealed


@pytest.mark.parametrize(
    ("make_input", "expected_problem"),
    [
        (lambda s: {}, "payload"),
        (lambda s: [], "not a JSON object"),
        (lambda s: "not json", "not JSON"),
        (lambda s: None, "not a JSON object"),
        (lambda s: {**s, "payload": 42}, "payload"),
        (lambda s: {"payload": s["payload"]}, "no signature"),
        (lambda s: {**s, "signatures": []}, "exactly one"),
        (lambda s: {**s, "signatures": [s["signatures"][0], s["signatures"][0]]}, "exactly one"),
        (lambda s: {**s, "signatures": ["x"]}, "exactly one"),
        (lambda s: {**s, "signatures": [{"protected": "!!!", "signature": "AA"}]}, "base64url"),
        (lambda s: {**s, "signatures": [{"protected": b64url_encode(b"[1]"), "signature": "AA"}]}, "JSON object"),
        (lambda s: {**s, "signatures": [{"protected": b64url_encode(b"{"), "signature": "AA"}]}, "not JSON"),
        (lambda s: {**s, "signatures": [{"protected": s["signatures"][0]["protected"]}]}, "signature is missing"),
        (lambda s: with_header(s, alg="none"), "Unsupported signature algorithm"),
        (lambda s: with_header(s, alg="HS256"), "Unsupported signature algorithm"),
        (lambda s: with_header(s, alg="RS256"), "does not fit"),
        (lambda s: with_header(s, alg=None), "no alg"),
        (lambda s: with_header(s, x5c=None), "x5c"),
        (lambda s: with_header(s, x5c=["bm90IGEgY2VydA=="]), "cannot be read"),
        (lambda s: with_header(s, x5c="MII"), "x5c"),
        (lambda s: with_header(s, x5t_S256="AAAA"), "x5t#S256"),
        (lambda s: with_header(s, crit=["b64", "sigT", "sigD"]), "sigD"),
        (lambda s: with_header(s, crit=["b64", "sigT", "adoTst"]), "missing"),
        (lambda s: with_header(s, crit=["sigT"]), "b64 must be listed in crit"),
        (lambda s: with_header(s, crit="b64"), "crit"),
        (lambda s: with_header(s, b64="false"), "boolean"),
        (lambda s: with_header(s, sigT="1 March 2025"), "sigT"),
    ],
)
def test_malformed_input_is_reported_not_raised(sealed, make_input, expected_problem):
    check = check_seal(make_input(copy.deepcopy(sealed)))

    assert not check.intact
    assert expected_problem in check.problem


def test_the_flattened_json_serialization_is_accepted_too(sealed):
    flattened = {"payload": sealed["payload"], **sealed["signatures"][0]}

    assert check_seal(flattened).intact


def test_a_sealed_credential_as_json_text_is_accepted(sealed):
    assert check_seal(json.dumps(sealed)).intact


# --- Europass samples ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", EUROPASS_SAMPLES)
def test_the_europass_samples_are_intact(name):
    check = check_seal(europass_sample(name))

    assert check.intact, check.problem
    assert check.header["alg"] == "RS256"
    assert check.header["kid"] == issuer_serial(check.certificate)
    assert check.signing_time is not None and check.signing_time.year == 2023
    assert json.loads(check.payload)["type"] == ["VerifiableCredential", "EuropeanDigitalCredential"]
    # Their sigTst is computed the way we compute ours: over the ASCII base64url signature.
    assert check.timestamp_problem is None
    assert timedelta(0) <= check.timestamp - check.signing_time < timedelta(minutes=1)
    assert check.timestamp_chain[0].subject.rfc4514_string().startswith("C=LU")


@pytest.mark.parametrize("name", EUROPASS_SAMPLES)
def test_a_tampered_europass_sample_is_not_intact(name):
    sample = europass_sample(name)
    sample["payload"] = sample["payload"].replace("urn:credential:", "urn:credential:x", 1)

    assert not check_seal(sample).intact


@pytest.mark.parametrize("name", EUROPASS_SAMPLES)
def test_the_europass_samples_do_not_chain_to_our_test_ca(name, seal_and_ca):
    _, ca = seal_and_ca
    check = check_seal(europass_sample(name))

    trusted, reason = check_chain(check.chain, trust_anchors=[ca.certificate], at=check.signing_time)

    assert not trusted
    assert "TEST SEAL" in reason and "trust anchor" in reason


# --- certificate chains ----------------------------------------------------------------------------------------


def test_our_chain_is_trusted_at_signing_time(seal_and_ca):
    key, ca = seal_and_ca

    assert check_chain(key.chain, trust_anchors=[ca.certificate], at=SIGNED_AT) == (True, None)


def test_the_seal_certificate_alone_is_trusted_when_its_issuer_is_an_anchor(seal_and_ca):
    key, ca = seal_and_ca

    assert check_chain(key.chain[:1], trust_anchors=[ca.certificate], at=SIGNED_AT) == (True, None)


def test_a_chain_is_not_trusted_after_the_seal_certificate_expires(seal_and_ca):
    key, ca = seal_and_ca

    trusted, reason = check_chain(
        key.chain, trust_anchors=[ca.certificate], at=key.certificate.not_valid_after_utc + timedelta(seconds=1)
    )

    assert not trusted
    assert "is not valid at" in reason


def test_a_chain_is_not_trusted_before_the_seal_certificate_is_valid(seal_and_ca):
    key, ca = seal_and_ca

    trusted, reason = check_chain(key.chain, trust_anchors=[ca.certificate], at=SIGNED_AT - timedelta(days=2))

    assert not trusted
    assert "is not valid at" in reason


def test_a_chain_is_not_trusted_with_a_foreign_anchor_of_the_same_name(seal_and_ca):
    key, _ = seal_and_ca
    foreign = create_test_ca(now=SIGNED_AT - timedelta(days=1))

    trusted, reason = check_chain(key.chain, trust_anchors=[foreign.certificate], at=SIGNED_AT)

    assert not trusted
    assert "does not chain to a configured trust anchor" in reason


def test_a_chain_is_not_trusted_without_anchors(seal_and_ca):
    key, _ = seal_and_ca

    assert check_chain(key.chain, trust_anchors=[], at=SIGNED_AT)[0] is False
    assert check_chain([], trust_anchors=[], at=SIGNED_AT) == (False, "There is no certificate to check.")


def test_a_certificate_issued_by_a_non_ca_is_not_trusted(seal_and_ca):
    key, ca = seal_and_ca
    # A certificate "issued" by the seal certificate's key: the seal certificate is not a CA.
    fake_ca = type(ca)(private_key=key.private_key, certificate=key.certificate)
    victim = ec.generate_private_key(ec.SECP256R1())
    forged = issue_certificate(fake_ca, victim.public_key(), "forged", now=SIGNED_AT)

    trusted, reason = check_chain((forged, *key.chain), trust_anchors=[ca.certificate], at=SIGNED_AT)

    assert not trusted
    assert "not a CA" in reason


def test_a_chain_in_the_wrong_order_is_not_trusted(seal_and_ca):
    key, _ = seal_and_ca
    seal_certificate, ca_certificate = key.chain

    trusted, reason = check_chain((ca_certificate, seal_certificate), trust_anchors=[seal_certificate], at=SIGNED_AT)

    assert not trusted
    assert "is not signed by" in reason


# --- B-T: RFC 3161 timestamps ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def timestamper(seal_and_ca):
    _, ca = seal_and_ca
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa_certificate = issue_certificate(
        ca,
        tsa_key.public_key(),
        "AIPIA TEST TSA — NOT QUALIFIED",
        now=SIGNED_AT - timedelta(days=1),
        extended_key_usage=ExtendedKeyUsageOID.TIME_STAMPING,
    )
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(tsa_certificate.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            tsa_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        fixed_dt=SIGNED_AT + timedelta(seconds=2),
    )


@pytest.fixture
def sealed_with_timestamp(key, timestamper):
    return seal(PAYLOAD, key, signing_time=SIGNED_AT, tsa_fetch=timestamper_fetch(timestamper))


def test_a_timestamped_seal_carries_a_sig_tst_in_etsi_u(sealed_with_timestamp):
    entry = sealed_with_timestamp["signatures"][0]

    assert list(entry) == ["protected", "header", "signature"]
    (etsi_u,) = entry["header"]["etsiU"]
    sig_tst = json.loads(b64url_decode(etsi_u))
    assert list(sig_tst) == ["sigTst"]
    (token,) = sig_tst["sigTst"]["tstTokens"]
    assert base64.b64decode(token["val"], validate=True)[:1] == b"\x30"


def test_a_timestamped_seal_is_intact_and_its_timestamp_checks_out(sealed_with_timestamp, seal_and_ca):
    _, ca = seal_and_ca

    check = check_seal(sealed_with_timestamp)

    assert check.intact
    assert check.timestamp == SIGNED_AT + timedelta(seconds=2)
    assert check.timestamp_problem is None
    assert "TSA" in check.timestamp_chain[0].subject.rfc4514_string()
    assert check_chain(check.timestamp_chain[:1], trust_anchors=[ca.certificate], at=check.timestamp) == (True, None)


def test_the_timestamp_is_unprotected_so_changing_it_leaves_the_seal_intact_but_refuses_it(
    sealed_with_timestamp, key, timestamper
):
    other = seal(PAYLOAD + b" ", key, signing_time=SIGNED_AT, tsa_fetch=timestamper_fetch(timestamper))
    sealed_with_timestamp["signatures"][0]["header"] = other["signatures"][0]["header"]

    check = check_seal(sealed_with_timestamp)

    assert check.intact
    assert check.timestamp is None
    assert "not over this signature" in check.timestamp_problem


def test_an_unreadable_timestamp_is_reported(sealed_with_timestamp):
    sealed_with_timestamp["signatures"][0]["header"] = {"etsiU": [b64url_encode(b'{"sigTst":{"tstTokens":[]}}')]}

    check = check_seal(sealed_with_timestamp)

    assert check.intact
    assert check.timestamp is None
    assert "cannot be read" in check.timestamp_problem


def test_a_timestamp_with_a_forged_tsa_signature_is_refused(sealed_with_timestamp):
    from asn1crypto import cms

    entry = sealed_with_timestamp["signatures"][0]
    sig_tst = json.loads(b64url_decode(entry["header"]["etsiU"][0]))
    token = cms.ContentInfo.load(base64.b64decode(sig_tst["sigTst"]["tstTokens"][0]["val"]))
    signer_info = token["content"]["signer_infos"][0]
    signer_info["signature"] = flip(signer_info["signature"].native, 10)
    sig_tst["sigTst"]["tstTokens"][0]["val"] = base64.b64encode(token.dump(force=True)).decode()
    entry["header"]["etsiU"] = [b64url_encode(json.dumps(sig_tst).encode())]

    check = check_seal(sealed_with_timestamp)

    assert check.intact
    assert check.timestamp is None
    assert "signature is not valid" in check.timestamp_problem


def test_sealing_refuses_a_timestamp_over_something_else(key, timestamper):
    fetch = timestamper_fetch(timestamper)

    with pytest.raises(ValueError, match="not over this signature"):
        seal(PAYLOAD, key, signing_time=SIGNED_AT, tsa_fetch=lambda digest: fetch(bytes(32)))


def test_a_tsa_url_uses_pyhanko_http_timestamper(key, monkeypatch):
    requested = []

    def fake_http_fetch(url, **kwargs):
        requested.append(url)
        return lambda digest: b"\x30\x00"

    monkeypatch.setattr("credentials.documents.seal.http_timestamp_fetch", fake_http_fetch)

    with pytest.raises(ValueError, match="unusable token"):
        seal(PAYLOAD, key, signing_time=SIGNED_AT, tsa_url="http://tsa.invalid/")
    assert requested == ["http://tsa.invalid/"]
