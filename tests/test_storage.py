"""Files on either backend: the local disk and S3 (moto's server mode, ``make test-s3``).

Every stored file is private: no storage address is served or handed out, downloads go through our views, which
check who asks, and erasure removes the stored objects.
"""

import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from accounts.privacy import erase_account
from credentials.models import Credential
from demo.files import pdf_bytes, png_bytes
from dossiers import services as dossier_services
from dossiers.models import EvidenceFile

from .conftest import upload
from .credentials.conftest import approve
from .factories import member

pytestmark = pytest.mark.django_db


def test_the_tests_store_files_on_the_backend_they_were_asked_for(storage_backend, settings, request):
    name = default_storage.save("probe/file.txt", ContentFile(b"stored"))
    if storage_backend == "s3":
        server = request.getfixturevalue("s3_bucket")
        listed = server.client().list_objects_v2(Bucket=settings.STORAGES["default"]["OPTIONS"]["bucket_name"])
        assert [item["Key"] for item in listed["Contents"]] == [name]
    else:
        assert (settings.MEDIA_ROOT / name).read_bytes() == b"stored"


def test_an_uploaded_file_is_stored_and_read_back_byte_for_byte(dossier, applicant, stored_names):
    content = pdf_bytes("A CV")
    evidence = upload(dossier, applicant, content, "cv.pdf", EvidenceFile.Kind.CV)
    assert stored_names() == [evidence.file.name]
    with evidence.file.open("rb") as handle:
        assert handle.read() == content


def test_stored_objects_are_private_in_the_bucket(storage_backend, dossier, applicant, request):
    if storage_backend != "s3":
        pytest.skip("About the objects of an S3 bucket (make test-s3).")
    server = request.getfixturevalue("s3_bucket")
    evidence = upload(dossier, applicant, png_bytes(), "proof.png")
    bucket = default_storage.bucket_name
    grants = server.client().get_object_acl(Bucket=bucket, Key=evidence.file.name)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert all(grant["Grantee"]["Type"] == "CanonicalUser" for grant in grants)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{server.endpoint}/{bucket}/{evidence.file.name}", timeout=10)  # noqa: S310 - http
    refused.value.close()
    assert refused.value.code == 403


def test_a_storage_address_if_ever_made_is_signed_and_expires_within_minutes(storage_backend, dossier, applicant):
    if storage_backend != "s3":
        pytest.skip("About the addresses of an S3 bucket (make test-s3).")
    evidence = upload(dossier, applicant, png_bytes(), "proof.png")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(default_storage.url(evidence.file.name)).query)
    assert query["X-Amz-Signature"] and int(query["X-Amz-Expires"][0]) <= 300


def test_no_url_of_this_site_serves_stored_files(client, dossier, applicant):
    evidence = upload(dossier, applicant, png_bytes(), "proof.png")
    client.force_login(applicant)
    assert client.get(f"/private-media/{evidence.file.name}").status_code == 404


def test_evidence_is_streamed_by_the_view_to_its_owner_alone(client, dossier, applicant):
    content = png_bytes()
    evidence = upload(dossier, applicant, content, "proof.png")
    url = reverse("dossiers:evidence_download", kwargs={"pk": dossier.pk, "file_id": evidence.pk})

    assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(member())
    assert client.get(url).status_code == 404
    client.force_login(applicant)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == f'attachment; filename="evidence-{evidence.pk}.png"'
    assert "no-store" in response["Cache-Control"] and "sandbox" in response["Content-Security-Policy"]


def test_a_file_gone_from_storage_is_a_404_not_an_error(client, dossier, applicant):
    evidence = upload(dossier, applicant, png_bytes(), "proof.png")
    default_storage.delete(evidence.file.name)
    client.force_login(applicant)
    url = reverse("dossiers:evidence_download", kwargs={"pk": dossier.pk, "file_id": evidence.pk})
    assert client.get(url).status_code == 404


def test_an_issued_credential_s_documents_are_stored_and_downloaded_by_its_holder(
    client, complete_dossier, applicant, django_capture_on_commit_callbacks, stored_names
):
    dossier_services.submit_dossier(dossier=complete_dossier, actor=applicant)
    credential = approve(complete_dossier, django_capture_on_commit_callbacks)
    assert credential.issuance == Credential.Issuance.DONE
    documents = {credential.sealed_json.name, credential.pdf.name, credential.qr_png.name}
    assert documents <= set(stored_names())
    assert all(name.startswith(f"credentials/{credential.pk}/") for name in documents)

    client.force_login(member())
    assert client.get(reverse("credentials:download", kwargs={"pk": credential.pk, "kind": "pdf"})).status_code == 404
    client.force_login(applicant)
    response = client.get(reverse("credentials:download", kwargs={"pk": credential.pk, "kind": "pdf"}))
    with credential.pdf.open("rb") as handle:
        assert b"".join(response.streaming_content) == handle.read()
    assert response["Content-Type"] == "application/pdf"


def test_erasing_an_account_removes_the_stored_files_of_its_drafts(dossier, applicant, stored_names):
    upload(dossier, applicant, pdf_bytes("CV"), "cv.pdf", EvidenceFile.Kind.CV)
    upload(dossier, applicant, png_bytes(), "proof.png")
    assert len(stored_names()) == 2
    erase_account(user=applicant, actor=applicant)
    assert stored_names() == []


def test_no_page_or_api_answer_gives_away_where_a_file_is_stored(
    client, complete_dossier, applicant, django_capture_on_commit_callbacks, settings
):
    """The holder's pages and API answers link to our download views only: never to the bucket (a signed URL would
    work for anyone it is forwarded to) nor to the media folder."""
    dossier_services.submit_dossier(dossier=complete_dossier, actor=applicant)
    credential = approve(complete_dossier, django_capture_on_commit_callbacks)
    options = settings.STORAGES["default"].get("OPTIONS", {})
    stored = [f.file.name for f in complete_dossier.files.all()] + [credential.pdf.name, credential.sealed_json.name]
    giveaways = [str(settings.MEDIA_ROOT), settings.MEDIA_URL, "X-Amz-", *stored]
    giveaways += [options[key] for key in ("endpoint_url", "bucket_name") if options.get(key)]

    client.force_login(applicant)
    for path in (
        reverse("credentials:detail", kwargs={"pk": credential.pk}),
        reverse("dossiers:evidence", kwargs={"pk": complete_dossier.pk}),
        "/api/v1/credentials/",
        f"/api/v1/credentials/{credential.pk}/",
        f"/api/v1/dossiers/{complete_dossier.pk}/files/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.content.decode()
        assert not [giveaway for giveaway in giveaways if giveaway in text], path
