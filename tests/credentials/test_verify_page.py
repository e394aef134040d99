"""The QR code's page (GET /v/<token>) and the verifier page (/verify/)."""

import datetime
import html
import json
import re

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import User
from aipia.throttling import PublicEndpointThrottle
from credentials.models import Credential
from credentials.services import lifecycle

from ..factories import UserFactory


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


def verdict(text: str) -> str:
    """The text of the verdict box, tags removed."""
    box = re.search(r'<section class="verdict[^"]*"[^>]*>(.*?)</section>', text, re.S).group(1)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", box)).split())


def test_a_revoked_credential_shows_since_when_and_the_category_on_the_next_request(issued, client):
    page(client, issued)  # cached now
    Credential.objects.filter(pk=issued.pk).update(
        status=Credential.Status.REVOKED,
        revoked_at=datetime.datetime(2026, 12, 2, 15, 30, tzinfo=datetime.UTC),
        revocation_category="misconduct",
        revocation_reason="Obtained by fraud, says the complaint of 28 November",
        status_version=issued.status_version + 1,
    )

    response, html = page(client, issued)
    _response, italian = page(client, issued, HTTP_ACCEPT_LANGUAGE="it")

    assert response.status_code == 200
    assert verdict(html) == (
        "Revoked This credential has been revoked by its issuer since Dec. 2, 2026: it is no longer valid, and "
        "revocation is final. Reason: Breach of the code of conduct"
    )
    assert verdict(italian) == (
        "Revocata Questa credenziale è stata revocata dall'ente emittente il 2 dicembre 2026: non è più valida e la "
        "revoca è definitiva. Motivo: Violazione del codice deontologico"
    )
    assert "Obtained by fraud" not in html and "Obtained by fraud" not in italian


def test_a_suspension_shows_since_when_until_its_last_day_and_the_category_never_the_admins_words(issued, client):
    # Until 31 January 2027: to the end of that day in Rome, i.e. 2027-01-31T23:00:00Z.
    Credential.objects.filter(pk=issued.pk).update(
        status=Credential.Status.SUSPENDED,
        suspended_at=datetime.datetime(2026, 12, 3, 9, 0, tzinfo=datetime.UTC),
        suspended_until=lifecycle.end_of_day(datetime.date(2027, 1, 31)),
        suspension_category="under_investigation",
        suspension_reason="Pending an audit of the portfolio",
        status_version=issued.status_version + 1,
    )

    _response, html = page(client, issued)
    _response, italian = page(client, issued, HTTP_ACCEPT_LANGUAGE="it")

    assert verdict(html) == (
        "Suspended This credential has been suspended by its issuer since Dec. 3, 2026, until Jan. 31, 2027: while it "
        "is suspended, it is not valid. Reason: Under investigation, following a complaint or a report"
    )
    assert "sospesa dall'ente emittente dal 3 dicembre 2026 al 31 gennaio 2027" in verdict(italian)
    assert "Accertamenti in corso" in verdict(italian)
    for text in (html, italian):
        assert "Pending an audit" not in text
        assert "2027-01-31T23:00:00Z" not in text and "Feb" not in text and "febbraio" not in text
    assert "Suspended since Dec. 3, 2026 10:00, until Jan. 31, 2027. Reason: Under investigation" in html


def test_a_renewals_successor_is_not_yet_valid_from_the_old_ones_end_and_says_what_it_renews(
    issued, client, django_capture_on_commit_callbacks
):
    from credentials.services import renewal

    admin = UserFactory(role=User.Role.ADMIN, is_staff=True)
    Credential.objects.filter(pk=issued.pk).update(
        valid_until=datetime.datetime(2027, 2, 15, 10, 0, tzinfo=datetime.UTC)
    )
    issued.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):  # the successor's issuance runs on commit
        successor = renewal.renew_by_policy(credential=issued, actor=admin, note="", override_reason="Early renewal")
    successor.refresh_from_db()
    assert successor.valid_from == issued.valid_until

    response, html = page(client, successor)
    _response, italian = page(client, successor, HTTP_ACCEPT_LANGUAGE="it")

    assert response.status_code == 200
    assert verdict(html) == (
        f"Not yet valid This credential is genuine, issued by {settings.ISSUER_LEGAL_NAME}, but it is valid only from "
        f"Feb. 15, 2027. It renews credential {issued.serial}, valid until Feb. 15, 2027."
    )
    assert verdict(italian).startswith(
        f"Non ancora valida Questa credenziale è autentica, rilasciata da {settings.ISSUER_LEGAL_NAME}, ma è valida "
        "solo dal 15 febbraio 2027."
    )
    assert f"Rinnova la credenziale {issued.serial}" in verdict(italian)
    assert "Not verified" not in html


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


# --- the verdict first, in plain words; the technical checks behind a disclosure ------------------------------


def _uploaded(client, credential, **headers) -> str:
    from django.core.files.uploadedfile import SimpleUploadedFile

    with credential.sealed_json.open("rb") as handle:
        data = handle.read()
    return client.post("/verify/", {"file": SimpleUploadedFile("c.jsonld", data)}, **headers).content.decode()


def test_the_verifier_page_names_the_profile_not_its_code(issued, client):
    english = _uploaded(client, issued)
    italian = _uploaded(client, issued, HTTP_ACCEPT_LANGUAGE="it")

    assert issued.profile.title_en in english and issued.profile.title_it in italian
    assert issued.profile.code not in english and issued.profile.code not in italian


def test_the_verdict_says_first_who_issued_the_credential_to_whom_and_as_what(issued, client):
    _response, html = page(client, issued)

    assert verdict(html) == (
        f"✓ Valid This credential is genuine and valid: issued by {settings.ISSUER_LEGAL_NAME} to "
        f"{issued.holder_name} as {issued.profile.title_en}."
    )
    assert html.index('class="verdict') < html.index('class="facts"') < html.index("<details")


def test_the_technical_checks_are_behind_a_closed_disclosure(issued, client):
    _response, html = page(client, issued)

    disclosure = re.search(r"<details([^>]*)>\s*<summary>([^<]*)</summary>(.*?)</details>", html, re.S)
    assert disclosure is not None
    assert "open" not in disclosure.group(1)
    assert disclosure.group(2) == "How this was checked"
    assert 'class="checks"' in disclosure.group(3) and "Passed" in disclosure.group(3)
    assert 'class="checks"' not in html.replace(disclosure.group(0), "")


def test_a_tampered_file_is_said_to_have_been_altered_before_anything_else(issued, client):
    with issued.sealed_json.open("rb") as handle:
        sealed = json.loads(handle.read())
    sealed["payload"] = sealed["payload"].replace(issued.holder_name, "Someone Else")

    html = client.post("/verify/", {"json": json.dumps(sealed)}).content.decode()

    assert verdict(html).startswith("✗ Not verified This file has been altered after it was sealed")
    assert "Did not pass" in html


def test_a_failed_check_reads_non_superato_in_italian(issued, client):
    with issued.sealed_json.open("rb") as handle:
        sealed = json.loads(handle.read())
    sealed["payload"] = sealed["payload"].replace(issued.holder_name, "Someone Else")

    html = client.post("/verify/", {"json": json.dumps(sealed)}, HTTP_ACCEPT_LANGUAGE="it").content.decode()

    assert "Non superato" in html and "Non riuscito" not in html
    assert verdict(html).startswith("✗ Non verificata Il file è stato modificato dopo l'apposizione del sigillo")


def test_a_qr_code_whose_credential_we_no_longer_hold_still_names_its_profile(issued, client, monkeypatch):
    from credentials.views import public

    monkeypatch.setattr(public, "verification_state", lambda **_kwargs: None)

    _response, html = page(client, issued, HTTP_ACCEPT_LANGUAGE="it")

    assert issued.profile.title_it in html
    assert f"<dd>{issued.profile.code}</dd>" not in html
