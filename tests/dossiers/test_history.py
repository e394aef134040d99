"""The applicant's history of a dossier reads as sentences, in the applicant's language, on the page and in the API."""

import re

import pytest
from django.utils import translation

from accounts.history import describe
from dossiers import services

from ..factories import UserFactory


def timeline(response) -> str:
    return re.search(r'<ol class="timeline">(.*?)</ol>', response.content.decode(), re.S).group(1)


@pytest.mark.parametrize("language", ["en", "it"])
def test_the_applicant_reads_what_happened_as_sentences(client, applicant, complete_dossier, language):
    services.submit_dossier(dossier=complete_dossier, actor=applicant)
    client.force_login(applicant)

    history = timeline(client.get(f"/dossiers/{complete_dossier.pk}/", HTTP_ACCEPT_LANGUAGE=language))

    with translation.override(language):
        created, submitted = describe("dossier.created"), describe("dossier.submitted")
    assert created in history and submitted in history
    assert history.index(created) < history.index(submitted)
    assert "dossier.created" not in history and "dossier.submitted" not in history


def test_the_api_gives_each_event_its_code_and_its_sentence_in_the_language_asked(client, applicant, dossier):
    client.force_login(applicant)

    english = client.get(f"/api/v1/dossiers/{dossier.pk}/events").json()
    italian = client.get(f"/api/v1/dossiers/{dossier.pk}/events", HTTP_ACCEPT_LANGUAGE="it").json()

    assert [(e["action"], e["description"]) for e in english] == [("dossier.created", "Dossier created")]
    with translation.override("it"):
        assert [(e["action"], e["description"]) for e in italian] == [("dossier.created", describe("dossier.created"))]


def test_the_admin_shows_each_event_with_its_sentence_beside_its_code(client, dossier):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    page = client.get(f"/admin/dossiers/dossier/{dossier.pk}/change/").content.decode()

    assert "Dossier created" in page and "dossier.created" in page
