"""The dossier pages: permissions, bad input, and the actions they offer."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from demo.files import pdf_bytes, png_bytes
from dossiers.models import DossierStatus

from ..conftest import upload
from ..factories import UserFactory, member

SECTION_PAGES = ["", "cv/", "training/", "experience/", "projects/", "self-assessment/", "evidence/", "withdraw/"]


@pytest.fixture
def owner_client(client, applicant):
    client.force_login(applicant)
    return client


@pytest.mark.parametrize("page", SECTION_PAGES)
def test_every_section_page_opens_for_the_owner(owner_client, dossier, page):
    assert owner_client.get(f"/dossiers/{dossier.pk}/{page}").status_code == 200


@pytest.mark.parametrize("page", SECTION_PAGES)
def test_another_applicant_gets_404_on_every_page_of_a_dossier(client, dossier, page):
    client.force_login(member())
    assert client.get(f"/dossiers/{dossier.pk}/{page}").status_code == 404


def test_another_applicant_cannot_download_change_or_submit_a_dossier(client, dossier, applicant):
    evidence = upload(dossier, applicant, pdf_bytes(), "secret.pdf")
    client.force_login(member())
    base = f"/dossiers/{dossier.pk}"
    assert client.get(f"{base}/evidence/{evidence.pk}/download/").status_code == 404
    assert client.post(f"{base}/evidence/{evidence.pk}/delete/").status_code == 404
    assert client.post(f"{base}/cv/", {"cv_headline": "hijacked"}).status_code == 404
    assert client.post(f"{base}/submit/").status_code == 404
    assert client.post(f"{base}/withdraw/", {"reason": "x"}).status_code == 404
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.DRAFT and dossier.cv_headline == ""
    assert dossier.files.count() == 1


def test_anonymous_visitors_are_sent_to_log_in(client, dossier):
    response = client.get(f"/dossiers/{dossier.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_owner_downloads_a_file_as_an_attachment_that_cannot_run_scripts(owner_client, dossier, applicant):
    data = png_bytes()
    evidence = upload(dossier, applicant, data, "proof.png")
    response = owner_client.get(f"/dossiers/{dossier.pk}/evidence/{evidence.pk}/download/")
    assert b"".join(response.streaming_content) == data
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]


@pytest.mark.parametrize("name", ["x.html", "résumé\u202efdp.exe", "report.pdf.svg", "../../etc/passwd"])
def test_a_download_is_named_by_us_with_the_extension_of_its_checked_type_whatever_the_upload_was_called(
    owner_client, dossier, applicant, name
):
    evidence = upload(dossier, applicant, pdf_bytes("A portfolio"), name)

    response = owner_client.get(f"/dossiers/{dossier.pk}/evidence/{evidence.pk}/download/")
    assert b"".join(response.streaming_content).startswith(b"%PDF")  # reading it all closes the file

    assert response["Content-Disposition"] == f'attachment; filename="evidence-{evidence.pk}.pdf"'
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_a_bad_upload_is_explained_next_to_the_field(owner_client, dossier):
    response = owner_client.post(
        f"/dossiers/{dossier.pk}/upload/",
        {"kind": "evidence", "file": SimpleUploadedFile("holiday.jpg", b"MZ\x90\x00" + b"\x00" * 100)},
    )
    assert response.status_code == 400
    assert "not an accepted type" in response.content.decode()
    assert not dossier.files.exists()


def test_bad_input_keeps_what_was_typed(owner_client, dossier):
    response = owner_client.post(
        f"/dossiers/{dossier.pk}/training/",
        {"title": "Deep Learning Specialisation", "provider": "", "start_date": "2023-05-01", "hours": "abc"},
    )
    page = response.content.decode()
    assert response.status_code in (200, 400)
    assert 'value="Deep Learning Specialisation"' in page
    assert "errorlist" in page
    assert not dossier.training.exists()


def test_submitting_an_incomplete_dossier_in_the_browser_lists_what_is_missing(owner_client, dossier):
    response = owner_client.post(f"/dossiers/{dossier.pk}/submit/", follow=True)
    page = response.content.decode()
    assert "CV: upload your CV as a PDF file." in page
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.DRAFT


def test_the_owner_can_withdraw_with_a_reason(owner_client, dossier):
    owner_client.post(f"/dossiers/{dossier.pk}/withdraw/", {"reason": "Changing profile"})
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.WITHDRAWN
    assert dossier.events.get(action="dossier.withdrawn").reason == "Changing profile"


def test_applying_twice_for_a_profile_leads_back_to_the_open_dossier(owner_client, dossier, profile):
    response = owner_client.post(f"/dossiers/start/{profile.code}/")
    assert response.status_code == 302 and str(dossier.pk) in response["Location"]


def test_a_non_member_sees_why_and_how_to_join_on_the_dossier(client, profile, settings):
    from dossiers import services

    user = UserFactory()
    dossier = services.start_dossier(owner=user, profile=profile)
    client.force_login(user)
    page = client.get(f"/dossiers/{dossier.pk}/").content.decode()
    assert "not yet a member" in page and settings.MEMBERSHIP_INFO_URL in page


def test_state_changes_need_post(owner_client, dossier):
    assert owner_client.get(f"/dossiers/{dossier.pk}/submit/").status_code == 405
