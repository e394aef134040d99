"""Where a holder's profile badge shows: the credential page, the issuance e-mail, the API, and the link previews
(Open Graph) of the pages people share — the verification page the QR code and LinkedIn point to, and the profile."""

import re

import pytest
from django.core import mail
from rest_framework.test import APIClient

from credentials.services import attestation
from dossiers import services as dossier_services

from .test_issuance import approve

SITE = "https://credentials.example.org"


@pytest.fixture
def approved(complete_dossier, applicant, django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = SITE
    dossier_services.submit_dossier(dossier=complete_dossier, actor=applicant)
    credential = approve(complete_dossier, django_capture_on_commit_callbacks)
    credential.refresh_from_db()
    return credential


def og_image(html: str) -> str | None:
    match = re.search(r'<meta property="og:image" content="([^"]+)">', html)
    return match.group(1) if match else None


def test_the_holder_sees_the_badge_with_its_downloads_on_the_credential_page(approved, applicant, client):
    client.force_login(applicant)

    html = client.get(f"/credentials/{approved.pk}/").content.decode()

    code = approved.profile.code
    assert f'src="/profiles/{code}/badge.svg"' in html
    assert f'alt="Badge of the profile {approved.profile.title_en}"' in html
    assert (
        f'href="/profiles/{code}/badge.png" download' in html and f'href="/profiles/{code}/badge.svg" download' in html
    )


def test_the_issuance_email_shows_the_badge_as_an_absolute_image_with_alternative_text(approved, applicant):
    (message,) = [m for m in mail.outbox if m.to == [applicant.email] and m.attachments]

    (html, content_type) = message.alternatives[0]

    assert content_type == "text/html"
    badge = f"{SITE}/profiles/{approved.profile.code}/badge.png"
    assert (
        f'<img src="{badge}" width="120" height="120" alt="Badge of the profile {approved.profile.title_en}">' in html
    )
    assert f'href="{SITE}/credentials/{approved.pk}/"' in html and "/v/" in html
    assert "Congratulations" in message.body and badge not in message.body


def test_the_italian_email_gives_the_badge_italian_alternative_text(
    complete_dossier, applicant, settings, django_capture_on_commit_callbacks
):
    applicant.preferred_language = "it"
    applicant.save(update_fields=["preferred_language"])
    dossier_services.submit_dossier(dossier=complete_dossier, actor=applicant)
    credential = approve(complete_dossier, django_capture_on_commit_callbacks)

    (message,) = [m for m in mail.outbox if m.to == [applicant.email] and m.attachments]

    assert f'alt="Badge del profilo {credential.profile.title_it}"' in message.alternatives[0][0]


def test_the_credential_api_gives_the_badge_addresses(approved, applicant):
    client = APIClient()
    client.force_authenticate(applicant)

    detail = client.get(f"/api/v1/credentials/{approved.pk}/").json()

    code = approved.profile.code
    assert detail["badge"] == {"svg": f"{SITE}/profiles/{code}/badge.svg", "png": f"{SITE}/profiles/{code}/badge.png"}


def test_the_verification_page_previews_the_badge_when_shared(approved, client):
    html = client.get(f"/v/{approved.token}").content.decode()

    assert og_image(html) == f"{SITE}/profiles/{approved.profile.code}/badge.png"
    assert '<meta property="og:image:alt" content="Badge of the profile' in html


def test_the_profile_page_shows_its_badge_and_previews_it_when_shared(client, profile, settings):
    settings.SITE_URL = SITE

    html = client.get(f"/profiles/{profile.code}/").content.decode()

    assert og_image(html) == f"{SITE}/profiles/{profile.code}/badge.png"
    assert f'src="/profiles/{profile.code}/badge.svg"' in html


def test_an_attestation_shows_no_badge(applicant, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        credential = attestation.issue_attestation(member=applicant, actor=applicant)
    credential.refresh_from_db()
    client.force_login(applicant)

    assert "badge.svg" not in client.get(f"/credentials/{credential.pk}/").content.decode()
    assert og_image(client.get(f"/v/{credential.token}").content.decode()) is None
