import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from credentials.documents.keys import (
    TEST_CA_COMMON_NAME,
    SealKey,
    TestCA,
    algorithm_for,
    create_test_ca,
    create_test_seal,
    load_pkcs12,
    public_jwk,
)

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
QC_STATEMENTS_OID = x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3")


def issue_certificate(
    ca: TestCA,
    public_key,
    common_name: str,
    *,
    now: datetime = NOW,
    days: int = 365,
    extended_key_usage: x509.ObjectIdentifier | None = None,
) -> x509.Certificate:
    """An end-entity certificate from a test CA, for keys create_test_seal does not make (RSA seals, a TSA)."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca.certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    )
    if extended_key_usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([extended_key_usage]), critical=True)
    return builder.sign(ca.private_key, hashes.SHA256())


def rsa_seal_key(*, now: datetime = NOW) -> tuple[SealKey, TestCA]:
    ca = create_test_ca(now=now)
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate = issue_certificate(ca, private_key.public_key(), "RSA seal (TEST)", now=now)
    return SealKey(private_key=private_key, certificate=certificate, chain=(certificate, ca.certificate)), ca


@pytest.fixture(scope="module")
def test_seal() -> tuple[SealKey, bytes]:
    return create_test_seal(organization_name="AIPIA", organization_identifier="VATIT-12345678901", now=NOW)


def b64url_int(value: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


def test_it_round_trips_a_test_seal_through_a_password_less_pkcs12(test_seal, tmp_path):
    key, p12 = test_seal
    path = tmp_path / "seal.p12"
    path.write_bytes(p12)

    loaded = load_pkcs12(path, None)

    assert loaded.certificate == key.certificate
    assert loaded.chain == key.chain
    assert loaded.private_key.private_numbers() == key.private_key.private_numbers()
    assert loaded.kid == key.kid


def test_it_round_trips_a_pkcs12_with_a_password(tmp_path):
    key, p12 = create_test_seal(
        organization_name="AIPIA", organization_identifier="VATIT-12345678901", password=b"s3cret", now=NOW
    )
    path = tmp_path / "seal.p12"
    path.write_bytes(p12)

    assert load_pkcs12(path, b"s3cret").certificate == key.certificate
    with pytest.raises(ValueError):
        load_pkcs12(path, b"wrong")


def test_load_pkcs12_orders_the_chain_from_the_seal_certificate_up(test_seal, tmp_path):
    key, _ = test_seal
    unrelated = create_test_ca(now=NOW).certificate
    p12 = pkcs12.serialize_key_and_certificates(
        name=None,
        key=key.private_key,
        cert=key.certificate,
        cas=[unrelated, key.chain[1]],
        encryption_algorithm=serialization.NoEncryption(),
    )
    path = tmp_path / "seal.p12"
    path.write_bytes(p12)

    assert load_pkcs12(path, None).chain == (key.certificate, key.chain[1])


def test_load_pkcs12_refuses_a_file_without_a_private_key(test_seal, tmp_path):
    key, _ = test_seal
    p12 = pkcs12.serialize_key_and_certificates(
        name=None, key=None, cert=key.certificate, cas=None, encryption_algorithm=serialization.NoEncryption()
    )
    path = tmp_path / "seal.p12"
    path.write_bytes(p12)

    with pytest.raises(ValueError, match="private key"):
        load_pkcs12(path, None)


def test_organization_identifier_is_read_from_the_certificate(test_seal):
    key, _ = test_seal

    assert key.organization_identifier == "VATIT-12345678901"
    assert key.certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "AIPIA"
    assert key.certificate.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "IT"


def test_kid_is_the_sha256_thumbprint_of_the_certificate(test_seal):
    key, _ = test_seal
    der = key.certificate.public_bytes(serialization.Encoding.DER)

    assert key.kid == base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()
    assert key.kid == public_jwk(key.certificate)["x5t#S256"]
    assert len(key.kid) == 43


def test_the_test_chain_is_clearly_marked_as_not_qualified(test_seal):
    key, _ = test_seal
    seal_certificate, ca_certificate = key.chain

    assert key.is_test
    assert ca_certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == TEST_CA_COMMON_NAME
    assert seal_certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        "AIPIA electronic seal (TEST — NOT QUALIFIED)"
    )
    for certificate in key.chain:
        with pytest.raises(x509.ExtensionNotFound):
            certificate.extensions.get_extension_for_oid(QC_STATEMENTS_OID)


def test_the_test_ca_may_sign_certificates_and_the_seal_may_only_seal(test_seal):
    key, _ = test_seal
    seal_certificate, ca_certificate = key.chain

    ca_constraints = ca_certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    assert ca_constraints.critical and ca_constraints.value.ca
    assert ca_certificate.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    assert isinstance(ca_certificate.public_key(), ec.EllipticCurvePublicKey)

    assert not seal_certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = seal_certificate.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    assert seal_certificate.issuer == ca_certificate.subject
    seal_certificate.verify_directly_issued_by(ca_certificate)
    assert isinstance(key.private_key.curve, ec.SECP256R1)


def test_the_seal_certificate_is_valid_for_the_requested_days(test_seal):
    key, _ = test_seal

    assert key.certificate.not_valid_after_utc == NOW + timedelta(days=3 * 365 + 30)
    assert key.chain[1].not_valid_after_utc > key.certificate.not_valid_after_utc


def test_a_long_organization_name_is_shortened_in_the_common_name_only():
    name = "Associazione Italiana Professionisti Intelligenza Artificiale"
    key, _ = create_test_seal(organization_name=name, organization_identifier="VATIT-1", now=NOW)

    common_name = key.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert len(common_name.encode()) <= 64
    assert common_name.endswith("... electronic seal (TEST — NOT QUALIFIED)")
    assert key.certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == name


def test_a_certificate_we_did_not_make_is_not_a_test_seal():
    key, _ = rsa_seal_key()

    assert not key.is_test
    assert key.organization_identifier is None


def test_public_jwk_of_an_ec_seal(test_seal):
    key, _ = test_seal

    jwk = public_jwk(key.certificate, chain=key.chain)

    numbers = key.certificate.public_key().public_numbers()
    assert set(jwk) == {"kty", "crv", "x", "y", "kid", "alg", "use", "x5c", "x5t#S256"}
    assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"]) == ("EC", "P-256", "ES256", "sig")
    assert len(jwk["x"]) == len(jwk["y"]) == 43
    assert (b64url_int(jwk["x"]), b64url_int(jwk["y"])) == (numbers.x, numbers.y)
    assert jwk["kid"] == jwk["x5t#S256"] == key.kid
    assert [base64.b64decode(c) for c in jwk["x5c"]] == [c.public_bytes(serialization.Encoding.DER) for c in key.chain]


def test_public_jwk_without_a_chain_lists_the_certificate_alone(test_seal):
    key, _ = test_seal

    assert public_jwk(key.certificate)["x5c"] == [
        base64.b64encode(key.certificate.public_bytes(serialization.Encoding.DER)).decode()
    ]


def test_public_jwk_of_an_rsa_seal():
    key, _ = rsa_seal_key()

    jwk = public_jwk(key.certificate, chain=key.chain)

    numbers = key.certificate.public_key().public_numbers()
    assert (jwk["kty"], jwk["alg"], jwk["use"]) == ("RSA", "RS256", "sig")
    assert (b64url_int(jwk["n"]), b64url_int(jwk["e"])) == (numbers.n, numbers.e)
    assert jwk["e"] == "AQAB"
    assert jwk["kid"] == key.kid


@pytest.mark.parametrize(
    ("make_key", "algorithm"),
    [
        (lambda: ec.generate_private_key(ec.SECP256R1()), "ES256"),
        (lambda: ec.generate_private_key(ec.SECP256R1()).public_key(), "ES256"),
        (lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256"),
    ],
)
def test_algorithm_for_supported_keys(make_key, algorithm):
    assert algorithm_for(make_key()) == algorithm


def test_algorithm_for_refuses_other_curves():
    with pytest.raises(ValueError, match="P-256"):
        algorithm_for(ec.generate_private_key(ec.SECP384R1()))


def test_the_test_seal_certificate_is_for_document_signing(test_seal):
    key, _ = test_seal

    usages = key.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36") in usages
    assert ExtendedKeyUsageOID.SERVER_AUTH not in usages
