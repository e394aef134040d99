"""Where the seal key comes from, and the public record of every seal certificate ever used.

Production: a PKCS#12 file whose path and password come from the environment (SEAL_PKCS12_PATH,
SEAL_PKCS12_PASSWORD). Development and tests (SEAL_ALLOW_TEST_KEY): a local test CA and seal certificate,
created on first use under SEAL_TEST_KEY_PATH and clearly marked as not qualified.
"""

from __future__ import annotations

import fcntl
import threading
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

from credentials.documents.keys import SealKey, create_test_seal, load_pkcs12
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
            _key, p12 = create_test_seal(
                organization_name=settings.ISSUER_LEGAL_NAME,
                organization_identifier=settings.ISSUER_EIDAS_IDENTIFIER,
                country=settings.ISSUER_COUNTRY,
            )
            path.write_bytes(p12)
            path.chmod(0o600)
        return load_pkcs12(path, None)


def load_seal_key() -> SealKey:
    """The configured seal key, loaded once per process."""
    source = str(settings.SEAL_PKCS12_PATH or settings.SEAL_TEST_KEY_PATH)
    with _lock:
        if source not in _cache:
            if settings.SEAL_PKCS12_PATH:
                password = settings.SEAL_PKCS12_PASSWORD.encode() if settings.SEAL_PKCS12_PASSWORD else None
                _cache[source] = load_pkcs12(Path(settings.SEAL_PKCS12_PATH), password)
            elif settings.SEAL_ALLOW_TEST_KEY:
                _cache[source] = _load_or_create_test_key(Path(settings.SEAL_TEST_KEY_PATH))
            else:
                raise ImproperlyConfigured("Set SEAL_PKCS12_PATH (and SEAL_PKCS12_PASSWORD) to seal credentials.")
        return _cache[source]


def publish(key: SealKey, *, make_active: bool = True) -> SealCertificate:
    """Record ``key``'s certificate (idempotent) and, by default, make it the one new credentials use."""
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
                    )
            except IntegrityError:
                record = SealCertificate.objects.get(kid=key.kid)
        if make_active and not record.is_active:
            SealCertificate.objects.filter(is_active=True).exclude(pk=record.pk).update(is_active=False)
            record.is_active = True
            record.save(update_fields=["is_active"])
    return record


def active_seal() -> tuple[SealKey, SealCertificate]:
    """The key to seal with now, and its published record."""
    key = load_seal_key()
    record = SealCertificate.objects.filter(kid=key.kid, is_active=True).first() or publish(key)
    return key, record


def forget_cached_keys() -> None:
    """For key rotation and tests: the next load reads the configuration again."""
    with _lock:
        _cache.clear()
