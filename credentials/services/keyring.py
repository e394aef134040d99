"""Where the seal key comes from, and the public record of every seal certificate ever used.

SEAL_SIGNER chooses the device (ADR 0016):
- ``pkcs12``: a PKCS#12 file whose path and password come from the environment (SEAL_PKCS12_PATH,
  SEAL_PKCS12_PASSWORD); in development and tests (SEAL_ALLOW_TEST_KEY), a local test CA and seal certificate,
  created on first use under SEAL_TEST_KEY_PATH and clearly marked as not qualified;
- ``pkcs11``: a key in an HSM (SEAL_PKCS11_MODULE, _TOKEN_LABEL, _KEY_LABEL, _PIN), its certificate on the token;
- ``csc``: a credential in a remote QSCD (SEAL_CSC_URL, _CREDENTIAL_ID, _AUTH_TOKEN, _PIN).
After a rotation, the active seal record names the key label or credential ID in use (``device_reference``).
"""

from __future__ import annotations

import datetime
import fcntl
import threading
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

from credentials.documents import devices, testpki
from credentials.documents.keys import SealKey, create_test_seal, create_token_key, load_pkcs12
from credentials.models import SealCertificate

_lock = threading.Lock()
_cache: dict[str, SealKey] = {}


def _pem(cert) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _load_or_create_test_key(path: Path) -> SealKey:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Several processes may start at once: the first creates the key, the others wait and load it.
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            if settings.SEAL_TEST_PKI:
                p12 = _test_pki_seal()
            else:
                _key, p12 = create_test_seal(
                    organization_name=settings.ISSUER_LEGAL_NAME,
                    organization_identifier=settings.ISSUER_EIDAS_IDENTIFIER,
                    country=settings.ISSUER_COUNTRY,
                )
            path.write_bytes(p12)
            path.chmod(0o600)
        return load_pkcs12(path, None)


def _test_pki_seal() -> bytes:
    """A new software seal key certified by the test PKI, as a password-less PKCS#12 (development only)."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import NoEncryption, pkcs12

    pki = testpki.ensure_test_pki(
        Path(settings.SEAL_TEST_PKI_DIR),
        organization_name=settings.ISSUER_LEGAL_NAME,
        organization_identifier=settings.ISSUER_EIDAS_IDENTIFIER,
        country=settings.ISSUER_COUNTRY,
    )
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = pki.certify(key.public_key())
    return pkcs12.serialize_key_and_certificates(
        name=b"aipia-seal", key=key, cert=certificate, cas=list(pki.chain()[1:]), encryption_algorithm=NoEncryption()
    )


def test_key_path() -> Path:
    """Where the development test seal lives: one file for a self-made CA's seal, another for the test PKI's."""
    path = Path(settings.SEAL_TEST_KEY_PATH)
    return path.with_name(f"{path.stem}-pki{path.suffix}") if settings.SEAL_TEST_PKI else path


test_key_path.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def load_seal_key() -> SealKey:
    """The configured seal key, loaded once per process (per device reference, after a rotation)."""
    signer = settings.SEAL_SIGNER
    if signer == "pkcs11":
        reference = _device_reference(signer) or settings.SEAL_PKCS11_KEY_LABEL
        source = f"pkcs11:{settings.SEAL_PKCS11_MODULE}:{settings.SEAL_PKCS11_TOKEN_LABEL}:{reference}"
    elif signer == "csc":
        reference = _device_reference(signer) or settings.SEAL_CSC_CREDENTIAL_ID
        source = f"csc:{settings.SEAL_CSC_URL}:{reference}"
    else:
        reference = ""
        source = str(settings.SEAL_PKCS12_PATH or test_key_path())
    with _lock:
        if source not in _cache:
            _cache[source] = _load(signer, reference)
        return _cache[source]


def _load(signer: str, reference: str) -> SealKey:
    if signer == "pkcs11":
        if not settings.SEAL_PKCS11_PIN:
            raise ImproperlyConfigured(
                "Set SEAL_PKCS11_PIN (and the module, token and key labels) to seal with an HSM."
            )
        return devices.load_pkcs11_key(pkcs11_device(reference))
    if signer == "csc":
        if not settings.SEAL_CSC_URL or not reference:
            raise ImproperlyConfigured("Set SEAL_CSC_URL and SEAL_CSC_CREDENTIAL_ID to seal with a remote QSCD.")
        return devices.load_csc_key(csc_device(reference))
    if settings.SEAL_PKCS12_PATH:
        password = settings.SEAL_PKCS12_PASSWORD.encode() if settings.SEAL_PKCS12_PASSWORD else None
        return load_pkcs12(Path(settings.SEAL_PKCS12_PATH), password)
    if settings.SEAL_ALLOW_TEST_KEY:
        return _load_or_create_test_key(test_key_path())
    raise ImproperlyConfigured("Set SEAL_PKCS12_PATH (and SEAL_PKCS12_PASSWORD) to seal credentials.")


def pkcs11_device(key_label: str) -> devices.Pkcs11Device:
    """The configured token, with the key ``key_label``."""
    return devices.Pkcs11Device(
        module=settings.SEAL_PKCS11_MODULE,
        token_label=settings.SEAL_PKCS11_TOKEN_LABEL,
        key_label=key_label,
        pin=settings.SEAL_PKCS11_PIN,
    )


def csc_device(credential_id: str) -> devices.CscDevice:
    """The configured remote signing service, with the credential ``credential_id``."""
    return devices.CscDevice(
        url=settings.SEAL_CSC_URL,
        credential_id=credential_id,
        auth_token=settings.SEAL_CSC_AUTH_TOKEN,
        pin=settings.SEAL_CSC_PIN,
    )


def _device_reference(signer: str) -> str:
    """The key label or credential ID that the last rotation made active, if it was for this device kind."""
    record = SealCertificate.objects.filter(is_active=True, signer=signer).only("device_reference").first()
    return record.device_reference if record else ""


def publish(key: SealKey, *, make_active: bool = True, device_reference: str = "") -> SealCertificate:
    """Record ``key``'s certificate (idempotent) and, by default, make it the one new credentials use.

    ``device_reference`` (the PKCS#11 key label or CSC credential ID) is recorded with it, so that the next
    :func:`load_seal_key` finds the key in its device.
    """
    if key.organization_identifier != settings.ISSUER_EIDAS_IDENTIFIER:
        raise ImproperlyConfigured(
            f"The seal certificate's organizationIdentifier ({key.organization_identifier}) differs from "
            f"ISSUER_EIDAS_IDENTIFIER ({settings.ISSUER_EIDAS_IDENTIFIER}): verifiers would reject the credentials."
        )
    cert = key.certificate
    with transaction.atomic():
        record = SealCertificate.objects.select_for_update().filter(kid=key.kid).first()
        if record is None:
            try:
                with transaction.atomic():
                    record = SealCertificate.objects.create(
                        kid=key.kid,
                        certificate_pem=_pem(cert),
                        chain_pem="".join(_pem(c) for c in key.chain),
                        organization_identifier=key.organization_identifier or "",
                        subject=cert.subject.rfc4514_string(),
                        not_before=cert.not_valid_before_utc,
                        not_after=cert.not_valid_after_utc,
                        is_test=key.is_test,
                        signer=key.signer,
                        device_reference=device_reference or _reference_of(key),
                    )
            except IntegrityError:
                record = SealCertificate.objects.get(kid=key.kid)
        if make_active and not record.is_active:
            SealCertificate.objects.filter(is_active=True).exclude(pk=record.pk).update(is_active=False)
            record.is_active = True
            record.save(update_fields=["is_active"])
    return record


def _reference_of(key: SealKey) -> str:
    device = key.device
    if isinstance(device, devices.Pkcs11Device):
        return device.key_label
    if isinstance(device, devices.CscDevice):
        return device.credential_id
    return ""


def active_seal() -> tuple[SealKey, SealCertificate]:
    """The key to seal with now, and its published record."""
    key = load_seal_key()
    record = SealCertificate.objects.filter(kid=key.kid, is_active=True).first() or publish(key)
    return key, record


def token_key() -> tuple[SealKey, SealCertificate]:
    """The software P-256 key that signs QR tokens (RFC 6979 deterministic ES256, docs/verification.md), and its
    published record (purpose "token", beside the seals in /.well-known/jwks.json).

    The key is QR_TOKEN_KEY_PATH (PKCS#12), made there on first use in development (SEAL_ALLOW_TEST_KEY). A file
    seal without that setting keeps signing tokens with the seal key, as before this setting existed; a seal in an
    HSM or a remote service cannot sign them (their format has no room for a slow or non-deterministic signer).
    """
    path = Path(settings.QR_TOKEN_KEY_PATH) if settings.QR_TOKEN_KEY_PATH else None
    if path is None and settings.SEAL_ALLOW_TEST_KEY:
        path = Path(settings.SEAL_TEST_KEY_PATH).with_name("qr-token.p12")
    if path is None:
        if settings.SEAL_SIGNER != "pkcs12":
            raise ImproperlyConfigured("Set QR_TOKEN_KEY_PATH: the QR tokens are signed with a software key.")
        return active_seal()
    source = f"token:{path}"
    with _lock:
        if source not in _cache:
            _cache[source] = _load_or_create_token_key(path)
        key = _cache[source]
    record = SealCertificate.objects.filter(kid=key.kid).first() or _publish_token_key(key)
    return key, record


def _load_or_create_token_key(path: Path) -> SealKey:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            if not settings.SEAL_ALLOW_TEST_KEY:
                raise ImproperlyConfigured(f"QR_TOKEN_KEY_PATH {path} does not exist: run create_token_key.")
            _key, p12 = create_token_key(organization_name=settings.ISSUER_LEGAL_NAME)
            path.write_bytes(p12)
            path.chmod(0o600)
        password = settings.QR_TOKEN_KEY_PASSWORD.encode() if settings.QR_TOKEN_KEY_PASSWORD else None
        return load_pkcs12(path, password)


def _publish_token_key(key: SealKey) -> SealCertificate:
    cert = key.certificate
    try:
        with transaction.atomic():
            return SealCertificate.objects.create(
                kid=key.kid,
                certificate_pem=_pem(cert),
                chain_pem=_pem(cert),
                subject=cert.subject.rfc4514_string(),
                not_before=cert.not_valid_before_utc,
                not_after=cert.not_valid_after_utc,
                is_test=settings.SEAL_ALLOW_TEST_KEY,
                purpose="token",
            )
    except IntegrityError:
        return SealCertificate.objects.get(kid=key.kid)


_test_pkis: dict[str, testpki.TestPki] = {}


def test_pki() -> testpki.TestPki | None:
    """The development test PKI (SEAL_TEST_PKI_DIR), when test keys are allowed and it exists."""
    folder = Path(settings.SEAL_TEST_PKI_DIR)
    if not settings.SEAL_ALLOW_TEST_KEY or not (folder / testpki.CONFIG_NAME).exists():
        return None
    with _lock:
        if str(folder) not in _test_pkis:
            _test_pkis[str(folder)] = testpki.load_test_pki(folder)
        return _test_pkis[str(folder)]


test_pki.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def ltv_material(key: SealKey) -> tuple[Any, Any] | None:
    """What a B-LTA seal needs for ``key``: a pyHanko timestamper and a validation context, or None (B-B).

    With TSA_URL, that authority and validation data fetched from the certificates' CRL and OCSP addresses;
    for a seal certified by the test PKI, its time-stamping authority and CRLs, in-process.
    """
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding

    if settings.TSA_URL:
        from pyhanko.sign.timestamps import HTTPTimeStamper
        from pyhanko_certvalidator import ValidationContext

        roots = [asn1_x509.Certificate.load(key.chain[-1].public_bytes(Encoding.DER))]
        return HTTPTimeStamper(settings.TSA_URL), ValidationContext(trust_roots=roots, allow_fetching=True)
    pki = test_pki()
    if pki is not None and key.chain[-1] == pki.root:
        return pki.timestamper(), pki.validation_context()
    return None


def archive_material(*, at: datetime.datetime | None = None) -> tuple[Any, Any] | None:
    """A timestamper and a validation context for archive timestamps (extend_ltv), or None without a TSA.

    With TSA_URL: that authority, and validation data fetched online, trusting the roots of our seal chains and
    VERIFY_TRUST_ANCHORS_FILE (which must then hold the TSA's root). Otherwise the test PKI's TSA and CRLs as of
    ``at`` (development and tests can move ``at`` forward to act as a later night's run).
    """
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    if settings.TSA_URL:
        from pyhanko.sign.timestamps import HTTPTimeStamper
        from pyhanko_certvalidator import ValidationContext

        roots = []
        for record in SealCertificate.objects.filter(purpose="seal"):
            roots.append(x509.load_pem_x509_certificates(record.chain_pem.encode())[-1])
        if settings.VERIFY_TRUST_ANCHORS_FILE:
            roots += x509.load_pem_x509_certificates(Path(settings.VERIFY_TRUST_ANCHORS_FILE).read_bytes())
        anchors = [asn1_x509.Certificate.load(root.public_bytes(Encoding.DER)) for root in roots]
        return HTTPTimeStamper(settings.TSA_URL), ValidationContext(trust_roots=anchors, allow_fetching=True)
    pki = test_pki()
    if pki is None:
        return None
    return pki.timestamper(at=at), pki.validation_context(at=at, moment=at)


def forget_cached_keys() -> None:
    """For key rotation and tests: the next load reads the configuration again."""
    with _lock:
        _cache.clear()
        _test_pkis.clear()
