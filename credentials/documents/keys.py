"""Seal keys: load the production key from PKCS#12, create a local test CA and seal certificate, publish JWKs.

Pure module: no Django, no database. The application decides where the PKCS#12 file lives; this module only
reads and writes bytes.

The test chain created here is deliberately unmistakable: the root is called "AIPIA TEST CA — NOT QUALIFIED",
the seal certificate's CN ends with "(TEST — NOT QUALIFIED)", it carries no QCStatements (so no eIDAS validator
can take it for a qualified seal), and it asserts our own test certificate policy `TEST_POLICY_OID` with a user
notice saying so.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

SealPrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
SealPublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey

TEST_CA_COMMON_NAME = "AIPIA TEST CA — NOT QUALIFIED"
TEST_CA_ORGANIZATION = "AIPIA Credentials (TEST — NOT QUALIFIED)"
# An OID under the UUID arc 2.25 (ITU-T X.667) needs no registration: derived from
# UUID d96adea7-db72-4674-9cd7-767dda72ed44, it names "AIPIA test seal, not qualified".
TEST_POLICY_OID = x509.ObjectIdentifier("2.25.288997374546281954112817242378291309892")
TEST_POLICY_NOTICE = "Test certificate for development only. Not a qualified certificate under eIDAS."
# RFC 9336 id-kp-documentSigning: the purpose of a seal certificate.
DOCUMENT_SIGNING_OID = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
# RFC 5280 ub-common-name (and ub-organization-name: a longer organization_name is refused).
_COMMON_NAME_MAX = 64


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def certificate_thumbprint(certificate: x509.Certificate) -> str:
    """base64url(SHA-256(DER)) — the JOSE `x5t#S256` of a certificate, and our key id."""
    return b64url(hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).digest())


class SignatureDevice(Protocol):
    """Where a seal's private key lives. It signs; it never hands the key out.

    ``kind`` names the backend as settings and seal records do: "pkcs12" (a file), "pkcs11" (an HSM),
    "csc" (a remote QSCD through the Cloud Signature Consortium API).
    """

    @property
    def kind(self) -> str: ...

    def sign(self, data: bytes) -> bytes:
        """Sign SHA-256(``data``): a DER ECDSA-Sig-Value for an EC key, a PKCS#1 v1.5 signature for RSA."""
        ...


@dataclass(frozen=True)
class FileDevice:
    """A key held in memory, loaded from a PKCS#12 file (development, tests, or a deliberate choice).

    ECDSA is RFC 6979 deterministic here, so the same inputs give the same JAdES seal.
    """

    private_key: SealPrivateKey
    kind: str = "pkcs12"

    def sign(self, data: bytes) -> bytes:
        key = self.private_key
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


@dataclass(frozen=True)
class SealKey:
    """A seal: its certificate, the chain published in `x5c` (seal certificate first), and the device that signs.

    ``SealKey(private_key=…, certificate=…, chain=…)`` makes a file key; a key in an HSM or a remote signing
    service passes ``device`` instead and has no ``private_key``.
    """

    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    private_key: SealPrivateKey | None = None
    device: SignatureDevice = field(default=None)  # type: ignore[assignment]  # set from private_key when absent

    def __post_init__(self) -> None:
        if self.device is None:
            if self.private_key is None:
                raise ValueError("A seal key needs a private key or a signature device.")
            algorithm_for(self.private_key)
            if self.private_key.public_key() != self.certificate.public_key():
                raise ValueError("The seal key does not belong to the seal certificate")
            object.__setattr__(self, "device", FileDevice(self.private_key))
        algorithm_for(self.certificate.public_key())  # type: ignore[arg-type]

    @property
    def signer(self) -> str:
        """The backend that holds the key: "pkcs12", "pkcs11" or "csc"."""
        return self.device.kind

    @property
    def kid(self) -> str:
        """base64url(SHA-256(DER of the seal certificate)); equals the seal header's `x5t#S256`."""
        return certificate_thumbprint(self.certificate)

    @property
    def organization_identifier(self) -> str | None:
        """The seal certificate subject's organizationIdentifier (2.5.4.97), e.g. "VATIT-12345678901"."""
        return organization_identifier(self.certificate)

    @property
    def is_test(self) -> bool:
        """True for a chain made by `create_test_seal` or the test PKI (never for a real certificate)."""
        return is_test_certificate(self.certificate)

    @property
    def jose_alg(self) -> str:
        """The JWS `alg` this key signs with: "ES256" (EC P-256) or "RS256" (RSA)."""
        return algorithm_for(self.certificate.public_key())  # type: ignore[arg-type]

    def sign(self, data: bytes) -> bytes:
        """The device's signature over SHA-256(``data``): DER ECDSA-Sig-Value (EC) or PKCS#1 v1.5 (RSA)."""
        return self.device.sign(data)

    def sign_jose(self, data: bytes) -> bytes:
        """A JWS signature over `data` (RFC 7515 §5.1: the signing input), in JOSE form (ES256: r ‖ s).

        Every JOSE seal (JAdES, the status lists and the wallet formats) signs through this one method, whatever
        device holds the key. With a file key, ES256 is RFC 6979 deterministic; an HSM or a remote service may
        draw a fresh nonce for each signature.
        """
        signature = self.device.sign(data)
        if self.jose_alg == "ES256":
            r, s = decode_dss_signature(signature)
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return signature


def organization_identifier(certificate: x509.Certificate) -> str | None:
    attributes = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)
    if not attributes:
        return None
    value = attributes[0].value
    return value if isinstance(value, str) else value.decode("utf-8")


def is_test_certificate(certificate: x509.Certificate) -> bool:
    try:
        policies = certificate.extensions.get_extension_for_class(x509.CertificatePolicies).value
    except x509.ExtensionNotFound:
        return False
    return any(policy.policy_identifier == TEST_POLICY_OID for policy in policies)


def algorithm_for(key: SealPrivateKey | SealPublicKey) -> str:
    """The JWS algorithm we use with this key: "ES256" for EC P-256, "RS256" for RSA (≥ 2048 bits)."""
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if isinstance(key.curve, ec.SECP256R1):
            return "ES256"
        raise ValueError(f"Unsupported EC curve {key.curve.name}: seal keys must be P-256.")
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        if key.key_size < 2048:
            raise ValueError(f"RSA seal keys must have at least 2048 bits, not {key.key_size}.")
        return "RS256"
    raise ValueError(f"Unsupported seal key type {type(key).__name__}: use EC P-256 or RSA.")


def public_jwk(certificate: x509.Certificate, *, chain: Sequence[x509.Certificate] = ()) -> dict:
    """The public JWK (RFC 7517) for a seal certificate, as published in /.well-known/jwks.json.

    `chain` is the full chain for `x5c`, seal certificate first; when omitted, `x5c` holds the certificate alone.
    """
    public_key = certificate.public_key()
    jwk: dict
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        size = (public_key.curve.key_size + 7) // 8
        point = public_key.public_numbers()
        jwk = {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url(point.x.to_bytes(size, "big")),
            "y": b64url(point.y.to_bytes(size, "big")),
        }
    elif isinstance(public_key, rsa.RSAPublicKey):
        numbers = public_key.public_numbers()
        jwk = {
            "kty": "RSA",
            "n": b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
            "e": b64url(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")),
        }
    else:
        raise ValueError(f"Unsupported key type {type(public_key).__name__} in certificate.")
    x5c = list(chain) or [certificate]
    if x5c[0] != certificate:
        raise ValueError("The chain must start with the certificate itself.")
    thumbprint = certificate_thumbprint(certificate)
    jwk.update(
        {
            "kid": thumbprint,
            "alg": algorithm_for(public_key),
            "use": "sig",
            "x5c": [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode("ascii") for c in x5c],
            "x5t#S256": thumbprint,
        }
    )
    return jwk


def load_pkcs12(path: Path, password: bytes | None) -> SealKey:
    """Load a seal key from a PKCS#12 file holding the private key, the seal certificate and its CA chain.

    The chain is ordered by following issuers from the seal certificate; unrelated certificates are dropped.
    Raises ValueError when the file has no key or certificate, the key does not match, or the key type is
    unsupported.
    """
    bundle = pkcs12.load_pkcs12(Path(path).read_bytes(), password)
    if bundle.key is None or bundle.cert is None:
        raise ValueError(f"{path} must hold both the seal's private key and its certificate.")
    private_key = bundle.key
    if not isinstance(private_key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise ValueError(f"Unsupported seal key type {type(private_key).__name__} in {path}.")
    algorithm_for(private_key)
    certificate = bundle.cert.certificate
    if certificate.public_key() != private_key.public_key():
        raise ValueError(f"The private key in {path} does not belong to its certificate.")
    return SealKey(
        private_key=private_key,
        certificate=certificate,
        chain=_ordered_chain(certificate, [c.certificate for c in bundle.additional_certs]),
    )


def _ordered_chain(leaf: x509.Certificate, others: Sequence[x509.Certificate]) -> tuple[x509.Certificate, ...]:
    chain = [leaf]
    pool = [c for c in others if c != leaf]
    while chain[-1].issuer != chain[-1].subject:
        # Test CAs all share one name, so match the issuer by signature, not by name alone.
        issuer = next((c for c in pool if c.subject == chain[-1].issuer and _issued(chain[-1], c)), None)
        if issuer is None:
            break
        chain.append(issuer)
        pool.remove(issuer)
    return tuple(chain)


def _issued(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


@dataclass(frozen=True)
class TestCA:
    """The local test root: its key signs test seal certificates (and, in tests, a test timestamp authority)."""

    __test__ = False  # not a pytest test class

    private_key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate


def create_test_ca(*, valid_days: int = 10 * 365, now: datetime | None = None) -> TestCA:
    """A fresh EC P-256 root "AIPIA TEST CA — NOT QUALIFIED" (CA:true, pathLen 0, keyCertSign + cRLSign)."""
    now = _utc(now)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "IT"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, TEST_CA_ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, TEST_CA_COMMON_NAME),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return TestCA(private_key=key, certificate=certificate)


def create_test_seal(
    *,
    organization_name: str,
    organization_identifier: str,
    country: str = "IT",
    valid_days: int = 3 * 365 + 30,
    now: datetime | None = None,
    password: bytes | None = None,
    ca: TestCA | None = None,
) -> tuple[SealKey, bytes]:
    """Create a test seal (EC P-256) certified by a test CA, clearly marked as not qualified.

    Returns the key and a PKCS#12 file (key, seal certificate, CA certificate) readable by `load_pkcs12`.
    The PKCS#12 is password-less unless `password` is given. A new test CA is made unless `ca` is passed;
    its private key is not part of the PKCS#12.
    """
    now = _utc(now)
    ca = ca or create_test_ca(valid_days=valid_days + 365, now=now)
    key = ec.generate_private_key(ec.SECP256R1())
    suffix = " electronic seal (TEST — NOT QUALIFIED)"
    common_name = organization_name + suffix
    while len(common_name.encode("utf-8")) > _COMMON_NAME_MAX:  # cryptography counts the bound in bytes
        organization_name_part = common_name[: -len(suffix)].removesuffix("...")[:-1].rstrip()
        common_name = organization_name_part + "..." + suffix
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization_name),
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, organization_identifier),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    policy = x509.PolicyInformation(
        TEST_POLICY_OID, [x509.UserNotice(notice_reference=None, explicit_text=TEST_POLICY_NOTICE)]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([DOCUMENT_SIGNING_OID]), critical=False)
        .add_extension(x509.CertificatePolicies([policy]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.private_key.public_key()),
            critical=False,
        )
        .sign(ca.private_key, hashes.SHA256())
    )
    seal_key = SealKey(private_key=key, certificate=certificate, chain=(certificate, ca.certificate))
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    p12 = pkcs12.serialize_key_and_certificates(
        name=b"aipia-seal", key=key, cert=certificate, cas=[ca.certificate], encryption_algorithm=encryption
    )
    return seal_key, p12


TOKEN_KEY_SUFFIX = " QR token key"  # noqa: S105 - a name, not a password


def create_token_key(*, organization_name: str, now: datetime | None = None) -> tuple[SealKey, bytes]:
    """A software EC P-256 key for the QR tokens, under a self-signed certificate that is no CA (so it never
    anchors a seal) and lasts 50 years (a printed token outlives any seal certificate).

    Returns the key and a password-less PKCS#12 file (key and certificate) readable by :func:`load_pkcs12`.
    """
    now = _utc(now)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization_name[:_COMMON_NAME_MAX]),
            x509.NameAttribute(
                NameOID.COMMON_NAME, organization_name[: _COMMON_NAME_MAX - len(TOKEN_KEY_SUFFIX)] + TOKEN_KEY_SUFFIX
            ),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=50 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .sign(key, hashes.SHA256())
    )
    p12 = pkcs12.serialize_key_and_certificates(
        name=b"aipia-qr-token", key=key, cert=certificate, cas=None, encryption_algorithm=serialization.NoEncryption()
    )
    return SealKey(private_key=key, certificate=certificate, chain=(certificate,)), p12


def is_certificate_authority(certificate: x509.Certificate) -> bool:
    try:
        return certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def _key_usage(**usages: bool) -> x509.KeyUsage:
    flags = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    flags.update(usages)
    return x509.KeyUsage(**flags)


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("Use an aware datetime.")
    return moment.astimezone(UTC)
