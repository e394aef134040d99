"""Our verifier on Open Badges 3.0 credentials: the API and the /verify/ page take the VC-JWT and the baked badges,
with the report of an EDC — valid, then suspended, revoked, expired; a changed claim is caught; and a foreign or
untrusted one gets an honest answer."""

import base64
import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from credentials.documents import open_badges as documents
from credentials.documents.keys import create_test_seal
from credentials.services import open_badges, status
from credentials.verification import open_badges as verification
from credentials.verification import server

URL = "/api/v1/verifications"


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def post_jwt(api, token: str) -> dict:
    response = api.post(URL, token, content_type="application/vc+jwt")
    assert response.status_code == 200, response.content
    return response.json()


def checks(answer: dict) -> dict:
    return {check["name"]: check["result"] for check in answer["checks"]}


def test_our_open_badge_verifies_as_active_with_every_check_passed(issued_credential, api):
    answer = post_jwt(api, open_badges.issue_open_badge(credential=issued_credential))
    assert answer["valid"] is True and answer["status"] == "active"
    assert checks(answer) == dict.fromkeys(("format", "seal", "issuer", "expiry", "revocation", "suspension"), "passed")
    assert answer["credential"]["id"] == f"urn:uuid:{issued_credential.pk}"
    assert answer["credential"]["holder"] == issued_credential.holder_name
    assert answer["credential"]["profile"] == issued_credential.profile.code


def test_after_a_suspension_and_a_revocation_the_same_badge_reads_suspended_then_revoked(
    issued_credential, api, admin_user
):
    token = open_badges.issue_open_badge(credential=issued_credential)
    status.suspend(credential=issued_credential, actor=admin_user, category="under_investigation", reason="Check.")
    answer = post_jwt(api, token)
    assert answer["status"] == "suspended" and answer["valid"] is False
    assert answer["credential"]["status_category"] == "under_investigation"
    status.revoke(credential=issued_credential, actor=admin_user, category="misconduct", reason="Forged evidence.")
    answer = post_jwt(api, token)
    assert answer["status"] == "revoked" and checks(answer)["revocation"] == "failed"
    assert answer["credential"]["status_category"] == "misconduct"


def test_a_changed_claim_reads_as_a_broken_seal(issued_credential, api):
    header, payload, signature = open_badges.issue_open_badge(credential=issued_credential).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["validUntil"] = "2099-01-01T00:00:00Z"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    answer = post_jwt(api, f"{header}.{forged}.{signature}")
    assert answer["status"] == "unknown" and answer["valid"] is False
    assert checks(answer)["seal"] == "failed"
    assert checks(answer)["revocation"] == "skipped"


@pytest.mark.parametrize("ext", ["png", "svg"])
def test_a_baked_badge_uploaded_verifies_like_the_jwt(issued_credential, api, ext):
    image = open_badges.baked_badge(credential=issued_credential, ext=ext)
    upload = SimpleUploadedFile(f"badge.{ext}", image, content_type="application/octet-stream")
    response = api.post(URL, {"file": upload}, format="multipart")
    assert response.status_code == 200
    assert response.json()["status"] == "active"


def test_a_badge_image_without_a_credential_is_refused_with_a_clear_message(issued_credential, api):
    from profiles.badges import badge_image

    upload = SimpleUploadedFile("badge.png", badge_image(issued_credential.profile, "png").content)
    response = api.post(URL, {"file": upload}, format="multipart")
    assert response.status_code == 422
    assert response.json()["code"] == "no_badge_credential"


def test_the_verify_page_reads_a_pasted_open_badge(issued_credential, client, admin_user):
    token = open_badges.issue_open_badge(credential=issued_credential)
    status.revoke(credential=issued_credential, actor=admin_user, category="misconduct", reason="Forged evidence.")
    response = client.post("/verify/", {"json": token})
    assert response.status_code == 200
    assert response.context["report"].status == "revoked"


def test_an_expired_credential_reads_expired(issued_credential):
    token = open_badges.issue_open_badge(credential=issued_credential)
    later = issued_credential.valid_until + datetime.timedelta(days=1)
    report = server.verify_document(token.encode(), max_bytes=1 << 20, now=later)
    assert report.status == "expired"


def test_a_badge_sealed_by_a_key_outside_our_trust_list_is_not_valid(issued_credential):
    data = open_badges.issuance.credential_data(issued_credential, verify_url="https://example.org/v/x")
    document = documents.build_achievement_credential(data, links=open_badges._links(issued_credential))
    stranger, _p12 = create_test_seal(organization_name="AIPIA", organization_identifier="VATIT-12345678901")
    token = documents.sign_credential(document, stranger, signed_at=timezone.now())
    report = server.verify_document(token.encode(), max_bytes=1 << 20)
    assert report.status == "unknown" and report.check("seal").result == "passed"
    assert report.check("issuer").result == "failed"
    assert "trust" in report.check("issuer").detail


def test_a_jwt_without_a_certificate_is_not_checked_rather_than_passed(issued_credential):
    header, payload, signature = open_badges.issue_open_badge(credential=issued_credential).split(".")
    bare = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    del bare["x5c"]
    new_header = base64.urlsafe_b64encode(json.dumps(bare).encode()).rstrip(b"=").decode()
    report = verification.verify_open_badge(
        f"{new_header}.{payload}.{signature}", trust_anchors=[], status_lookup=lambda **_: False
    )
    assert report.status == "unknown" and report.check("seal").result == "skipped"


def test_the_offline_verifier_reads_an_open_badge_with_the_downloaded_sealed_lists(
    issued_credential, client, tmp_path, admin_user
):
    from credentials.models import StatusList
    from credentials.verification import offline

    keys = offline.load_jwks(client.get("/.well-known/jwks.json").content)
    badge = tmp_path / "badge.jwt"
    badge.write_text(open_badges.issue_open_badge(credential=issued_credential))
    status.revoke(credential=issued_credential, actor=admin_user, category="misconduct", reason="Forged evidence.")
    lists = [
        bytes(status.ensure_published(status_list=status_list).sealed_json)
        for status_list in StatusList.objects.filter(entries__credential=issued_credential)
    ]
    report = offline.verify(str(badge), issuer_keys=keys, status_files=lists)
    assert report.status == "revoked"
    assert report.check("issuer").result == "passed"
