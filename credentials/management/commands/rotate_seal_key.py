import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from credentials.documents import devices, testpki
from credentials.documents.keys import load_pkcs12
from credentials.services import keyring


class Command(BaseCommand):
    help = (
        "Switch new credentials to another seal key. Every certificate used before stays published at "
        "/.well-known/jwks.json, so earlier credentials keep verifying. Depends on SEAL_SIGNER: "
        "pkcs12 — with --pkcs12, register that file (then point SEAL_PKCS12_PATH at it and restart); without it, "
        "in development, make a new test seal. "
        "pkcs11 — generate a new non-extractable key in the token; in development the test PKI certifies it, "
        "otherwise the public key is printed for your CA and a second run with --certificate stores the issued "
        "certificate and switches. "
        "csc — switch to the credential ID (--credential-id) that the provider issued."
    )

    def add_arguments(self, parser):
        parser.add_argument("--pkcs12", help="pkcs12: path of the new PKCS#12 file.")
        parser.add_argument("--password-env", default="SEAL_PKCS12_PASSWORD", help="Variable holding its password.")
        parser.add_argument("--key-label", help="pkcs11: label of the new key (default: aipia-seal-<UTC time>).")
        parser.add_argument(
            "--certificate", help="pkcs11: PEM file with the certificate your CA issued for --key-label, then its CAs."
        )
        parser.add_argument("--credential-id", help="csc: the provider's credential ID to seal with from now on.")

    def handle(self, *args, **options):
        signer = settings.SEAL_SIGNER
        if signer == "pkcs11":
            key, reference = self._pkcs11(options)
            if key is None:
                return
        elif signer == "csc":
            reference = options["credential_id"] or ""
            if not reference:
                raise CommandError("Give --credential-id with the credential your signing service issued.")
            try:
                key = devices.load_csc_key(keyring.csc_device(reference))
            except devices.DeviceError as error:
                raise CommandError(str(error)) from error
        else:
            key, reference = self._pkcs12(options), ""
        record = keyring.publish(key, device_reference=reference)
        keyring.forget_cached_keys()
        self.stdout.write(
            f"Active seal ({record.signer}): {record.subject} (kid {record.kid}). Earlier certificates stay published."
        )

    def _pkcs12(self, options):
        if options["pkcs12"]:
            password = os.environ.get(options["password_env"], "")
            return load_pkcs12(Path(options["pkcs12"]), password.encode() if password else None)
        if settings.SEAL_ALLOW_TEST_KEY and not settings.SEAL_PKCS12_PATH:
            current = keyring.test_key_path()
            if current.exists():
                old = keyring.load_seal_key()
                shutil.move(current, current.with_name(f"{current.stem}-{old.kid[:12]}.p12"))
            keyring.forget_cached_keys()
            return keyring.load_seal_key()
        raise CommandError("Give --pkcs12 with the new key's file.")

    def _pkcs11(self, options):
        label = options["key_label"] or f"aipia-seal-{datetime.now(UTC):%Y%m%d%H%M%S}"
        device = keyring.pkcs11_device(label)
        try:
            if options["certificate"]:
                chain = x509.load_pem_x509_certificates(Path(options["certificate"]).read_bytes())
                self._store(device, label, chain)
                return devices.load_pkcs11_key(device), label
            public_key = devices.generate_pkcs11_key(device, label=label)
            if not settings.SEAL_ALLOW_TEST_KEY:
                pem = public_key.public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                ).decode()
                self.stdout.write(
                    f"Generated the key {label!r} in the token (it cannot be exported). Have your CA certify this "
                    f"public key, then run again with --key-label {label} --certificate <issued chain PEM>:\n{pem}"
                )
                return None, label
            pki = testpki.ensure_test_pki(
                Path(settings.SEAL_TEST_PKI_DIR),
                organization_name=settings.ISSUER_LEGAL_NAME,
                organization_identifier=settings.ISSUER_EIDAS_IDENTIFIER,
                country=settings.ISSUER_COUNTRY,
            )
            certificate = pki.certify(public_key)
            self._store(device, label, [certificate, *pki.chain()[1:]])
            return devices.load_pkcs11_key(device), label
        except devices.DeviceError as error:
            raise CommandError(str(error)) from error

    def _store(self, device, label, chain):
        on_token = {
            c.fingerprint(c.signature_hash_algorithm) for c in device.certificates() if c.signature_hash_algorithm
        }
        devices.store_pkcs11_certificate(device, chain[0], label=label)
        for ca in chain[1:]:
            if ca.signature_hash_algorithm and ca.fingerprint(ca.signature_hash_algorithm) not in on_token:
                devices.store_pkcs11_certificate(device, ca, label=f"ca-{ca.subject.rfc4514_string()[:60]}")
