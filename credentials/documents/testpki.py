"""The test PKI: Certomancer's root, intermediate, seal certificate, OCSP, CRLs and time-stamping authorities.

TEST ONLY — NOT QUALIFIED. Development (``make run``, ``seed_demo``), the tests and the benchmark seal with it,
in-process: timestamps, CRLs and OCSP responses are made here, without a network. The same folder can be served
on 127.0.0.1 by ``certomancer animate`` (and its seal credential by ``certomancer-csc``) for the PKCS#11 and CSC
tests.

No key is committed. :func:`ensure_test_pki` generates EC P-256 keys into the folder on first use, fills the
committed ``testpki.yml`` in (validity dates from now, the issuer's name and organizationIdentifier, the seal's
qcStatements and our test certificate policy) and pins every certificate it generated, so that every process
that loads the folder sees the same certificates. Pure module: no Django, no settings.
"""

from __future__ import annotations

import copy
import fcntl
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyhanko.sign.ades.qualified_asn1  # noqa: F401 - registers qcStatements with asn1crypto
import yaml
from asn1crypto import core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from credentials.documents.keys import DOCUMENT_SIGNING_OID, TEST_POLICY_OID, SealKey

TEMPLATE = Path(__file__).with_name("testpki.yml")
CONFIG_NAME = "pki.yml"
ARCH = "aipia"
SEAL = "seal"
SEAL_REVOKED = "seal-revoked"
TIMESTAMPERS = ("tsa", "tsa-next")
KEY_LABELS = ("root", "interm", "seal", "seal-revoked", "ocsp", "tsa", "tsa-next")
# Validity from the PKI's creation. The seal certificate lasts less than a credential (three years) and the
# first TSA less than that too: a certificate verifies after both expired only through its long-term
# validation data and a later archive timestamp from the second TSA, whose certificate starts a year on.
DATES = {
    "root": (timedelta(days=-1), timedelta(days=30 * 365)),
    "interm": (timedelta(days=-1), timedelta(days=20 * 365)),
    "seal": (timedelta(days=-1), timedelta(days=2 * 365)),
    "seal-revoked": (timedelta(days=-2), timedelta(days=2 * 365)),
    "tsa": (timedelta(days=-1), timedelta(days=2 * 365)),
    "tsa-next": (timedelta(days=365), timedelta(days=12 * 365)),
}
# seal-revoked is valid from two days before the PKI was made and revoked an hour before the intermediate's
# first CRL (the intermediate starts a day before), so that every CRL lists it.
REVOKED_AFTER = timedelta(days=-1, hours=-1)
# ETSI EN 319 412-5 QCStatements of a qualified seal: QcCompliance, QcSSCD, QcType eseal.
_QC_COMPLIANCE, _QC_SSCD, _QC_TYPE, _QCT_ESEAL = (
    "0.4.0.1862.1.1",
    "0.4.0.1862.1.4",
    "0.4.0.1862.1.6",
    "0.4.0.1862.1.6.2",
)


# pyHanko registers the qcStatements extension with asn1crypto; the native form is what Certomancer passes on.
QC_STATEMENTS = [
    {"statement_id": "qc_compliance"},
    {"statement_id": "qc_sscd"},
    {"statement_id": "qc_type", "statement_info": ["qct_eseal"]},
]


def _der(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    size = (length.bit_length() + 7) // 8
    return bytes([tag, 0x80 | size]) + length.to_bytes(size, "big") + content


def qc_statements_der() -> bytes:
    """DER QCStatements: compliance, secure device, type "eseal" (what a qualified seal certificate carries)."""

    def oid(dotted: str) -> bytes:
        return core.ObjectIdentifier(dotted).dump()

    statements = [
        _der(0x30, oid(_QC_COMPLIANCE)),
        _der(0x30, oid(_QC_SSCD)),
        _der(0x30, oid(_QC_TYPE) + _der(0x30, oid(_QCT_ESEAL))),
    ]
    return _der(0x30, b"".join(statements))


def _extensions(kind: str) -> list[dict[str, Any]]:
    revocation = [
        {
            "id": "crl_distribution_points",
            "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["interm"]}},
        },
        {
            "id": "authority_information_access",
            "smart-value": {"schema": "aia-urls", "params": {"ocsp-responder-names": ["interm"]}},
        },
    ]
    if kind == "tsa-next":  # issued by the root: its status is the root's CRL
        revocation = [
            {
                "id": "crl_distribution_points",
                "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["root"]}},
            }
        ]
    if kind in ("tsa", "tsa-next"):
        return [
            {
                "id": "key_usage",
                "critical": True,
                "smart-value": {"schema": "key-usage", "params": ["digital_signature", "non_repudiation"]},
            },
            {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
            *revocation,
        ]
    return [
        {
            "id": "key_usage",
            "critical": True,
            "smart-value": {"schema": "key-usage", "params": ["digital_signature", "non_repudiation"]},
        },
        {"id": "extended_key_usage", "value": [DOCUMENT_SIGNING_OID.dotted_string]},
        {"id": "certificate_policies", "value": [{"policy_identifier": TEST_POLICY_OID.dotted_string}]},
        {"id": "qc_statements", "value": QC_STATEMENTS},
        *revocation,
    ]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def render_config(*, organization_name: str, organization_identifier: str, country: str, now: datetime) -> dict:
    """The committed template with dates, names and extensions filled in (certificates not yet pinned)."""
    config = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    arch = config["pki-architectures"][ARCH]
    seal_name = {
        "country-name": country,
        "organization-name": organization_name,
        "2.5.4.97": organization_identifier,
        "common-name": f"{organization_name[:30].rstrip()} seal (TEST — NOT QUALIFIED)",
    }
    arch["entities"]["seal"] = dict(seal_name)
    arch["entities"]["seal-revoked"] = dict(seal_name, **{"organizational-unit-name": "Revoked test seal"})
    for spec in arch["certs"].values():
        start, end = DATES[spec["validity"]]
        spec["validity"] = {"valid-from": _iso(now + start), "valid-to": _iso(now + end)}
        if isinstance(spec.get("extensions"), str):
            spec["extensions"] = _extensions(spec["extensions"])
        if spec.get("revocation") == "revoked":
            spec["revocation"] = {"revoked-since": _iso(now + REVOKED_AFTER), "reason": "key_compromise"}
    return config


_crl_cache: dict[tuple[str, str, datetime], Any] = {}


@dataclass(frozen=True)
class TestPki:
    """A loaded test PKI (see the module docstring)."""

    __test__ = False  # not a pytest test class

    folder: Path
    config: Any  # certomancer.registry.CertomancerConfig

    @property
    def arch(self) -> Any:
        return self.config.get_pki_arch(_label("ArchLabel", ARCH))

    @property
    def config_path(self) -> Path:
        return self.folder / CONFIG_NAME

    def asn1_certificate(self, label: str) -> asn1_x509.Certificate:
        return self.arch.get_cert(_label("CertLabel", label))

    def certificate(self, label: str) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.asn1_certificate(label).dump())

    @property
    def root(self) -> x509.Certificate:
        return self.certificate("root")

    def chain(self, label: str = SEAL) -> tuple[x509.Certificate, ...]:
        return (self.certificate(label), self.certificate("interm"), self.root)

    def private_key(self, label: str) -> ec.EllipticCurvePrivateKey:
        key = serialization.load_pem_private_key((self.folder / "keys" / f"{label}.key.pem").read_bytes(), None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return key

    def seal_key(self, label: str = SEAL) -> SealKey:
        """The seal certificate ``label`` with its key as a file key (the ``pkcs12`` signer)."""
        return SealKey(
            private_key=self.private_key(label), certificate=self.certificate(label), chain=self.chain(label)
        )

    def certify(self, public_key: ec.EllipticCurvePublicKey, *, now: datetime | None = None) -> x509.Certificate:
        """A new seal certificate for ``public_key`` (a key generated in an HSM), issued by the intermediate with
        the seal certificate's subject and extensions, valid from now for as long as the first one was."""
        now = now or datetime.now(UTC)
        template = self.certificate(SEAL)
        builder = (
            x509.CertificateBuilder()
            .subject_name(template.subject)
            .issuer_name(template.issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + (template.not_valid_after_utc - template.not_valid_before_utc))
        )
        for extension in template.extensions:
            if isinstance(extension.value, x509.SubjectKeyIdentifier):
                builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            else:
                builder = builder.add_extension(extension.value, critical=extension.critical)
        return builder.sign(self.private_key("interm"), hashes.SHA256())

    def timestamper(self, *, at: datetime | None = None, label: str | None = None) -> Any:
        """A pyHanko TimeStamper answered in-process by the TSA ``label`` or, without one, by the TSA whose
        certificate is valid at ``at`` (now) and lasts longest, as a renewed TSA's would."""
        from pyhanko.sign.timestamps import TimeStamper

        moment = at or datetime.now(UTC)
        if label is None:
            valid = [
                name
                for name in TIMESTAMPERS
                if self.certificate(name).not_valid_before_utc <= moment <= self.certificate(name).not_valid_after_utc
            ]
            if not valid:
                raise ValueError(f"No test TSA has a certificate valid at {moment.isoformat()}")
            label = max(valid, key=lambda name: self.certificate(name).not_valid_after_utc)
        service = self.arch.service_registry.summon_timestamper(_label("ServiceLabel", label), at_time=moment)

        class InProcessTimeStamper(TimeStamper):
            async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
                return service.request_tsa_response(req)

        return InProcessTimeStamper()

    def crls(self, *, at: datetime | None = None, issuers: Iterable[str] = ("root", "interm")) -> list[Any]:
        """The CRLs of ``issuers`` (the root's, the intermediate's) as of ``at`` (asn1crypto CertificateLists)."""
        registry = self.arch.service_registry
        moment = at or datetime.now(UTC)
        crls = []
        for name in issuers:
            # A CRL is made (and signed) once per issuer and hour: every seal within the hour embeds the same one.
            key = (str(self.folder), name, moment.replace(minute=0, second=0, microsecond=0))
            if key not in _crl_cache:
                if len(_crl_cache) > 64:
                    _crl_cache.clear()
                _crl_cache[key] = registry.get_crl(_label("ServiceLabel", name), at_time=key[2])
            crls.append(_crl_cache[key])
        return crls

    def validation_context(
        self, *, at: datetime | None = None, crls: Iterable[Any] | None = None, moment: datetime | None = None
    ) -> Any:
        """A pyHanko ValidationContext trusting our root, with this PKI's CRLs as of ``at``, never fetching."""
        from pyhanko_certvalidator import ValidationContext

        return ValidationContext(
            trust_roots=[self.asn1_certificate("root")],
            other_certs=[self.asn1_certificate("interm")],
            crls=list(crls) if crls is not None else self.crls(at=at),
            allow_fetching=False,
            revocation_mode="hard-fail",
            moment=moment,
        )


def _label(kind: str, value: str) -> Any:
    from certomancer.registry import common

    return getattr(common, kind)(value)


def ensure_test_pki(
    folder: Path,
    *,
    organization_name: str,
    organization_identifier: str,
    country: str = "IT",
    now: datetime | None = None,
) -> TestPki:
    """The test PKI in ``folder``, made on first use (keys, configuration, pinned certificates). Safe when several
    processes start at once: the first makes it while the others wait."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / CONFIG_NAME).exists():
            _create(folder, organization_name, organization_identifier, country, now or datetime.now(UTC))
    return load_test_pki(folder)


def load_test_pki(folder: Path) -> TestPki:
    from certomancer.registry import CertomancerConfig

    return TestPki(folder=Path(folder), config=CertomancerConfig.from_file(str(Path(folder) / CONFIG_NAME)))


def _create(folder: Path, organization_name: str, organization_identifier: str, country: str, now: datetime) -> None:
    from certomancer.registry import CertomancerConfig

    keys = folder / "keys"
    keys.mkdir(exist_ok=True)
    for label in KEY_LABELS:
        key = ec.generate_private_key(ec.SECP256R1())
        path = keys / f"{label}.key.pem"
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        path.chmod(0o600)
    config = render_config(
        organization_name=organization_name, organization_identifier=organization_identifier, country=country, now=now
    )
    generated = CertomancerConfig(copy.deepcopy(config), key_search_dir=str(folder), config_search_dir=str(folder))
    arch = generated.get_pki_arch(_label("ArchLabel", ARCH))
    certs = folder / "certs"
    certs.mkdir(exist_ok=True)
    for label, spec in config["pki-architectures"][ARCH]["certs"].items():
        der = arch.get_cert(_label("CertLabel", label)).dump()
        pem = x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
        (certs / f"{label}.cert.pem").write_bytes(pem)
        spec["certificate-file"] = f"certs/{label}.cert.pem"
    temporary = folder / (CONFIG_NAME + ".tmp")
    temporary.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    temporary.replace(folder / CONFIG_NAME)
