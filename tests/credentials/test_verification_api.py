"""The public verification API: POST /api/v1/verifications and GET /api/v1/credentials/<uuid>/verification."""

import json
import uuid
from datetime import UTC

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from aipia.throttling import PublicEndpointThrottle
from tests.edc_files import SAMPLES_DIR

URL = "/api/v1/verifications"


@pytest.fixture
def issued(complete_dossier, applicant, django_capture_on_commit_callbacks):
    from dossiers import services as dossier_services

    from .test_issuance import approve

    dossier_services.submit_dossier(dossier=complete_dossier, actor=applicant)
    return approve(complete_dossier, django_capture_on_commit_callbacks)


@pytest.fixture
def api():
    return APIClient(enforce_csrf_checks=True)


def read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


def results(answer) -> dict:
    return {check["name"]: check["result"] for check in answer["checks"]}


def test_a_sealed_credential_sent_as_json_gets_the_full_report(issued, api):
    response = api.post(URL, data=read(issued.sealed_json), content_type="application/json")

    assert response.status_code == 200, response.content
    answer = response.json()
    assert set(answer) == {"valid", "status", "checks", "credential"}
    assert answer["valid"] is True and answer["status"] == "active"
    assert results(answer) == dict.fromkeys(
        ["format", "seal", "issuer", "expiry", "revocation", "suspension"], "passed"
    )
    assert answer["credential"]["id"] == f"urn:uuid:{issued.pk}"
    assert set(answer["credential"]) == {
        "id",
        "holder",
        "profile",
        "valid_from",
        "valid_until",
        "status_since",
        "status_until",
        "status_category",
    }
    assert answer["credential"]["status_category"] is None
    assert answer["credential"]["status_since"] == issued.valid_from.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_jsonld_file_is_typed_by_its_content_whatever_its_name(issued, api):
    upload = SimpleUploadedFile("certificate.pdf", read(issued.sealed_json), content_type="application/pdf")

    answer = api.post(URL, {"file": upload}, format="multipart").json()

    assert answer["valid"] is True and "pdf" not in results(answer)


def test_a_pdf_upload_checks_the_pades_seal_and_the_embedded_credential(issued, api):
    upload = SimpleUploadedFile("x.bin", read(issued.pdf), content_type="application/octet-stream")

    answer = api.post(URL, {"file": upload}, format="multipart").json()

    assert answer["valid"] is True, answer
    assert answer["checks"][0]["name"] == "pdf" and results(answer)["pdf"] == "passed"


def test_a_tampered_pdf_is_not_valid(issued, api):
    data = bytearray(read(issued.pdf))
    data[11] ^= 0x01
    upload = SimpleUploadedFile("x.pdf", bytes(data), content_type="application/pdf")

    answer = api.post(URL, {"file": upload}, format="multipart").json()

    assert answer["valid"] is False and results(answer)["pdf"] == "failed"


@pytest.mark.parametrize("name", ["sample-europass-microcredential-sealed.jsonld"])
def test_a_europass_sample_gets_an_honest_answer(name, api, db):
    response = api.post(URL, data=(SAMPLES_DIR / name).read_bytes(), content_type="application/json")

    answer = response.json()
    assert response.status_code == 200
    assert results(answer)["seal"] == "passed" and results(answer)["issuer"] == "failed"
    assert answer["valid"] is False and answer["status"] == "unknown"


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b"{not json", "application/json", 400, None),
        (b'{"hello": "world"}', "application/json", 422, "not_sealed"),
        (b"[1, 2, 3]", "application/json", 422, "not_sealed"),
    ],
)
def test_malformed_json_gets_a_clear_error(api, db, body, content_type, status, code):
    response = api.post(URL, data=body, content_type=content_type)

    assert response.status_code == status
    assert response.json()["detail"]
    if code:
        assert response.json()["code"] == code


def test_a_garbage_upload_is_refused_with_a_clear_message(api, db):
    upload = SimpleUploadedFile("cv.jsonld", b"\x00\x01 not a credential", content_type="application/ld+json")

    response = api.post(URL, {"file": upload}, format="multipart")

    assert response.status_code == 400
    assert "neither a sealed credential" in response.json()["detail"]


def test_an_upload_without_a_file_is_refused(api, db):
    response = api.post(URL, {"other": "x"}, format="multipart")

    assert response.status_code == 400 and response.json()["code"] == "empty"


def test_an_oversized_upload_is_refused_with_413(api, db, settings):
    settings.VERIFY_MAX_UPLOAD_BYTES = 1024
    upload = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * 2048, content_type="application/pdf")

    response = api.post(URL, {"file": upload}, format="multipart")

    assert response.status_code == 413
    assert "larger than the limit" in response.json()["detail"]


def test_an_oversized_json_body_is_refused_with_413(api, db, settings):
    settings.VERIFY_MAX_UPLOAD_BYTES = 1024
    body = json.dumps({"payload": "x" * 100_000, "signatures": []})

    response = api.post(URL, data=body, content_type="application/json")

    assert response.status_code == 413


def test_a_signed_in_browser_needs_no_csrf_token(issued, api, applicant):
    api.force_login(applicant)

    response = api.post(URL, data=read(issued.sealed_json), content_type="application/json")

    assert response.status_code == 200


def test_the_report_of_one_of_our_credentials_by_id(issued, api):
    response = api.get(f"/api/v1/credentials/{issued.pk}/verification")

    assert response.status_code == 200
    assert response.json()["valid"] is True and response.json()["credential"]["id"] == f"urn:uuid:{issued.pk}"


def test_the_report_by_id_shows_a_revocation_at_once(issued, api):
    from accounts.models import User
    from credentials.services import status

    from ..factories import UserFactory

    status.revoke(
        credential=issued, actor=UserFactory(role=User.Role.ADMIN, is_staff=True), category="misconduct", reason="Fraud"
    )

    answer = api.get(f"/api/v1/credentials/{issued.pk}/verification").json()

    assert answer["status"] == "revoked" and answer["valid"] is False
    assert results(answer)["revocation"] == "failed"


def test_an_unknown_credential_id_is_404(api, db):
    assert api.get(f"/api/v1/credentials/{uuid.uuid4()}/verification").status_code == 404


def test_the_public_endpoints_are_rate_limited(api, db, monkeypatch):
    monkeypatch.setattr(PublicEndpointThrottle, "THROTTLE_RATES", {"verification": "2/min"})

    codes = [api.post(URL, data=b'{"a": 1}', content_type="application/json").status_code for _ in range(3)]
    by_id = api.get(f"/api/v1/credentials/{uuid.uuid4()}/verification")

    assert codes == [422, 422, 429]
    assert by_id.status_code == 429
