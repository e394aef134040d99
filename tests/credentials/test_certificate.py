"""The certificate an issued credential carries: what the installation's settings put on it, and the start-up
check of the logo. The layout itself is tested without a database in test_pdf.py."""

import io

import pypdfium2
import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader

from credentials.checks import association_logo_usable
from credentials.services import issuance, keyring
from dossiers import services as dossier_services

from .test_issuance import approve


@pytest.fixture
def approved(complete_dossier, applicant, django_capture_on_commit_callbacks):
    dossier_services.submit_dossier(dossier=complete_dossier, actor=applicant)
    return approve(complete_dossier, django_capture_on_commit_callbacks)


@pytest.fixture
def fresh_renderer(monkeypatch):
    """The worker's renderer is built once per process, from the settings of that moment: start without one."""
    monkeypatch.setattr(issuance, "_renderer", None)


def text_of(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return " ".join(document[0].get_textpage().get_text_bounded().split())
    finally:
        document.close()


def test_the_issued_certificate_prints_the_holder_profile_serial_verification_page_and_signatory(approved):
    approved.refresh_from_db()
    with approved.pdf.open("rb") as handle:
        pdf = handle.read()

    text = text_of(pdf)

    assert len(pypdfium2.PdfDocument(pdf)) == 1
    for expected in (
        approved.holder_name,
        approved.profile.title_it,
        approved.profile.title_en,
        approved.serial,
        issuance.verify_page_address(),
        "Presidente · President",
        "Documento sigillato elettronicamente",
        "Electronically sealed document",
    ):
        assert expected in text


def test_the_signatory_settings_reach_the_certificate(approved, settings, fresh_renderer):
    settings.CERTIFICATE_SIGNATORY_ROLE = {"it": "Direttrice", "en": "Director"}
    settings.CERTIFICATE_SIGNATORY_NAME = "Giulia Neri"
    key, _record = keyring.active_seal()

    text = text_of(issuance.build_documents(approved, key).pdf)

    assert "Direttrice · Director" in text and "Giulia Neri" in text and "Presidente" not in text


def test_the_logo_setting_reaches_the_certificate(approved, settings, fresh_renderer, tmp_path):
    logo = tmp_path / "association.png"
    Image.new("RGB", (91, 45), "darkgreen").save(logo)
    settings.ASSOCIATION_LOGO = str(logo)
    key, _record = keyring.active_seal()

    pdf = issuance.build_documents(approved, key).pdf

    page = PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Kids"][0].get_object()
    xobjects = page["/Resources"]["/XObject"]
    sizes = {
        (int(x.get_object()["/Width"]), int(x.get_object()["/Height"]))
        for x in xobjects.values()
        if x.get_object()["/Subtype"] == "/Image"
    }
    assert (91, 45) in sizes


def test_the_start_up_check_accepts_no_logo_and_a_good_one(settings, tmp_path):
    settings.ASSOCIATION_LOGO = ""
    assert association_logo_usable(None) == []

    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>')
    settings.ASSOCIATION_LOGO = str(logo)
    assert association_logo_usable(None) == []


@pytest.mark.parametrize(("name", "content"), [("missing.png", None), ("logo.jpg", b"\xff\xd8\xff")])
def test_the_start_up_check_refuses_a_missing_or_invalid_logo_with_the_reason(settings, tmp_path, name, content):
    logo = tmp_path / name
    if content is not None:
        logo.write_bytes(content)
    settings.ASSOCIATION_LOGO = str(logo)

    [error] = association_logo_usable(None)

    assert error.id == "credentials.E002"
    assert str(logo) in error.msg and "ASSOCIATION_LOGO" in error.msg
    with pytest.raises(SystemCheckError, match=r"credentials\.E002"):
        call_command("check")
