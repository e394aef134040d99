"""The completeness rules as data: the checklist's links, the progress and the warnings all come from them."""

import re

import pytest

from demo.files import pdf_bytes
from dossiers import services
from dossiers.completeness import (
    FIELD_RULES,
    JUSTIFICATION,
    SECTIONS,
    SUMMARY,
    dossier_progress,
    field_warnings,
    gaps,
    missing_items,
)
from dossiers.models import EvidenceFile

from ..conftest import upload


@pytest.fixture
def owner_client(client, applicant):
    client.force_login(applicant)
    return client


def test_a_new_dossier_is_0_percent_along_with_no_section_done(dossier):
    progress = dossier_progress(dossier)

    assert progress.percent == 0 and not progress.complete
    assert [s.section for s in progress.sections] == list(SECTIONS)
    assert not any(s.done for s in progress.sections)
    assert sum(s.missing_count for s in progress.sections) == len(progress.missing)
    assert progress.missing == missing_items(dossier)


def test_a_complete_dossier_is_100_percent_along_with_every_section_done(complete_dossier):
    complete_dossier.refresh_from_db()
    progress = dossier_progress(complete_dossier)

    assert progress.percent == 100 and progress.complete and progress.missing == []
    assert all(s.done and s.missing_count == 0 for s in progress.sections)


def test_the_percentage_is_rounded_down_so_that_one_missing_item_never_shows_100(complete_dossier, applicant):
    complete_dossier.projects.get().delete()
    complete_dossier.refresh_from_db()

    progress = dossier_progress(complete_dossier)

    rules = len(complete_dossier.profile.profile_competences.all()) + 8
    assert progress.percent == (rules - 1) * 100 // rules < 100
    assert [s.section for s in progress.sections if not s.done] == ["projects"]
    assert [item.section for item in progress.missing] == ["projects"]


def test_every_missing_item_links_to_its_sections_page_and_to_a_field_that_is_on_that_page(owner_client, dossier):
    items = missing_items(dossier)
    assert {item.section for item in items} == set(SECTIONS)

    for item in items:
        path, anchor = item.url.split("#")
        page = owner_client.get(path)
        assert page.status_code == 200, item.url
        assert re.search(rf'<(input|textarea|select)[^>]* id="{re.escape(anchor)}"', page.content.decode()), item.url


def test_a_competence_claimed_with_a_short_justification_links_to_the_justification(dossier, applicant):
    competence = dossier.profile.profile_competences.select_related("competence").first().competence
    services.save_self_assessment(
        dossier=dossier,
        actor=applicant,
        competence=competence,
        claimed_level=competence.min_level,
        justification="Too short.",
    )
    code = competence.code.replace(".", "-")

    urls = [item.url for item in missing_items(dossier) if item.section == "self_assessment"]

    assert f"/dossiers/{dossier.pk}/self-assessment/#id_{code}-justification" in urls
    assert f"/dossiers/{dossier.pk}/self-assessment/#id_{code}-claimed_level" not in urls


def test_the_missing_items_still_read_as_text_for_the_api_and_the_refusal_to_submit(dossier):
    (first, *_rest) = missing_items(dossier)

    assert first == "CV: upload your CV as a PDF file." == first.text
    assert first.url == f"/dossiers/{dossier.pk}/cv/#id_file"


def test_a_started_text_that_is_too_short_is_warned_about_and_an_empty_one_is_left_to_its_help_text():
    assert field_warnings({"cv_summary": "Twelve chars", "justification": "", "cv_headline": "x"}) == {
        "cv_summary": f"Too short for submission: 12 of at least {SUMMARY.min_length} characters."
    }
    assert field_warnings({"cv_summary": "x" * SUMMARY.min_length}) == {}


def test_what_is_lacking_after_a_save_names_each_field_with_its_count():
    assert gaps({"cv_headline": " ", "cv_summary": "Short", "years_of_experience": None, "highest_education": ""}) == [
        "Headline (still empty)",
        f"Professional summary (5 of at least {SUMMARY.min_length} characters)",
        "Years of professional experience (still empty)",
    ]
    assert gaps({"years_of_experience": 0, "justification": "y" * JUSTIFICATION.min_length}) == []


def test_a_new_line_from_a_browser_counts_as_one_character_as_in_the_browsers_counter():
    text = "a\r\n" * (JUSTIFICATION.min_length // 2)

    assert JUSTIFICATION.length(text) == JUSTIFICATION.min_length - 1
    assert set(FIELD_RULES) == {"cv_headline", "cv_summary", "years_of_experience", "justification"}


def test_a_filled_in_cv_marks_its_step_done_and_counts_its_four_rules(dossier, applicant):
    upload(dossier, applicant, pdf_bytes("CV"), "cv.pdf", EvidenceFile.Kind.CV)
    services.update_cv_summary(
        dossier=dossier,
        actor=applicant,
        cv_headline="ML Engineer",
        cv_summary="s" * SUMMARY.min_length,
        years_of_experience=0,
        highest_education="",
    )
    dossier.refresh_from_db()

    progress = dossier_progress(dossier)

    rules = len(dossier.profile.profile_competences.all()) + 8
    assert progress.percent == 4 * 100 // rules
    assert [s.section for s in progress.sections if s.done] == ["cv"]
