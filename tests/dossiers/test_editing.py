"""Editing a dossier in the browser: warnings for texts still too short, the steps and the percentage on every
page, the checklist's links, and autosave (the same POST marked X-Autosave: 1, answered with JSON)."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from dossiers import services
from dossiers.completeness import JUSTIFICATION, SUMMARY
from dossiers.models import DossierStatus

from ..conftest import fill_completely
from ..factories import member

SHORT_SUMMARY = "Machine learning engineer."
LONG_SUMMARY = "Seven years taking machine learning models to production: pipelines, serving, monitoring, retraining."
AUTOSAVE = {"HTTP_X_AUTOSAVE": "1"}


@pytest.fixture
def owner_client(client, applicant):
    client.force_login(applicant)
    return client


def cv_data(**changes):
    data = {
        "cv_headline": "ML Engineer",
        "cv_summary": LONG_SUMMARY,
        "years_of_experience": "7",
        "highest_education": "MSc",
    }
    return {**data, **changes}


def first_competence(dossier):
    return dossier.profile.profile_competences.select_related("competence").first().competence


def prefix(competence) -> str:
    return competence.code.replace(".", "-")


def training(dossier, owner):
    return services.save_training_entry(
        dossier=dossier,
        actor=owner,
        title="MLOps",
        provider="Uni",
        start_date=datetime.date(2022, 1, 1),
        end_date=datetime.date(2022, 3, 1),
        hours=40,
    )


def training_data(**changes):
    data = {
        "title": "MLOps Specialisation",
        "provider": "Uni",
        "start_date": "2022-01-01",
        "end_date": "",
        "hours": "40",
    }
    return {**data, **changes}


# --- saving a text that is too short for submission ------------------------------------------------------------


def test_a_summary_too_short_for_submission_is_saved_as_a_draft_with_a_warning_that_says_what_is_lacking(
    owner_client, dossier
):
    response = owner_client.post(f"/dossiers/{dossier.pk}/cv/", cv_data(cv_summary=SHORT_SUMMARY), follow=True)

    (message,) = get_messages(response.wsgi_request)
    assert message.level_tag == "warning"
    assert "saved as a draft" in message.message
    count = len(SHORT_SUMMARY)
    assert f"Professional summary ({count} of at least {SUMMARY.min_length} characters)" in message.message
    page = response.content.decode()
    assert (
        f'<p class="field-warning" id="id_cv_summary_warning">Too short for submission: {count} of at least '
        f"{SUMMARY.min_length} characters.</p>" in page
    )
    assert re.search(r'<textarea[^>]*aria-describedby="id_cv_summary_helptext id_cv_summary_warning"', page)
    dossier.refresh_from_db()
    assert dossier.cv_summary == SHORT_SUMMARY


def test_an_empty_headline_and_no_years_are_named_in_the_warning_after_a_save(owner_client, dossier):
    response = owner_client.post(
        f"/dossiers/{dossier.pk}/cv/", cv_data(cv_headline="", years_of_experience=""), follow=True
    )

    (message,) = get_messages(response.wsgi_request)
    assert message.level_tag == "warning"
    assert "Headline (still empty); Years of professional experience (still empty)" in message.message


def test_a_summary_long_enough_is_saved_with_a_plain_success_and_no_warning(owner_client, dossier):
    response = owner_client.post(f"/dossiers/{dossier.pk}/cv/", cv_data(), follow=True)

    (message,) = get_messages(response.wsgi_request)
    assert (message.level_tag, message.message) == ("success", "Your CV summary has been saved.")
    assert "field-warning" not in response.content.decode()


def test_a_short_justification_is_saved_as_a_draft_and_the_warning_names_the_competence(owner_client, dossier):
    competence = first_competence(dossier)
    p = prefix(competence)

    response = owner_client.post(
        f"/dossiers/{dossier.pk}/self-assessment/",
        {f"{p}-claimed_level": str(competence.min_level), f"{p}-justification": "Every week."},
        follow=True,
    )

    (message,) = get_messages(response.wsgi_request)
    assert message.level_tag == "warning" and "saved as a draft" in message.message
    assert f"{competence.code}: Justification (11 of at least {JUSTIFICATION.min_length} characters)" in (
        message.message
    )
    assert f'id="id_{p}-justification_warning"' in response.content.decode()
    assert dossier.self_assessments.get().justification == "Every week."


def test_texts_with_a_minimum_carry_it_for_the_counter_in_the_browser(owner_client, dossier):
    cv = owner_client.get(f"/dossiers/{dossier.pk}/cv/").content.decode()
    assessment = owner_client.get(f"/dossiers/{dossier.pk}/self-assessment/").content.decode()

    assert re.search(rf'<textarea[^>]*data-min-length="{SUMMARY.min_length}"[^>]*id="id_cv_summary"', cv)
    p = prefix(first_competence(dossier))
    assert re.search(
        rf'<textarea[^>]*data-min-length="{JUSTIFICATION.min_length}"[^>]*id="id_{p}-justification"', assessment
    )
    assert '<script src="/static/js/dossier-live.js" defer></script>' in cv
    assert 'data-text="short">Too short for submission: %(count)d of at least %(min)d characters.<' in cv


# --- steps, percentage and checklist -----------------------------------------------------------------------------

PAGES = {
    "overview": "",
    "cv": "cv/",
    "training": "training/",
    "experience": "experience/",
    "projects": "projects/",
    "self_assessment": "self-assessment/",
    "evidence": "evidence/",
}


@pytest.mark.parametrize("section", PAGES)
def test_every_page_shows_the_steps_each_done_or_not_in_words_the_current_one_and_the_percentage(
    owner_client, dossier, applicant, section
):
    training(dossier, applicant)

    page = owner_client.get(f"/dossiers/{dossier.pk}/{PAGES[section]}").content.decode()

    rules = len(dossier.profile.profile_competences.all()) + 8
    percent = 100 // rules
    assert f'<progress id="dossier-progress" max="100" value="{percent}" data-progress-bar>' in page
    assert f"<strong data-progress-percent>{percent}%</strong>" in page
    steps = re.findall(r'data-progress-section="(\w+)">\s*<a href="[^"]+"( aria-current="page")?>', page)
    assert [key for key, _current in steps] == list(PAGES)[1:]
    assert [key for key, current in steps if current] == ([] if section == "overview" else [section])
    done = re.search(r'data-progress-section="training">.*?</li>', page, re.S).group(0)
    assert "✓" in done and "(done)" in done
    todo = re.search(r'data-progress-section="cv">.*?</li>', page, re.S).group(0)
    assert "○" in todo and "(not done yet)" in todo


def test_the_overview_links_every_checklist_item_to_the_field_that_fixes_it(owner_client, dossier):
    page = owner_client.get(f"/dossiers/{dossier.pk}/").content.decode()

    checklist = re.search(r'<ul class="checklist">(.*?)</ul>', page, re.S).group(1)
    items = re.findall(r"<li>(.*?)</li>", checklist, re.S)
    links = re.findall(r'<li><a href="([^"]+)">', checklist)
    assert len(items) == len(links) > 8
    assert f"/dossiers/{dossier.pk}/cv/#id_cv_summary" in links
    assert f"/dossiers/{dossier.pk}/evidence/#id_file" in links


def test_a_submitted_dossier_shows_its_progress_but_offers_no_live_help(owner_client, complete_dossier, applicant):
    services.submit_dossier(dossier=complete_dossier, actor=applicant)

    page = owner_client.get(f"/dossiers/{complete_dossier.pk}/cv/").content.decode()

    assert "<strong data-progress-percent>100%</strong>" in page
    assert "dossier-live.js" not in page and "data-autosave" not in page


# --- autosave --------------------------------------------------------------------------------------------------


def test_an_autosave_saves_through_the_service_and_answers_json_with_the_warnings_and_no_message(owner_client, dossier):
    response = owner_client.post(f"/dossiers/{dossier.pk}/cv/", cv_data(cv_summary=SHORT_SUMMARY), **AUTOSAVE)

    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    answer = response.json()
    assert answer["saved"] is True and answer["errors"] == {}
    assert datetime.datetime.fromisoformat(answer["saved_at"])
    assert answer["message"].startswith("Draft saved at ")
    assert answer["warnings"] == {
        "cv_summary": f"Too short for submission: {len(SHORT_SUMMARY)} of at least {SUMMARY.min_length} characters."
    }
    assert answer["progress"]["sections"]["cv"] is False
    assert answer["progress"]["percent"] == 2 * 100 // (len(dossier.profile.profile_competences.all()) + 8)
    dossier.refresh_from_db()
    assert (dossier.cv_headline, dossier.cv_summary, dossier.years_of_experience) == ("ML Engineer", SHORT_SUMMARY, 7)
    assert not list(get_messages(response.wsgi_request))


def test_an_invalid_autosave_changes_nothing_and_answers_the_errors_by_field(owner_client, dossier):
    response = owner_client.post(
        f"/dossiers/{dossier.pk}/cv/", cv_data(years_of_experience="seventy-one", cv_headline="x" * 201), **AUTOSAVE
    )

    assert response.status_code == 400
    answer = response.json()
    assert answer["saved"] is False and answer["warnings"] == {}
    assert set(answer["errors"]) == {"years_of_experience", "cv_headline"}
    assert "What you typed is still here" in answer["message"]
    dossier.refresh_from_db()
    assert (dossier.cv_headline, dossier.cv_summary) == ("", "")


def test_an_autosave_of_a_submitted_dossier_is_refused_with_a_clear_error(owner_client, complete_dossier, applicant):
    services.submit_dossier(dossier=complete_dossier, actor=applicant)
    complete_dossier.refresh_from_db()
    before = complete_dossier.cv_summary

    response = owner_client.post(f"/dossiers/{complete_dossier.pk}/cv/", cv_data(cv_summary="Changed."), **AUTOSAVE)

    assert response.status_code == 409
    answer = response.json()
    assert answer["saved"] is False
    assert answer["message"] == "This dossier can no longer be changed (its status is: Submitted)."
    complete_dossier.refresh_from_db()
    assert complete_dossier.cv_summary == before and complete_dossier.status == DossierStatus.SUBMITTED


@pytest.mark.parametrize("page", ["cv/", "self-assessment/", "training/{entry}/"])
def test_an_autosave_to_another_applicants_dossier_answers_404_and_changes_nothing(client, dossier, applicant, page):
    entry = training(dossier, applicant)
    client.force_login(member())

    response = client.post(f"/dossiers/{dossier.pk}/{page.format(entry=entry.pk)}", cv_data(), **AUTOSAVE)

    assert response.status_code == 404
    dossier.refresh_from_db()
    assert dossier.cv_summary == "" and dossier.training.get().title == "MLOps"


def test_an_autosave_needs_the_csrf_token_like_any_post(dossier, applicant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(applicant)

    response = client.post(f"/dossiers/{dossier.pk}/cv/", cv_data(), **AUTOSAVE)

    assert response.status_code == 403
    dossier.refresh_from_db()
    assert dossier.cv_summary == ""


def test_an_autosave_of_an_existing_entry_saves_it_and_bad_dates_come_back_as_errors(owner_client, dossier, applicant):
    entry = training(dossier, applicant)
    url = f"/dossiers/{dossier.pk}/training/{entry.pk}/"

    saved = owner_client.post(url, training_data(title="MLOps, advanced"), **AUTOSAVE)
    refused = owner_client.post(url, training_data(title="Renamed", end_date="2021-01-01"), **AUTOSAVE)

    assert saved.status_code == 200 and saved.json()["saved"] is True
    assert refused.status_code == 400 and refused.json()["errors"] == {
        "end_date": ["The end date is before the start date."]
    }
    entry.refresh_from_db()
    assert (entry.title, entry.end_date) == ("MLOps, advanced", None)


def test_a_new_entry_is_never_autosaved_so_that_it_is_not_added_twice(owner_client, dossier):
    response = owner_client.post(f"/dossiers/{dossier.pk}/training/", training_data(), **AUTOSAVE)

    assert response.status_code == 400 and response.json()["saved"] is False
    assert not dossier.training.exists()


def test_an_autosave_of_the_self_assessment_saves_the_rated_competences(owner_client, dossier):
    competence = first_competence(dossier)
    p = prefix(competence)

    response = owner_client.post(
        f"/dossiers/{dossier.pk}/self-assessment/",
        {f"{p}-claimed_level": str(competence.min_level), f"{p}-justification": "Every week."},
        **AUTOSAVE,
    )

    assert response.status_code == 200
    assert response.json()["warnings"] == {
        f"{p}-justification": f"Too short for submission: 11 of at least {JUSTIFICATION.min_length} characters."
    }
    assert dossier.self_assessments.get().justification == "Every week."


def test_a_half_filled_claim_stops_the_autosave_of_the_self_assessment_with_its_error_by_field(owner_client, dossier):
    first, second = [pc.competence for pc in dossier.profile.profile_competences.select_related("competence")[:2]]

    response = owner_client.post(
        f"/dossiers/{dossier.pk}/self-assessment/",
        {
            f"{prefix(first)}-claimed_level": str(first.min_level),
            f"{prefix(first)}-justification": "A justification that would be long enough to count.",
            f"{prefix(second)}-justification": "Written before choosing a level.",
        },
        **AUTOSAVE,
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        f"{prefix(second)}-claimed_level": ["Choose a level, or clear the justification to rate this later."]
    }
    assert not dossier.self_assessments.exists()


def test_an_autosave_of_a_blank_self_assessment_says_there_is_nothing_to_save(owner_client, dossier):
    response = owner_client.post(f"/dossiers/{dossier.pk}/self-assessment/", {}, **AUTOSAVE)

    assert response.status_code == 200
    assert response.json()["saved"] is False and "Nothing to save yet" in response.json()["message"]


def test_a_claim_the_service_refuses_comes_back_as_the_error_of_its_competence(
    owner_client, complete_dossier, applicant
):
    services.submit_dossier(dossier=complete_dossier, actor=applicant)
    competence = first_competence(complete_dossier)
    p = prefix(competence)

    response = owner_client.post(
        f"/dossiers/{complete_dossier.pk}/self-assessment/",
        {f"{p}-claimed_level": str(competence.min_level), f"{p}-justification": "A new justification, too late."},
        **AUTOSAVE,
    )

    assert response.status_code == 409
    assert response.json()["message"] == "This dossier can no longer be changed (its status is: Submitted)."
    assert response.json()["errors"] == {
        f"{p}-__all__": ["This dossier can no longer be changed (its status is: Submitted)."]
    }


def test_a_normal_save_after_autosaves_still_redirects_with_its_message(owner_client, dossier, applicant):
    fill_completely(dossier, applicant)
    owner_client.post(f"/dossiers/{dossier.pk}/cv/", cv_data(), **AUTOSAVE)

    response = owner_client.post(f"/dossiers/{dossier.pk}/cv/", cv_data())

    assert response.status_code == 302 and response["Location"] == f"/dossiers/{dossier.pk}/cv/"
