"""The QR code's page (GET /v/<token>) and the verifier page (/verify/)."""

import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from aipia.throttling import PublicEndpointThrottle
from credentials.models import Credential


@pytest.fixture
def issued(complete_dossier, applicant, django_capture_on_commit_callbacks):
    from dossiers import services as dossier_services

    from .test_issuance import approve

    dossier_services.submit_dossier(dossier=complete_dossier, actor=applicant)
    return approve(complete_dossier, django_capture_on_commit_callbacks)


def page(client, credential, **headers):
    response = client.get(f"/v/{credential.token}", **headers)
    return response, response.content.decode()


def test_a_valid_credential_shows_valid_the_holder_the_profile_and_the_competences(issued, client):
    response, html = page(client, issued)

    assert response.status_code == 200
    assert "Valid" in html and "Not verified" not in html
    assert issued.holder_name in html
    assert issued.profile.title_en in html and f"EQF level {issued.profile.eqf_level}" in html
    competence = issued.profile.profile_competences.select_related("competence").first()
    assert competence.competence.code in html and f"e-{competence.level}" in html
    assert str(issued.pk) in html
    assert issued.serial not in html  # no internal identifiers beyond the public credential id
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_the_page_speaks_italian(issued, client):
    _response, html = page(client, issued, HTTP_ACCEPT_LANGUAGE="it")

    assert 'lang="it"' in html and "✓ Valida" in html


def test_the_italian_page_names_and_explains_every_check_in_italian(issued, client):
    _response, html = page(client, issued, HTTP_ACCEPT_LANGUAGE="it")

    for label in ("Formato", "Sigillo elettronico", "Ente emittente", "Periodo di validità", "Revoca", "Sospensione"):
        assert f"<strong>{label}</strong>" in html
    assert "Superato" in html and "Passed" not in html
    assert "Un token QR ben formato" in html and "A well-formed QR token" not in html
    assert "Non revocata, secondo i registri attuali" in html


def test_the_english_page_stays_english_after_an_italian_one(issued, client):
    page(client, issued, HTTP_ACCEPT_LANGUAGE="it")

    _response, html = page(client, issued, HTTP_ACCEPT_LANGUAGE="en")

    assert "<strong>Format</strong>" in html and "Passed" in html and "Superato" not in html
    assert "A well-formed QR token" in html and "Not revoked, according to the issuer" in html


def test_a_token_that_does_not_verify_gets_a_400_page(issued, client):
    response = client.get(f"/v/{issued.token[:-4]}AAAA")

    assert response.status_code == 400
    assert "This code is not valid" in response.content.decode()


def test_a_revoked_credential_shows_the_reason_on_the_next_request(issued, client):
    page(client, issued)  # cached now
    Credential.objects.filter(pk=issued.pk).update(
        status=Credential.Status.REVOKED,
        revoked_at=timezone.now(),
        revocation_reason="Obtained by fraud",
        status_version=issued.status_version + 1,
    )

    response, html = page(client, issued)

    assert response.status_code == 200
    assert "Revoked: Obtained by fraud" in html


def test_a_suspension_shows_since_when(issued, client):
    Credential.objects.filter(pk=issued.pk).update(
        status=Credential.Status.SUSPENDED,
        suspended_at=timezone.now(),
        suspension_reason="Pending an audit",
        status_version=issued.status_version + 1,
    )

    _response, html = page(client, issued)

    assert "Suspended since" in html and "Pending an audit" in html


def test_a_signed_in_visitor_gets_the_sites_language_form_with_a_csrf_token(issued, applicant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(applicant)

    html = client.get(f"/v/{issued.token}").content.decode()

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    switched = client.post("/i18n/setlang/", {"language": "it", "csrfmiddlewaretoken": token, "next": "/"})
    assert switched.status_code == 302


def test_the_page_is_rate_limited(issued, client, monkeypatch):
    monkeypatch.setattr(PublicEndpointThrottle, "THROTTLE_RATES", {"verification": "2/min"})

    codes = [client.get(f"/v/{issued.token}").status_code for _ in range(3)]

    assert codes == [200, 200, 429]


def test_the_verifier_page_checks_an_uploaded_file(issued, client):
    with issued.sealed_json.open("rb") as handle:
        data = handle.read()
    client.get("/verify/")

    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post("/verify/", {"file": SimpleUploadedFile("c.jsonld", data)})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Valid" in html and issued.holder_name in html


def test_the_verifier_page_checks_pasted_json_and_explains_garbage(client, db):
    response = client.post("/verify/", {"json": '{"hello": 1}'})

    assert response.status_code == 422
    assert "not a sealed credential" in response.content.decode()


def test_the_verifier_page_explains_a_tampered_credential_in_italian(issued, client):
    with issued.sealed_json.open("rb") as handle:
        sealed = json.loads(handle.read())
    sealed["payload"] = sealed["payload"][:-4] + ("AAAA" if sealed["payload"][-4:] != "AAAA" else "BBBB")

    response = client.post("/verify/", {"json": json.dumps(sealed)}, HTTP_ACCEPT_LANGUAGE="it")

    html = response.content.decode()
    assert "✗ Non verificata" in html
    assert "non verificato: il sigillo è rotto" in html
    assert "not checked: the seal is broken" not in html


def test_the_verifier_page_form_is_csrf_protected(db):
    client = Client(enforce_csrf_checks=True)

    assert client.post("/verify/", {"json": "{}"}).status_code == 403
