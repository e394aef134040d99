"""Pure tests of the printable certificate: rendering (layout, text, QR, no fetching) and its PAdES seal."""

import base64
import io
import logging
import os
import re
import subprocess
import sys
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from weasyprint import HTML

from credentials.documents.keys import SealKey, TestCA, create_test_ca, create_test_seal
from credentials.documents.pdf import (
    DEFAULT_LOGO,
    LOGO_NAME,
    PNG_DATA_URL,
    PNG_SIGNATURE,
    REFERENCE,
    STATIC_DIR,
    STYLESHEET,
    CertificateData,
    CertificateRenderer,
    ForbiddenResourceError,
    InvalidLogoError,
    StaticOnlyURLFetcher,
    association_logo,
    seal_pdf,
)
from credentials.documents.qr import make_token, qr_pdf_image, qr_version

PROJECT_DIR = Path(__file__).resolve().parents[2]
MM = 72 / 25.4  # PDF points per millimetre

SITE_URL = "https://verifica.aipia.example"  # 30 characters
# The worst case the QR code is sized for: a 40-character holder name with letters outside ASCII, and a profile code
# as long as the catalogue allows (Profile.code, 40 characters).
LONG_HOLDER_NAME = "Maria Antonietta Łukasiewicz-Núñez Rossi"
LONGEST_PROFILE_CODE = "ai-" + "x" * 37
_TOKEN_KEY = create_test_seal(organization_name="AIPIA", organization_identifier="VATIT-12345678901")[0]
VERIFY_URL = f"{SITE_URL}/v/" + make_token(
    credential_id=uuid.UUID("7f1c2a9e-3b1d-4c8e-9a51-2d7e0c4b9f13"),
    holder_name=LONG_HOLDER_NAME,
    profile_code=LONGEST_PROFILE_CODE,
    valid_from=date(2026, 3, 31),
    valid_until=date(2029, 3, 30),
    key=_TOKEN_KEY,
)
# The ten competences with the longest titles in the shipped e-CF catalogue: the worst case for the layout.
LONGEST_COMPETENCES = (
    (
        "D.1",
        "Information Security Strategy Development",
        "Sviluppo della strategia per la sicurezza delle informazioni",
    ),
    ("A.1", "Information Systems and Business Strategy Alignment", "Allineamento strategie SI e di business"),
    ("D.10", "Information and Knowledge Management", "Gestione dell'informazione e della conoscenza"),
    ("D.2", "ICT Quality Strategy Development", "Sviluppo della strategia per la qualità ICT"),
    ("E.8", "Information Security Management", "Gestione della sicurezza delle informazioni"),
    ("E.2", "Project and Portfolio Management", "Gestione di progetti e portafogli"),
    ("E.7", "Business Change Management", "Gestione del cambiamento organizzativo"),
    ("E.9", "IS Governance", "Governance dei sistemi informativi"),
    ("A.7", "Technology Trend Monitoring", "Monitoraggio dei trend tecnologici"),
    ("A.4", "Product/Service Planning", "Pianificazione di prodotti/servizi"),
)
INJECTED_MARKUP = (
    '<img src="http://example.org/x.png" onerror="alert(1)">',
    "</style><link rel=stylesheet href=http://evil.example/x.css>",
    '<img src="file:///etc/passwd">',
    '<svg><image href="https://example.org/x.svg"/></svg>',
)


def make_data(**changes) -> CertificateData:
    data = CertificateData(
        credential_id="urn:uuid:7f1c2a9e-3b1d-4c8e-9a51-2d7e0c4b9f13",
        holder_name="Maria Giovanna Rossi",
        profile_title_en="AI Machine Learning Engineer",
        profile_title_it="AI Machine Learning Engineer (Ingegnere del Machine Learning)",
        profile_code="ai-ml-engineer",
        eqf_level=6,
        standard_edition="UNI 11621-8:2026",
        scheme_version="1.0",
        competences=(
            ("B.1", "Application Development", "Sviluppo di applicazioni", 4),
            ("B.2", "Component Integration", "Integrazione dei componenti", 3),
            ("E.3", "Risk Management", "Gestione del rischio", 3),
        ),
        issued=date(2026, 3, 31),
        valid_from=date(2026, 3, 31),
        valid_until=date(2029, 3, 30),
        issuer_name="AIPIA — Associazione Italiana per l'Intelligenza Artificiale",
        verify_url=VERIFY_URL,
        verify_page="verifica.aipia.example/verify",
        serial="AIPIA-2026-000042",
        qr_png=qr_pdf_image(VERIFY_URL),
        is_test_seal=False,
    )
    return replace(data, **changes)


@pytest.fixture(scope="module")
def renderer() -> CertificateRenderer:
    return CertificateRenderer()


@pytest.fixture(scope="module")
def certificate_pdf(renderer) -> bytes:
    return renderer.render(make_data())


@pytest.fixture(scope="module")
def test_ca() -> TestCA:
    return create_test_ca()


@pytest.fixture(scope="module")
def ec_seal(test_ca) -> SealKey:
    key, _ = create_test_seal(organization_name="AIPIA", organization_identifier="VATIT-12345678901", ca=test_ca)
    return key


@pytest.fixture(scope="module")
def rsa_seal(test_ca) -> SealKey:
    return make_rsa_seal(test_ca)


def make_rsa_seal(ca: TestCA) -> SealKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "AIPIA RSA test seal")]))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca.private_key, hashes.SHA256())
    )
    return SealKey(private_key=key, certificate=certificate, chain=(certificate, ca.certificate))


@pytest.fixture(scope="module")
def sealed_pdf(certificate_pdf, ec_seal) -> bytes:
    return seal_pdf(certificate_pdf, key=ec_seal, embedded_json=b'{"id": "urn:uuid:7f1c"}', signer_cache={})


def page_text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    try:
        text_page = document[0].get_textpage()
        return text_page.get_text_bounded()
    finally:
        document.close()


def squeeze(text: str) -> str:
    """Drop all whitespace: text extraction returns line breaks wherever the layout wrapped."""
    return re.sub(r"\s+", "", text)


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [document[index].get_size() for index in range(len(document))]
    finally:
        document.close()


def validate(pdf: bytes, ca: TestCA):
    reader = PdfFileReader(io.BytesIO(pdf))
    (signature,) = reader.embedded_signatures
    trust_root = asn1_x509.Certificate.load(ca.certificate.public_bytes(serialization.Encoding.DER))
    context = ValidationContext(trust_roots=[trust_root], allow_fetching=False)
    return signature, validate_pdf_signature(signature, signer_validation_context=context)


# Rendering


def test_it_renders_one_a4_landscape_page(certificate_pdf):
    assert certificate_pdf.startswith(b"%PDF-")
    ((width, height),) = page_sizes(certificate_pdf)
    assert width == pytest.approx(841.89, abs=1)
    assert height == pytest.approx(595.28, abs=1)


def test_the_reference_layout_renders_the_portrait_certificate_the_benchmark_compares_with(certificate_pdf):
    pdf = CertificateRenderer(layout=REFERENCE).render(make_data())

    ((width, height),) = page_sizes(pdf)
    assert (width, height) == pytest.approx((595.28, 841.89), abs=1)
    assert "Maria Giovanna Rossi" in page_text(pdf)
    assert "Presidente" not in page_text(pdf) and "Presidente" in page_text(certificate_pdf)


def test_it_prints_the_holder_the_profile_and_the_facts_in_italian_and_english(certificate_pdf):
    text = page_text(certificate_pdf)
    flat = " ".join(text.split())
    for expected in (
        "Maria Giovanna Rossi",
        "AI Machine Learning Engineer (Ingegnere del Machine Learning)",
        "Certificato",
        "Certificate",
        "UNI 11621-8:2026 — EQF livello 6",
        "EQF level 6",
        "Sviluppo di applicazioni",
        "Application Development",
        "e-4",
        "31 marzo 2026",
        "31 March 2026",
        "30 marzo 2029",
        "30 March 2029",
        "urn:uuid:7f1c2a9e-3b1d-4c8e-9a51-2d7e0c4b9f13",
        "Verifica su",
        "Verify at",
        "verifica.aipia.example/verify",
        "Serial no.",
        "AIPIA-2026-000042",
        "AIPIA — Associazione Italiana per l'Intelligenza Artificiale",
    ):
        assert expected in flat


def test_the_seal_block_names_the_signatory_role_and_says_the_document_is_sealed_in_both_languages(renderer):
    data = make_data(signatory_role_it="Segretaria generale", signatory_role_en="Secretary General")

    flat = " ".join(page_text(renderer.render(data)).split())

    assert "Segretaria generale · Secretary General" in flat
    assert "Documento sigillato elettronicamente (PAdES): il sigillo sostituisce la firma autografa." in flat
    assert "Electronically sealed document (PAdES): the seal takes the place of a handwritten signature." in flat
    assert "Presidente" not in flat


def test_the_seal_block_prints_the_signatory_name_only_when_there_is_one(renderer, certificate_pdf):
    assert "Anna Bianchi" not in page_text(certificate_pdf)

    assert "Prof.ssa Anna Bianchi" in page_text(renderer.render(make_data(signatory_name="Prof.ssa Anna Bianchi")))


def test_it_stays_on_one_page_with_ten_competences_and_a_long_name(renderer):
    name = ("Maria Giovanna Alessandra Benedetta Castiglioni-Montefeltro della Rovere " * 2)[:120].strip()
    assert len(name) >= 119
    data = make_data(
        holder_name=name,
        competences=tuple((code, en, it, 5) for code, en, it in LONGEST_COMPETENCES),
        is_test_seal=True,
    )

    pdf = renderer.render(data)

    assert len(page_sizes(pdf)) == 1
    text = page_text(pdf)
    assert squeeze(name) in squeeze(text)
    assert "Presidente" in text and "AIPIA-2026-000042" in text
    assert all(squeeze(en) in squeeze(text) and squeeze(it) in squeeze(text) for _, en, it in LONGEST_COMPETENCES)


def test_it_writes_a_tagged_pdf_with_title_author_and_language(certificate_pdf):
    reader = PdfFileReader(io.BytesIO(certificate_pdf))
    root = reader.root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "it"
    info = reader.trailer["/Info"]
    assert "Maria Giovanna Rossi" in info["/Title"]
    assert info["/Author"] == "AIPIA — Associazione Italiana per l'Intelligenza Artificiale"


def structure_elements(pdf: bytes) -> list:
    """Every element of the tagged PDF's structure tree, depth first."""
    reader = PdfFileReader(io.BytesIO(pdf))
    found, pending = [], [reader.root["/StructTreeRoot"]]
    while pending:
        node = pending.pop()
        kids = node.get("/K")
        if kids is None:
            continue
        for kid in kids if isinstance(kids, list) else [kids]:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, dict) and "/S" in kid:
                found.append(kid)
                pending.append(kid)
    return found


def test_the_logo_and_the_qr_code_are_tagged_figures_with_their_alternative_text(certificate_pdf):
    figures = [element for element in structure_elements(certificate_pdf) if element["/S"] == "/Figure"]
    texts = sorted(str(figure.get("/Alt", "")) for figure in figures)

    assert texts == ["Logo: AIPIA — Associazione Italiana per l'Intelligenza Artificiale", f"QR code: {VERIFY_URL}"]


def test_the_tables_keep_their_header_cells(certificate_pdf):
    tags = [element["/S"] for element in structure_elements(certificate_pdf)]

    assert tags.count("/Table") == 1
    assert tags.count("/TH") == 4
    assert tags.count("/TD") == 3 * 4


def test_it_prints_the_test_seal_warning_only_for_a_test_seal(renderer, certificate_pdf):
    assert "NOT A QUALIFIED SEAL" not in page_text(certificate_pdf)

    text = page_text(renderer.render(make_data(is_test_seal=True)))

    assert "TEST — NOT A QUALIFIED SEAL" in text
    assert "NON È UN SIGILLO QUALIFICATO" in text


def test_the_same_certificate_renders_to_the_same_bytes(renderer, certificate_pdf):
    assert renderer.render(make_data()) == certificate_pdf


def test_the_worst_case_qr_code_is_at_most_version_10_at_error_correction_m():
    from profiles.models import Profile  # here: the rendering tests run without Django settings too

    assert len(SITE_URL) == 30 and len(LONG_HOLDER_NAME) == 40
    assert Profile._meta.get_field("code").max_length == len(LONGEST_PROFILE_CODE)

    assert qr_version(VERIFY_URL) <= 10


@pytest.mark.parametrize("dpi", [100, 150])
def test_zxing_reads_the_qr_code_off_the_certificate_rendered_at_screen_resolution(renderer, dpi):
    pdf = renderer.render(make_data(holder_name=LONG_HOLDER_NAME, profile_code=LONGEST_PROFILE_CODE))
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / 72).to_pil()
    finally:
        document.close()

    (barcode,) = zxingcpp.read_barcodes(image)

    assert barcode.text == VERIFY_URL
    assert int(barcode.extra["Version"]) <= 10 and barcode.extra["ECLevel"] == "M"


def test_under_the_qr_code_the_certificate_prints_the_verification_page_and_the_serial_not_the_token(
    certificate_pdf,
):
    text = page_text(certificate_pdf)

    assert "verifica.aipia.example/verify" in text and "AIPIA-2026-000042" in text
    token = VERIFY_URL.rsplit("/", 1)[1]
    assert token[:12] not in text.replace("\n", "")


def test_the_qr_code_decodes_to_the_verify_url_and_is_at_least_30_mm_wide(certificate_pdf):
    dpi = 300
    document = pypdfium2.PdfDocument(certificate_pdf)
    try:
        image = document[0].render(scale=dpi / 72).to_pil()
    finally:
        document.close()

    (barcode,) = zxingcpp.read_barcodes(image)

    assert barcode.format == zxingcpp.BarcodeFormat.QRCode
    assert barcode.text == VERIFY_URL
    width_mm = (barcode.position.top_right.x - barcode.position.top_left.x) / dpi * 25.4
    assert width_mm >= 30


# Security of the rendering


@pytest.mark.parametrize("markup", INJECTED_MARKUP)
def test_markup_in_a_field_prints_as_text_and_fetches_nothing(markup, monkeypatch):
    renderer = CertificateRenderer()
    requested: list[str] = []
    fetch = renderer.url_fetcher.fetch

    def spy(url, headers=None):
        requested.append(url)
        return fetch(url, headers)

    monkeypatch.setattr(renderer.url_fetcher, "fetch", spy)
    data = make_data(holder_name=markup, profile_title_en=markup, issuer_name=markup)

    html = renderer.render_html(data)
    pdf = renderer.render(data)

    assert markup not in html
    assert "&lt;" in html
    assert squeeze(markup) in squeeze(page_text(pdf))
    assert all(url.startswith((STATIC_DIR.as_uri() + "/", PNG_DATA_URL)) for url in requested)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/x.png",
        "https://example.org/x.css",
        "ftp://example.org/x.css",
        "data:text/css,body{color:red}",
        "data:image/svg+xml;base64,PHN2Zy8+",
        "data:image/png;base64,PHN2Zy8+",
        "data:image/png;base64,not base64!",
        "file:///etc/passwd",
        "file://example.org/etc/passwd",
        STATIC_DIR.as_uri() + "/../../pdf.py",
        STATIC_DIR.as_uri() + "/%2E%2E/%2E%2E/pdf.py",
        STATIC_DIR.as_uri() + "/missing.css",
        STATIC_DIR.as_uri() + "/",
    ],
)
def test_the_url_fetcher_refuses_anything_but_the_static_assets(url):
    with pytest.raises(ForbiddenResourceError):
        StaticOnlyURLFetcher()(url)


def test_the_url_fetcher_serves_the_static_assets():
    response = StaticOnlyURLFetcher()(STYLESHEET.as_uri())

    assert response.read() == STYLESHEET.read_bytes()
    assert response.content_type == "text/css"


def test_the_url_fetcher_serves_a_png_data_url_as_its_bytes():
    png = qr_pdf_image(VERIFY_URL)

    response = StaticOnlyURLFetcher()(PNG_DATA_URL + base64.b64encode(png).decode())

    assert response.read() == png
    assert response.content_type == "image/png"


def test_the_qr_code_is_embedded_as_an_uninterpolated_image(certificate_pdf):
    # The default logo is an SVG, drawn as vectors: the QR code is the only bitmap.
    images = re.findall(rb"/Subtype\s*/Image.*?>>", certificate_pdf, re.DOTALL)

    assert len(images) == 1
    assert re.search(rb"/Interpolate\s+false", images[0])


# The association's logo


def image_sizes(pdf: bytes) -> list[tuple[int, int]]:
    reader = PdfFileReader(io.BytesIO(pdf))
    sizes = []
    for name in reader.root["/Pages"]["/Kids"][0].get_object()["/Resources"]["/XObject"]:
        xobject = reader.root["/Pages"]["/Kids"][0].get_object()["/Resources"]["/XObject"][name].get_object()
        if xobject["/Subtype"] == "/Image":
            sizes.append((int(xobject["/Width"]), int(xobject["/Height"])))
    return sizes


def colours(pdf: bytes) -> set[tuple[int, int, int]]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=72 / 72).to_pil().convert("RGB")
    finally:
        document.close()
    return {colour for _count, colour in image.getcolors(maxcolors=1 << 20)}


def test_without_a_logo_setting_the_certificate_draws_our_emblem(monkeypatch):
    renderer = CertificateRenderer(logo="")
    served: list[str] = []
    fetch = renderer.url_fetcher.fetch

    def spy(url, headers=None):
        response = fetch(url, headers)
        served.append(response.url)
        return response

    monkeypatch.setattr(renderer.url_fetcher, "fetch", spy)

    renderer.render(make_data())

    assert DEFAULT_LOGO.as_uri() in served


def test_the_configured_png_logo_is_printed(tmp_path):
    logo = tmp_path / "logo.png"
    Image.new("RGB", (123, 77), "navy").save(logo)

    pdf = CertificateRenderer(logo=str(logo)).render(make_data())

    assert (123, 77) in image_sizes(pdf)
    assert len(page_sizes(pdf)) == 1


def test_the_configured_svg_logo_is_printed_and_its_references_are_not_fetched(tmp_path, caplog):
    logo = tmp_path / "logo.svg"
    logo.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">'
        '<rect width="10" height="10" fill="#123456"/>'
        '<image xlink:href="https://example.org/x.png" width="5" height="5"/>'
        "</svg>"
    )
    renderer = CertificateRenderer(logo=logo)
    requested: list[str] = []
    fetch = renderer.url_fetcher.fetch

    def spy(url, headers=None):
        requested.append(url)
        return fetch(url, headers)

    renderer.url_fetcher.fetch = spy  # type: ignore[method-assign]

    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        pdf = renderer.render(make_data())

    assert len(page_sizes(pdf)) == 1
    assert (0x12, 0x34, 0x56) in colours(pdf)
    assert "https://example.org/x.png" in requested and "ForbiddenResourceError" in caplog.text


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("missing.svg", None, "cannot be read"),
        ("logo.gif", b"GIF89a", "must be an SVG (.svg) or PNG (.png) file"),
        ("logo.png", b"<svg/>", "is not a PNG image"),
        ("logo.svg", b"<svg", "is not well-formed SVG"),
        ("logo.svg", b"<html><body/></html>", "is not an SVG image"),
    ],
)
def test_an_unusable_logo_is_refused_with_the_reason(tmp_path, name, content, reason):
    logo = tmp_path / name
    if content is not None:
        logo.write_bytes(content)

    with pytest.raises(InvalidLogoError, match=re.escape(reason)) as refused:
        CertificateRenderer(logo=logo)

    assert str(logo) in str(refused.value)


def test_a_logo_larger_than_two_megabytes_is_refused(tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(PNG_SIGNATURE + bytes(2 * 1024 * 1024))

    with pytest.raises(InvalidLogoError, match="larger than 2 MB"):
        association_logo(logo)


def test_the_fetcher_serves_the_logo_under_its_fixed_name_only(tmp_path):
    logo = tmp_path / "logo.png"
    Image.new("RGB", (4, 4)).save(logo)
    fetcher = StaticOnlyURLFetcher(logo=logo)

    assert fetcher((STATIC_DIR / LOGO_NAME).as_uri()).read() == logo.read_bytes()
    with pytest.raises(ForbiddenResourceError):
        fetcher(logo.as_uri())


def test_weasyprint_logs_instead_of_fetching_an_outside_url(caplog):
    """Even markup that escaped autoescaping could not make the worker read a file or call a server."""
    fetcher = StaticOnlyURLFetcher()
    requested: list[str] = []
    fetch = fetcher.fetch

    def spy(url, headers=None):
        requested.append(url)
        return fetch(url, headers)

    fetcher.fetch = spy  # type: ignore[method-assign]
    html = HTML(
        string='<link rel="stylesheet" href="http://example.org/x.css">'
        '<img src="https://example.org/x.png"><img src="file:///etc/passwd"><p>still rendered</p>',
        base_url=STATIC_DIR.as_uri() + "/",
        url_fetcher=fetcher,
    )

    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        pdf = html.write_pdf()

    assert sorted(requested) == ["file:///etc/passwd", "http://example.org/x.css", "https://example.org/x.png"]
    assert "still rendered" in page_text(pdf)
    assert "ForbiddenResourceError" in caplog.text


def test_rendering_needs_no_django_settings():
    script = (
        "from tests.credentials.test_pdf import make_data\n"
        "from credentials.documents.pdf import CertificateRenderer\n"
        "print(len(CertificateRenderer().render(make_data())) > 1000)\n"
    )
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(  # noqa: S603 - our own interpreter running a fixed script
        [sys.executable, "-c", script], cwd=PROJECT_DIR, env=environment, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


# Sealing


@pytest.mark.parametrize("seal", ["ec_seal", "rsa_seal"])
def test_the_sealed_pdf_is_intact_trusted_and_covers_the_whole_file(seal, certificate_pdf, test_ca, request):
    key = request.getfixturevalue(seal)
    sealed = seal_pdf(certificate_pdf, key=key, embedded_json=b"{}", signer_cache={})

    signature, status = validate(sealed, test_ca)

    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.bottom_line
    assert signature.field_name == "Seal"
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert signature.sig_object["/Reason"] == "European Digital Credential"
    assert signature.sig_object["/Location"] == "IT"


def test_the_sealed_pdf_embeds_the_credential_json_ld(sealed_pdf):
    reader = PdfFileReader(io.BytesIO(sealed_pdf))

    name, file_spec = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    embedded = file_spec.get_object()["/EF"]["/F"].get_object()

    assert name == "credential.jsonld"
    assert file_spec.get_object()["/UF"] == "credential.jsonld"
    assert embedded["/Subtype"] == "/application/ld+json"
    assert embedded.data == b'{"id": "urn:uuid:7f1c"}'


def test_the_sealed_pdf_still_shows_one_page(sealed_pdf):
    assert len(page_sizes(sealed_pdf)) == 1


def test_changing_one_sealed_byte_breaks_the_seal(sealed_pdf, test_ca):
    signature, status = validate(sealed_pdf, test_ca)
    assert status.intact
    # A byte of the binary comment on the PDF's second line: inside the signed range, and any reader
    # still opens the file.
    byte_range = signature.sig_object["/ByteRange"]
    start, length = byte_range[0], byte_range[1]
    position = 11
    assert start <= position < start + length
    tampered = bytearray(sealed_pdf)
    tampered[position] ^= 0x01

    _, status = validate(bytes(tampered), test_ca)

    assert not status.intact
    assert not status.bottom_line


def test_the_signer_is_built_once_per_seal_key(certificate_pdf, ec_seal, rsa_seal):
    cache: dict = {}

    seal_pdf(certificate_pdf, key=ec_seal, embedded_json=b"{}", signer_cache=cache)
    (signer,) = cache.values()
    seal_pdf(certificate_pdf, key=ec_seal, embedded_json=b"{}", signer_cache=cache)
    seal_pdf(certificate_pdf, key=rsa_seal, embedded_json=b"{}", signer_cache=cache)

    assert len(cache) == 2
    assert cache[ec_seal.certificate.fingerprint(hashes.SHA256())] is signer


def test_a_key_that_does_not_belong_to_the_certificate_is_refused(ec_seal):
    with pytest.raises(ValueError, match="does not belong"):
        SealKey(
            private_key=ec.generate_private_key(ec.SECP256R1()), certificate=ec_seal.certificate, chain=ec_seal.chain
        )
