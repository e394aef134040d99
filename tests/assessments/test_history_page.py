"""The committee reads a dossier's history as sentences, in the reader's language, with who acted and when."""

import re

import pytest
from django.utils import translation

from accounts.history import describe


def timeline(response) -> str:
    return re.search(r'<ol class="timeline">(.*?)</ol>', response.content.decode(), re.S).group(1)


@pytest.mark.parametrize("language", ["en", "it"])
def test_the_committee_reads_the_history_as_sentences(client, under_assessment, secretary, language):
    client.force_login(secretary)

    history = timeline(client.get(f"/committee/dossiers/{under_assessment.pk}/", HTTP_ACCEPT_LANGUAGE=language))

    codes = list(under_assessment.events.values_list("action", flat=True))
    assert {"dossier.created", "dossier.submitted", "assessment.assessor_assigned", "assessment.started"} <= set(codes)
    with translation.override(language):
        for code in codes:
            assert describe(code) in history
    assert not re.search(r"\b(dossier|assessment)\.[a-z_]+", history)
    assert str(secretary) in history and "<time datetime=" in history


def test_an_event_without_a_sentence_still_reads_as_words(client, under_assessment, secretary):
    under_assessment.events.create(action="assessment.something_new")
    client.force_login(secretary)

    history = timeline(client.get(f"/committee/dossiers/{under_assessment.pk}/"))

    assert "Assessment something new" in history
