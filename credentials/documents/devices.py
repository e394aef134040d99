"""Seal keys held outside the application: an HSM through PKCS#11, a remote QSCD through the CSC API.

Pure module in the floor plan's sense: no Django, no settings; the keyring passes the configuration in. Both
devices implement ``credentials.documents.keys.SignatureDevice``: they receive data, send only its SHA-256 digest
to the device, and return a DER ECDSA-Sig-Value (EC) or a PKCS#1 v1.5 signature (RSA). The private key never
leaves its device.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from credentials.documents.keys import SealKey, _ordered_chain

# OIDs the CSC API names algorithms by (signAlgo, hashAlgo).
ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2"
SHA256_WITH_RSA = "1.2.840.113549.1.1.11"
SHA256 = "2.16.840.1.101.3.4.2.1"


class DeviceError(RuntimeError):
    """The signing device could not be reached or refused: the message says which and why."""


# --- PKCS#11 ---------------------------------------------------------------------------------------------------

_libraries: dict[str, tuple[int, Any]] = {}
_libraries_lock = threading.Lock()
# One session per token and process (see Pkcs11Device.session); the lock serialises every use of a session.
_sessions: dict[tuple[str, str], tuple[int, Any]] = {}
_sessions_lock = threading.RLock()


def pkcs11_library(module: str) -> Any:
    """The PKCS#11 module at ``module``, loaded once per process (a module may be initialised only once)."""
    import pkcs11

    with _libraries_lock:
        pid, library = _libraries.get(module, (0, None))
        if library is None:
            library = pkcs11.lib(module)
        elif pid != os.getpid():
            # A forked child (a Celery prefork worker) inherits the parent's initialised module, logins included;
            # PKCS#11 wants each process to initialise it afresh.
            library.reinitialize()
        _libraries[module] = (os.getpid(), library)
        return library


@dataclass
class Pkcs11Device:
    """A private key inside a PKCS#11 token (an HSM; SoftHSM2 in tests), found by token and key label.

    The data is hashed here and signed with the raw mechanism (CKM_ECDSA; CKM_RSA_PKCS over a DigestInfo), which
    every token offers; SoftHSM 2.6 has no CKM_ECDSA_SHA256. One session per process, opened on first use and
    again after a fork (a Celery worker child must not share its parent's session); a lock serialises its use.
    """

    module: str
    token_label: str
    key_label: str
    pin: str = field(repr=False)
    kind: str = "pkcs11"
    _lock: threading.RLock = field(default=_sessions_lock, init=False, repr=False, compare=False)
    _session: Any = field(default=None, init=False, repr=False, compare=False)
    _key: Any = field(default=None, init=False, repr=False, compare=False)

    def session(self) -> Any:
        """The process's open, logged-in session on the token (also for key generation and certificate storage).

        A PKCS#11 login belongs to the whole process, so every device on one token shares one session.
        """
        import pkcs11

        place = (self.module, self.token_label)
        with _sessions_lock:
            pid, session = _sessions.get(place, (0, None))
            if session is None or pid != os.getpid():
                try:
                    token = pkcs11_library(self.module).get_token(token_label=self.token_label)
                    session = token.open(user_pin=self.pin, rw=True)
                except (pkcs11.PKCS11Error, RuntimeError) as error:
                    raise DeviceError(
                        f"Cannot open the PKCS#11 token {self.token_label!r} with {self.module}: {type(error).__name__}"
                    ) from error
                _sessions[place] = (os.getpid(), session)
        if self._session is not session:
            self._session, self._key = session, None
        return session

    def _private_key(self) -> Any:
        import pkcs11
        from pkcs11 import ObjectClass

        session = self.session()
        if self._key is None:
            try:
                self._key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=self.key_label)
            except (pkcs11.NoSuchKey, pkcs11.MultipleObjectsReturned) as error:
                raise DeviceError(
                    f"The token {self.token_label!r} has no single private key labelled {self.key_label!r}."
                ) from error
        return self._key

    def sign(self, data: bytes) -> bytes:
        from pkcs11 import KeyType, Mechanism

        with self._lock:
            key = self._private_key()
            if key.key_type == KeyType.EC:
                raw = key.sign(hashlib.sha256(data).digest(), mechanism=Mechanism.ECDSA)
                half = len(raw) // 2
                return encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))
            return key.sign(_SHA256_DIGEST_INFO + hashlib.sha256(data).digest(), mechanism=Mechanism.RSA_PKCS)

    def certificates(self) -> list[x509.Certificate]:
        """Every certificate stored on the token."""
        from pkcs11 import Attribute, ObjectClass

        with self._lock:
            objects = self.session().get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})
            return [x509.load_der_x509_certificate(bytes(obj[Attribute.VALUE])) for obj in objects]

    def certificate_labelled(self, label: str) -> x509.Certificate | None:
        from pkcs11 import Attribute, ObjectClass

        with self._lock:
            for obj in self.session().get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.LABEL: label}):
                return x509.load_der_x509_certificate(bytes(obj[Attribute.VALUE]))
        return None


# DER DigestInfo prefix for SHA-256 (RFC 8017 §9.2, note 1): CKM_RSA_PKCS pads what it is given.
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def load_pkcs11_key(device: Pkcs11Device) -> SealKey:
    """The seal key in ``device``: its certificate is the token's certificate with the key's label; the chain is
    completed from the other certificates on the token. Raises DeviceError when either is missing."""
    certificate = device.certificate_labelled(device.key_label)
    if certificate is None:
        raise DeviceError(f"The token {device.token_label!r} holds no certificate labelled {device.key_label!r}.")
    chain = _ordered_chain(certificate, device.certificates())
    return SealKey(certificate=certificate, chain=chain, device=device)


def generate_pkcs11_key(device: Pkcs11Device, *, label: str) -> ec.EllipticCurvePublicKey:
    """Generate an EC P-256 key pair labelled ``label`` inside the token: sensitive, not extractable.

    Returns the public key, to be certified; the private key stays in the token.
    """
    from pkcs11 import Attribute, KeyType
    from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

    with device._lock:
        session = device.session()
        parameters = session.create_domain_parameters(
            KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True
        )
        public, _private = parameters.generate_keypair(
            store=True,
            label=label,
            private_template={
                Attribute.SENSITIVE: True,
                Attribute.EXTRACTABLE: False,
                Attribute.SIGN: True,
                Attribute.TOKEN: True,
            },
            public_template={Attribute.VERIFY: True, Attribute.TOKEN: True},
        )
        der = encode_ec_public_key(public)
        device._key = None
    key = serialization.load_der_public_key(der)
    if not isinstance(key, ec.EllipticCurvePublicKey):  # pragma: no cover - we asked for EC
        raise DeviceError("The token generated something other than an EC key.")
    return key


def store_pkcs11_certificate(device: Pkcs11Device, certificate: x509.Certificate, *, label: str) -> None:
    """Store ``certificate`` on the token under ``label`` (the seal certificate beside its key, or a CA)."""
    from pkcs11 import Attribute, CertificateType, ObjectClass

    der = certificate.public_bytes(serialization.Encoding.DER)
    with device._lock:
        device.session().create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: label,
                Attribute.SUBJECT: certificate.subject.public_bytes(),
                Attribute.ISSUER: certificate.issuer.public_bytes(),
                Attribute.SERIAL_NUMBER: _der_integer(certificate.serial_number),
                Attribute.VALUE: der,
            }
        )


def _der_integer(value: int) -> bytes:
    from asn1crypto.core import Integer

    return Integer(value).dump()


# --- Cloud Signature Consortium API ------------------------------------------------------------------------------


@dataclass
class CscDevice:
    """A credential (key and certificate) in a remote QSCD, used through the CSC API v1.

    ``url`` is the service base (ending in ``/csc/v1``); ``credential_id`` the provider's credential; ``auth_token``
    the service's OAuth 2.0 access token (sent as Bearer), ``pin`` the credential's PIN when its authMode is
    explicit. Each signature authorises exactly one hash (credentials/authorize with the hash, then
    signatures/signHash), as SCAL 2 services require.
    """

    url: str
    credential_id: str
    auth_token: str = field(default="", repr=False)
    pin: str = field(default="", repr=False)
    timeout: float = 10.0
    kind: str = "csc"

    def call(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 - the configured service URL
            self.url.rstrip("/") + "/" + method,
            data=json.dumps(body).encode("utf-8"),
            headers={"Content-Type": "application/json"}
            | ({"Authorization": f"Bearer {self.auth_token}"} if self.auth_token else {}),
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read(1_000_000))
        except urllib.error.HTTPError as error:
            raise DeviceError(f"The signing service refused {method}: HTTP {error.code}.") from error
        except (urllib.error.URLError, TimeoutError, ValueError) as error:
            raise DeviceError(f"The signing service did not answer {method}: {error}.") from error
        if not isinstance(answer, dict):
            raise DeviceError(f"The signing service's answer to {method} is not a JSON object.")
        return answer

    def credential_info(self) -> tuple[x509.Certificate, tuple[x509.Certificate, ...]]:
        """The credential's certificate and its chain (credentials/info with certificates=chain)."""
        answer = self.call("credentials/info", {"credentialID": self.credential_id, "certificates": "chain"})
        try:
            certificates = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in answer["cert"]["certificates"]]
        except (KeyError, TypeError, ValueError) as error:
            raise DeviceError("The signing service sent no usable certificate for the credential.") from error
        if not certificates:
            raise DeviceError("The signing service sent no certificate for the credential.")
        return certificates[0], _ordered_chain(certificates[0], certificates[1:])

    def sign(self, data: bytes) -> bytes:
        digest = base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")
        authorize: dict[str, Any] = {"credentialID": self.credential_id, "numSignatures": 1, "hash": [digest]}
        if self.pin:
            authorize["PIN"] = self.pin
        sad = self.call("credentials/authorize", authorize).get("SAD")
        if not isinstance(sad, str):
            raise DeviceError("The signing service did not authorise the signature (no SAD).")
        answer = self.call(
            "signatures/signHash",
            {
                "credentialID": self.credential_id,
                "SAD": sad,
                "hash": [digest],
                "hashAlgo": SHA256,
                "signAlgo": self._sign_algo,
            },
        )
        try:
            return base64.b64decode(answer["signatures"][0])
        except (KeyError, IndexError, TypeError, ValueError) as error:
            raise DeviceError("The signing service returned no signature.") from error

    _sign_algo: str = ECDSA_WITH_SHA256


def load_csc_key(device: CscDevice) -> SealKey:
    """The seal key behind ``device``: the certificate and chain the service reports for the credential."""
    certificate, chain = device.credential_info()
    public_key = certificate.public_key()
    device._sign_algo = SHA256_WITH_RSA if isinstance(public_key, rsa.RSAPublicKey) else ECDSA_WITH_SHA256
    return SealKey(certificate=certificate, chain=chain, device=device)
