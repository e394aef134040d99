"""Open Badges 3.0 from an issued credential: the service, the status lists as VC-JWTs, an independent verifier
(openbadgeslib's OB3Verifier, with its status check reading the lists we serve), and the holder's downloads."""

import base64
import json

import pytest
from cryptography import x509
from openbadgeslib.ob3 import OB3VerificationError, OB3Verifier
from rest_framework.test import APIClient

from aipia.errors import DomainError
from credentials.documents.open_badges import read_baked
from credentials.models import Credential
from credentials.services import open_badges, status

from ..factories import member


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def header_of(token: str) -> dict:
    part = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def seal_public_key(token: str):
    return x509.load_der_x509_certificate(base64.b64decode(header_of(token)["x5c"][0])).public_key()


def served_by(client):
    """openbadgeslib's download hook, answered by our own views (its default refuses plain http and loopback)."""

    def download(url: str) -> bytes:
        path = url.split("://", 1)[1].split("/", 1)[1]
        response = client.get("/" + path)
        assert response.status_code == 200, url
        return response.content

    return download


def test_the_badge_of_an_issued_credential_verifies_with_openbadgeslib_and_its_status_lists(issued_credential, client):
    token = open_badges.issue_open_badge(credential=issued_credential)
    verifier = OB3Verifier(pubkey_pem=seal_public_key(token))
    badge = verifier.verify(token, check_status=True, verify_status_list=True, download=served_by(client))
    assert badge.issuer.id.endswith("/issuer")
    assert badge.achievement.name == issued_credential.profile.title_en
    assert {a.target_code for a in badge.achievement.alignments} >= {
        pc.competence.code for pc in issued_credential.profile.profile_competences.all()
    }


def test_openbadgeslib_reads_revoked_after_a_revocation(issued_credential, client, admin_user):
    token = open_badges.issue_open_badge(credential=issued_credential)
    status.revoke(credential=issued_credential, actor=admin_user, category="misconduct", reason="Forged evidence.")
    verifier = OB3Verifier(pubkey_pem=seal_public_key(token))
    with pytest.raises(OB3VerificationError, match="revocation"):
        verifier.verify(token, check_status=True, verify_status_list=True, download=served_by(client))


def test_openbadgeslib_reads_suspended_and_then_valid_again(issued_credential, client, admin_user):
    token = open_badges.issue_open_badge(credential=issued_credential)
    verifier = OB3Verifier(pubkey_pem=seal_public_key(token))
    status.suspend(credential=issued_credential, actor=admin_user, category="under_investigation", reason="Check.")
    with pytest.raises(OB3VerificationError, match="suspension"):
        verifier.verify(token, check_status=True, verify_status_list=True, download=served_by(client))
    status.reinstate(credential=issued_credential, actor=admin_user)
    verifier.verify(token, check_status=True, verify_status_list=True, download=served_by(client))


def test_a_credential_still_being_issued_has_no_badge(issued_credential):
    Credential.objects.filter(pk=issued_credential.pk).update(issuance=Credential.Issuance.RUNNING)
    issued_credential.refresh_from_db()
    with pytest.raises(DomainError) as error:
        open_badges.issue_open_badge(credential=issued_credential)
    assert error.value.code == "credential_not_issued"


def test_a_holder_key_binds_the_badge_to_its_did_jwk(issued_credential):
    jwk = {"kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
           "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}  # fmt: skip
    token = open_badges.issue_open_badge(credential=issued_credential, holder_jwk=jwk)
    claims = claims_of(token)
    assert claims["sub"] == claims["credentialSubject"]["id"]
    assert claims["sub"].startswith("did:jwk:")
    decoded = claims["sub"].removeprefix("did:jwk:")
    assert json.loads(base64.urlsafe_b64decode(decoded + "=" * (-len(decoded) % 4))) == jwk
    OB3Verifier(pubkey_pem=seal_public_key(token)).verify(token, expected_recipient=claims["sub"])


def test_a_private_holder_key_is_refused(issued_credential):
    with pytest.raises(DomainError) as error:
        open_badges.issue_open_badge(credential=issued_credential, holder_jwk={"kty": "EC", "d": "secret"})
    assert error.value.code == "invalid_holder_key"


def test_the_header_names_the_published_key_and_its_chain(issued_credential, client):
    token = open_badges.issue_open_badge(credential=issued_credential)
    header = header_of(token)
    published = {key["kid"]: key for key in client.get("/.well-known/jwks.json").json()["keys"]}
    assert header["typ"] == "JWT" and header["alg"] == "ES256"
    assert header["x5c"] == published[header["kid"]]["x5c"]


def test_the_status_list_jwt_carries_the_bits_of_the_sealed_list(issued_credential, client, admin_user):
    status.revoke(credential=issued_credential, actor=admin_user, category="misconduct", reason="Forged evidence.")
    entry = issued_credential.status_entries.select_related("status_list").get(purpose="revocation")
    number = entry.status_list.number
    response = client.get(f"/status/revocation/{number}.jwt")
    assert response["Content-Type"] == "application/vc+jwt"
    assert response["Cache-Control"] == "public, max-age=60"
    listed = claims_of(response.content.decode())
    sealed = client.get(f"/status/revocation/{number}")
    assert sealed.status_code == 200
    entry.status_list.refresh_from_db()
    assert listed["credentialSubject"]["encodedList"] == entry.status_list.encoded_list
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    again = client.get(f"/status/revocation/{number}.jwt", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


@pytest.mark.parametrize("kind", ["openbadge", "openbadge-png", "openbadge-svg"])
def test_only_the_holder_downloads_the_open_badge_from_the_page(issued_credential, client, kind):
    url = f"/credentials/{issued_credential.pk}/download/{kind}/"
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(member())
    assert client.get(url).status_code == 404
    client.force_login(issued_credential.holder)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "no-store" in response["Cache-Control"]
    token = response.content.decode() if kind == "openbadge" else read_baked(response.content)
    OB3Verifier(pubkey_pem=seal_public_key(token)).verify(token)
    assert claims_of(token)["jti"] == f"urn:uuid:{issued_credential.pk}"


def test_the_holder_api_lists_and_serves_the_open_badge_files(issued_credential):
    api = APIClient()
    api.force_authenticate(issued_credential.holder)
    (listed,) = api.get("/api/v1/credentials/").json()
    assert {"openbadge", "openbadge-png", "openbadge-svg"} <= set(listed["downloads"])
    response = api.get(listed["downloads"]["openbadge-png"])
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert OB3Verifier.extract_token_from_png(response.content).count(".") == 2
    other = APIClient()
    other.force_authenticate(member())
    assert other.get(listed["downloads"]["openbadge"]).status_code == 404
    assert APIClient().get(listed["downloads"]["openbadge"]).status_code in (401, 403)


def test_the_credential_page_offers_the_open_badge_and_explains_europass(issued_credential, client):
    client.force_login(issued_credential.holder)
    page = client.get(f"/credentials/{issued_credential.pk}/").content.decode()
    assert f"/credentials/{issued_credential.pk}/download/openbadge-svg/" in page
    assert "https://europass.europa.eu/en" in page and "Certificates and Diplomas" in page


def test_a_credential_being_issued_offers_no_open_badge_download(issued_credential, client):
    Credential.objects.filter(pk=issued_credential.pk).update(issuance=Credential.Issuance.RUNNING)
    client.force_login(issued_credential.holder)
    assert client.get(f"/credentials/{issued_credential.pk}/download/openbadge/").status_code == 404


def test_the_issuance_email_carries_the_sealed_edc_for_europass(issued_credential):
    from django.core import mail

    (message,) = [m for m in mail.outbox if m.to == [issued_credential.holder.email] and m.attachments]
    attached = {name: (content, mimetype) for name, content, mimetype in message.attachments}
    with issued_credential.sealed_json.open("rb") as handle:
        assert attached[f"{issued_credential.serial}.jsonld"] == (handle.read(), "application/ld+json")
    assert f"{issued_credential.serial}.pdf" in attached
    assert "Europass" in message.body
    assert "Europass" in message.alternatives[0][0]


def test_an_attestation_is_a_membership_badge_without_an_image_and_has_no_baked_badge(
    applicant, client, django_capture_on_commit_callbacks
):
    from credentials.services import attestation

    with django_capture_on_commit_callbacks(execute=True):
        credential = attestation.issue_attestation(member=applicant, actor=applicant)
    credential.refresh_from_db()
    token = open_badges.issue_open_badge(credential=credential)
    achievement = claims_of(token)["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "Membership"
    assert "image" not in achievement and "id" not in achievement["criteria"]
    assert "Law 4/2013" in claims_of(token)["name"]
    OB3Verifier(pubkey_pem=seal_public_key(token)).verify(token, check_status=True, download=served_by(client))
    client.force_login(applicant)
    assert client.get(f"/credentials/{credential.pk}/download/openbadge/").status_code == 200
    assert client.get(f"/credentials/{credential.pk}/download/openbadge-png/").status_code == 404
