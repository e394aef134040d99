"""The printable certificate: render it with WeasyPrint, then seal it as PAdES with pyHanko.

Pure module: data in, bytes out, no database and no Django settings. The template is rendered by a
standalone autoescaping template engine, so tests and workers can use it before (or without) the
``credentials`` app being installed.

Security contract of the rendering:

- WeasyPrint reads nothing but files inside ``credentials/static/credentials/`` and the association's logo:
  :class:`StaticOnlyURLFetcher` refuses every other URL (http, https, ftp, data, and file URLs outside
  that folder), and WeasyPrint logs the refusal instead of fetching. The logo is the one file outside the
  folder it serves, under a fixed name the template uses; the installation chooses it (``ASSOCIATION_LOGO``),
  never a holder, and :func:`association_logo` checks it is an SVG or PNG image before the renderer starts.
- Every text field is autoescaped, so a holder name such as ``<img src=x>`` prints as those characters.
  Nothing is marked safe: the QR code goes in as a ``data:image/png`` URL that we build from its bytes,
  the only kind of ``data:`` URL the fetcher accepts.

Workers keep one :class:`CertificateRenderer` per process: it holds WeasyPrint's font configuration and
the parsed stylesheet, which would otherwise be rebuilt (and leak a little memory) on every render.
"""

from __future__ import annotations

import base64
import binascii
import io
import mimetypes
import threading
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit
from urllib.request import url2pathname
from xml.etree import ElementTree

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.template import Context, Engine
from pyhanko.pdf_utils import embed
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from credentials.documents import credential_data, statements

APP_DIR = Path(__file__).resolve().parents[1]  # credentials/, whose static/ and templates/ hold the layout
STATIC_DIR = APP_DIR / "static" / "credentials"
TEMPLATE_NAME = "credentials/certificate.html"
STYLESHEET = STATIC_DIR / "certificate.css"
# The association's emblem we drew for installations without a logo of their own (ASSOCIATION_LOGO).
DEFAULT_LOGO = STATIC_DIR / "emblem.svg"
# The address the template gives the logo, relative to the static folder; the fetcher maps it to the logo file.
LOGO_NAME = "association-logo"
LOGO_MAX_BYTES = 2 * 1024 * 1024
SVG_NAMESPACE = "http://www.w3.org/2000/svg"

# PDF/UA-1 makes WeasyPrint write a tagged PDF (structure tree, /MarkInfo, /Lang) with XMP metadata,
# so screen readers can read the certificate and the title and author show in every viewer.
PDF_VARIANT = "pdf/ua-1"

SEAL_FIELD_NAME = "Seal"
# Bytes reserved in the signature for everything but the certificates and the signature value: a B-B
# CMS from pyHanko 0.38 needs about 1,250 (signed attributes, algorithm identifiers, signer info).
CMS_OVERHEAD = 3072
# Room for the signature timestamp token (the TSA's signature and certificates) in a B-T/B-LTA seal.
TIMESTAMP_RESERVE = 2 * 6144
JSON_LD_MIME_TYPE = "application/ld+json"
PNG_DATA_URL = "data:image/png;base64,"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Names longer than this get a smaller type size so that the certificate stays on one page.
LONG_HOLDER_NAME = 48

_MONTHS_IT = (
    "gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno",
    "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre",
)  # fmt: skip
_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

_ENGINE = Engine(dirs=[str(APP_DIR / "templates")], autoescape=True)


@dataclass(frozen=True)
class Layout:
    """A certificate's template and stylesheet (both inside this app)."""

    template_name: str
    stylesheet: Path


# What the application prints: A4 landscape, with the logo and the seal block (docs/decisions/0011).
CERTIFICATE = Layout(TEMPLATE_NAME, STYLESHEET)
# The portrait layout before it, not used by the application: bench/issuance.py renders both in one run, so that
# the cost of the new layout is a ratio measured on the same machine.
REFERENCE = Layout("credentials/certificate_reference.html", STATIC_DIR / "certificate_reference.css")


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on one certificate; the caller has already looked it up and decided it."""

    credential_id: str
    holder_name: str
    profile_title_en: str
    profile_title_it: str
    profile_code: str
    eqf_level: int
    standard_edition: str
    scheme_version: str
    competences: tuple[tuple[str, str, str, int], ...]  # (code, title_en, title_it, e-CF level)
    issued: date
    valid_from: date
    valid_until: date
    issuer_name: str
    verify_url: str  # what the QR code holds
    # Printed under the QR code for a person to type: the verification page's address (without the scheme, e.g.
    # "credentials.aipia.it/verify") and the serial number, which that page accepts with the holder's surname.
    verify_page: str
    serial: str
    # The QR code as a PNG with one pixel per module (credentials/documents/qr.py ``qr_pdf_image``); the stylesheet
    # sizes it and prints it without interpolation.
    qr_png: bytes
    is_test_seal: bool  # prints a "TEST — NOT A QUALIFIED SEAL" band
    # The third-party route: the external certification the credential rests on, in Italian and English.
    basis_it: str = ""
    basis_en: str = ""
    # A Law 4/2013 art. 7 attestation: what it states, as (heading_it, heading_en, text_it, text_en); the
    # certificate then prints the attestation variant, without a profile or competences.
    attestation_statements: tuple[tuple[str, str, str, str], ...] = ()
    # The seal block: who the seal speaks for (CERTIFICATE_SIGNATORY_ROLE_IT/_EN, CERTIFICATE_SIGNATORY_NAME).
    signatory_role_it: str = "Presidente"
    signatory_role_en: str = "President"
    signatory_name: str = ""

    @property
    def is_attestation(self) -> bool:
        return bool(self.attestation_statements)


def statements_from(data: credential_data.CredentialData) -> dict[str, Any]:
    """The :class:`CertificateData` fields that print what ``data`` states besides the profile: the basis of
    a third-party credential, or an attestation's statements. The same words as in the EDC."""
    fields: dict[str, Any] = {}
    if data.basis is not None:
        note = statements.basis_note(data.basis)
        fields.update(basis_it=note["it"], basis_en=note["en"])
    if data.attestation is not None:
        fields["attestation_statements"] = tuple(
            (heading["it"], heading["en"], text["it"], text["en"])
            for _key, heading, text in statements.attestation_notes(
                data.attestation, issuer_name=data.issuer_legal_name
            )
        )
    return fields


class SealKeyLike(Protocol):
    """What :func:`seal_pdf` needs from ``credentials.documents.keys.SealKey``: the certificates and a device
    that signs SHA-256 of the data (DER ECDSA or PKCS#1 v1.5), wherever the key is held."""

    @property
    def certificate(self) -> x509.Certificate: ...

    @property
    def chain(self) -> tuple[x509.Certificate, ...]: ...

    def sign(self, data: bytes) -> bytes: ...


class ForbiddenResourceError(ValueError):
    """WeasyPrint asked for a resource outside the certificate's static folder."""


class InvalidLogoError(ValueError):
    """The configured logo is missing, unreadable, too large, or not an SVG or PNG image."""


def association_logo(path: str | Path | None) -> Path:
    """The logo file the certificate prints: ``path`` once checked, or our emblem when ``path`` is empty.

    Raises :class:`InvalidLogoError`, naming the file and what is wrong with it, rather than printing certificates
    without the association's logo: a missing file is a deployment mistake to fix, not to hide. The start-up check
    (``credentials.checks``) calls this, so the mistake shows before the first certificate.
    """
    if not path:
        return DEFAULT_LOGO
    logo = Path(path)
    if logo.suffix.lower() not in (".svg", ".png"):
        raise InvalidLogoError(f"The logo {logo} must be an SVG (.svg) or PNG (.png) file")
    try:
        content = logo.read_bytes()
    except OSError as error:
        raise InvalidLogoError(f"The logo {logo} cannot be read: {error.strerror or error}") from error
    if len(content) > LOGO_MAX_BYTES:
        raise InvalidLogoError(f"The logo {logo} is larger than {LOGO_MAX_BYTES // (1024 * 1024)} MB")
    if logo.suffix.lower() == ".png":
        if not content.startswith(PNG_SIGNATURE):
            raise InvalidLogoError(f"The logo {logo} is not a PNG image")
    else:
        try:
            root = ElementTree.fromstring(content)  # noqa: S314 - the installation's own file, not user input
        except ElementTree.ParseError as error:
            raise InvalidLogoError(f"The logo {logo} is not well-formed SVG: {error}") from error
        if root.tag != f"{{{SVG_NAMESPACE}}}svg":
            raise InvalidLogoError(f"The logo {logo} is not an SVG image (its root element is {root.tag})")
    return logo.resolve()


class StaticOnlyURLFetcher(URLFetcher):
    """Serve files under one folder and refuse every other URL.

    WeasyPrint's default fetcher follows any URL found in the document, including ``http://`` (a
    request from the worker to wherever the markup points) and ``file:///etc/passwd``. The refusal is
    an ordinary exception, which WeasyPrint logs before it carries on without the resource.
    """

    def __init__(self, root: Path = STATIC_DIR, *, logo: Path = DEFAULT_LOGO) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False, fail_on_errors=False)
        self.root = root.resolve()
        self.logo = logo.resolve()

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith(PNG_DATA_URL):
            return _png_data_response(url)
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise ForbiddenResourceError(f"Refusing to fetch {url!r}: only the certificate's own assets are served")
        path = Path(url2pathname(parts.path)).resolve()
        if path == self.root / LOGO_NAME:
            path = self.logo
        elif not path.is_relative_to(self.root) or not path.is_file():
            raise ForbiddenResourceError(f"Refusing to fetch {url!r}: outside {self.root}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), headers={"Content-Type": content_type})


def _png_data_response(url: str) -> URLFetcherResponse:
    # The certificate's own QR image. Only base64 PNG is accepted: a data: URL fetches nothing, and
    # checking the signature keeps any other content type (CSS, SVG with references) out.
    try:
        body = base64.b64decode(url[len(PNG_DATA_URL) :], validate=True)
    except (binascii.Error, ValueError) as error:
        raise ForbiddenResourceError("Refusing a data: URL that is not base64") from error
    if not body.startswith(PNG_SIGNATURE):
        raise ForbiddenResourceError("Refusing a data: URL that is not a PNG image")
    return URLFetcherResponse(PNG_DATA_URL, body, headers={"Content-Type": "image/png"})


class CertificateRenderer:
    """Render :class:`CertificateData` to an unsigned PDF.

    Create one per worker process and reuse it. WeasyPrint's font configuration is shared state, so a
    lock serialises renders within one process; run processes, not threads, to render in parallel.
    The same data renders to the same bytes (no timestamps; the file identifier is the credential id).
    """

    def __init__(self, *, logo: str | Path | None = None, layout: Layout = CERTIFICATE) -> None:
        # ``logo``: the installation's logo file (ASSOCIATION_LOGO); empty prints our emblem. An unusable file
        # raises InvalidLogoError here, when the worker starts, not halfway through a certificate.
        self.url_fetcher = StaticOnlyURLFetcher(logo=association_logo(logo))
        self._font_config = FontConfiguration()
        self._stylesheet = CSS(
            filename=str(layout.stylesheet), font_config=self._font_config, url_fetcher=self.url_fetcher
        )
        self._template = _ENGINE.get_template(layout.template_name)
        self._lock = threading.Lock()

    def render_html(self, data: CertificateData) -> str:
        """The certificate's HTML, as WeasyPrint will lay it out."""
        return self._template.render(Context(_template_context(data), autoescape=True))

    def render(self, data: CertificateData) -> bytes:
        """Return the PDF bytes: A4 landscape, one page, tagged (PDF/UA-1), in Italian and English."""
        html = HTML(
            string=self.render_html(data),
            base_url=STATIC_DIR.as_uri() + "/",
            url_fetcher=self.url_fetcher,
        )
        with self._lock:
            return html.write_pdf(
                stylesheets=[self._stylesheet],
                font_config=self._font_config,
                pdf_variant=PDF_VARIANT,
                pdf_identifier=data.credential_id.encode(),
            )


def seal_pdf(
    pdf: bytes,
    *,
    key: SealKeyLike,
    embedded_json: bytes,
    embedded_name: str = "credential.jsonld",
    reason: str = "European Digital Credential",
    location: str = "IT",
    signer_cache: dict[bytes, _DeviceSigner] | None = None,
    timestamper: Any = None,
    validation_context: Any = None,
) -> bytes:
    """Attach ``embedded_json`` to ``pdf`` and seal the result with a PAdES baseline B-B signature, or B-LTA.

    The JSON-LD goes in as an embedded file before signing, so the seal covers it. The signature is an
    incremental update that covers the whole file. ``signer_cache`` (or, without one, a module-wide
    cache) keeps one signer per seal certificate, so the key is not converted again for each PDF.

    With a pyHanko ``timestamper`` and a ``validation_context`` (trust roots and the revocation data to embed, or
    permission to fetch it), the seal is PAdES B-LTA: a signature timestamp, the validation data of the seal and
    of the timestamp in the document security store, then a document timestamp over everything, so that the PDF
    verifies offline after the seal certificate expires (:func:`extend_ltv` adds later archive timestamps).
    Synchronous: pyHanko runs its own event loop, so do not call this from async code.
    """
    signer = _signer_for(key, _DEFAULT_SIGNER_CACHE if signer_cache is None else signer_cache)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    embedded = embed.EmbeddedFileObject.from_file_data(
        writer,
        embedded_json,
        mime_type=JSON_LD_MIME_TYPE,
        params=embed.EmbeddedFileParams(embed_size=True, embed_checksum=True),
    )
    embed.embed_file(
        writer,
        embed.FileSpec(
            file_spec_string=embedded_name,
            file_name=embedded_name,
            embedded_data=embedded,
            description="European Digital Credential (JSON-LD)",
        ),
    )
    lta = timestamper is not None and validation_context is not None
    metadata = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        embed_validation_info=lta,
        use_pades_lta=lta,
        validation_context=validation_context if lta else None,
    )
    output = signers.sign_pdf(
        writer,
        metadata,
        signer=signer,
        timestamper=timestamper if lta else None,
        bytes_reserved=signer.bytes_reserved + (TIMESTAMP_RESERVE if lta else 0),
    )
    return output.getvalue()


def extend_ltv(pdf: bytes, *, timestamper: Any, validation_context: Any) -> bytes:
    """Add an archive timestamp to a B-LTA PDF: the validation data of its last document timestamp (and anything
    still missing) into the document security store, then a new document timestamp over the whole file.

    Run before the last timestamp's certificate expires or its algorithms weaken; the seal then keeps verifying,
    timestamp by timestamp, for as long as the chain is extended. Raises ValueError for a PDF with no seal.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper

    reader = PdfFileReader(io.BytesIO(pdf))
    if not reader.embedded_signatures:
        raise ValueError("The PDF carries no seal to extend.")
    output = io.BytesIO()
    PdfTimeStamper(timestamper).update_archival_timestamp_chain(
        reader, validation_context, in_place=False, output=output
    )
    return output.getvalue()


def last_timestamp_expiry(pdf: bytes) -> datetime | None:
    """When the certificate of the PDF's last document timestamp expires (None for a PDF without one): the moment
    by which :func:`extend_ltv` must have added the next."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    stamps = [s for s in reader.embedded_signatures if s.sig_object_type == "/DocTimeStamp"]
    if not stamps:
        return None
    return stamps[-1].signer_cert["tbs_certificate"]["validity"]["not_after"].native


_DEFAULT_SIGNER_CACHE: dict[bytes, _DeviceSigner] = {}


def _signer_for(key: SealKeyLike, cache: dict[bytes, _DeviceSigner]) -> _DeviceSigner:
    fingerprint = key.certificate.fingerprint(hashes.SHA256())
    signer = cache.get(fingerprint)
    if signer is None or signer.key is not key:
        signer = cache[fingerprint] = _DeviceSigner(key)
    return signer


class _DeviceSigner(signers.Signer):
    """A pyHanko signer over our seal key's device (a PKCS#12 key in memory, an HSM, a remote QSCD).

    One signer for every backend: the CMS is built here, and only SHA-256 of the signed attributes goes to the
    device, exactly as the JAdES seal does. pyHanko's dry runs (used to size a signature) are answered with
    zeros instead of signing, so a remote service is asked once per PDF.
    """

    def __init__(self, key: SealKeyLike) -> None:
        public_key = key.certificate.public_key()
        if not isinstance(public_key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
            raise TypeError(f"Unsupported seal key type {type(public_key).__name__}")
        self.key = key
        self._public_key = public_key
        signing_cert = _to_asn1(key.certificate)
        certificates = SimpleCertificateStore.from_certs([signing_cert, *map(_to_asn1, key.chain)])
        super().__init__(signing_cert=signing_cert, cert_registry=certificates)
        # Room for the CMS SignedData (hex-encoded in /Contents): the certificates, the signature and the
        # signed attributes with generous slack. Passing it to pyHanko spares its trial signature, which
        # would serialise the whole CMS a second time for every PDF.
        certificates_size = sum(len(certificate.dump()) for certificate in certificates)
        self.bytes_reserved = 2 * (certificates_size + _max_signature_size(public_key) + CMS_OVERHEAD)

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        if dry_run:
            return bytes(_max_signature_size(self._public_key))
        return self.sign_raw(data, digest_algorithm)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        if digest_algorithm != "sha256" or mechanism.signature_algo not in ("ecdsa", "rsassa_pkcs1v15"):
            raise ValueError(f"The seal signs with SHA-256 ECDSA or RSA PKCS#1 v1.5, not {mechanism.signature_algo}")
        return self.key.sign(data)


def _max_signature_size(public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey) -> int:
    if isinstance(public_key, rsa.RSAPublicKey):
        return (public_key.key_size + 7) // 8
    # A DER ECDSA-Sig-Value: SEQUENCE of two INTEGERs, each at most one byte longer than the order.
    integer = 2 + (public_key.curve.key_size + 7) // 8 + 1
    body = 2 * integer
    return body + (2 if body < 128 else 3)


def _to_asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _template_context(data: CertificateData) -> dict[str, Any]:
    # Every printed value is a string by the time it reaches the template: the standalone engine then
    # never consults Django's localisation settings, and nothing escapes autoescaping.
    return {
        "credential_id": data.credential_id,
        "holder_name": data.holder_name,
        "holder_is_long": len(data.holder_name) > LONG_HOLDER_NAME,
        "profile_title_en": data.profile_title_en,
        "profile_title_it": data.profile_title_it,
        "profile_code": data.profile_code,
        "eqf_level": str(data.eqf_level),
        "standard_edition": data.standard_edition,
        "scheme_version": data.scheme_version,
        "competences": [
            {"code": code, "title_en": title_en, "title_it": title_it, "level": f"e-{level}"}
            for code, title_en, title_it, level in data.competences
        ],
        "issued_iso": data.issued.isoformat(),
        "issued_it": _date_it(data.issued),
        "issued_en": _date_en(data.issued),
        "valid_from_it": _date_it(data.valid_from),
        "valid_from_en": _date_en(data.valid_from),
        "valid_until_it": _date_it(data.valid_until),
        "valid_until_en": _date_en(data.valid_until),
        "issuer_name": data.issuer_name,
        "description": (
            f"{data.holder_name} — {data.profile_title_en} ({data.standard_edition}, EQF {data.eqf_level}); "
            f"valid until {data.valid_until.isoformat()}; verify at {data.verify_url}"
        ),
        "verify_url": data.verify_url,
        "verify_page": data.verify_page,
        "serial": data.serial,
        "qr_src": PNG_DATA_URL + base64.b64encode(data.qr_png).decode("ascii"),
        "is_test_seal": data.is_test_seal,
        "basis_it": data.basis_it,
        "basis_en": data.basis_en,
        "is_attestation": data.is_attestation,
        "signatory_role_it": data.signatory_role_it,
        "signatory_role_en": data.signatory_role_en,
        "signatory_name": data.signatory_name,
        "attestation_statements": [
            {"heading_it": heading_it, "heading_en": heading_en, "text_it": text_it, "text_en": text_en}
            for heading_it, heading_en, text_it, text_en in data.attestation_statements
        ],
    }


def _date_it(value: date) -> str:
    return f"{value.day} {_MONTHS_IT[value.month - 1]} {value.year}"


def _date_en(value: date) -> str:
    return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"
