"""Editing a dossier in a real browser (issue 15), in both languages and at both widths: the counter and the
warning as the applicant types, autosave without pressing Save, errors next to the field with the text kept, a
new entry kept as a draft in the browser, the checklist's links and the dossier's progress."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from dossiers import services
from dossiers.completeness import SUMMARY
from profiles.models import Profile

from ..factories import PASSWORD, member
from .accessibility import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LONG_SUMMARY = "Seven years taking machine learning models to production: pipelines, serving, monitoring, retraining."


def sign_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture
def owner(variant, catalogue):
    return member(preferred_language=variant.language)


@pytest.fixture
def dossier(owner):
    return services.start_dossier(owner=owner, profile=Profile.objects.get(code="ai-ml-engineer"))


def rules(dossier) -> int:
    return dossier.profile.profile_competences.count() + 8


def saved_text(variant) -> re.Pattern:
    """The autosave's status, whatever the time it gives."""
    return re.compile(re.escape(variant.gettext("Draft saved at %(time)s").split("%(time)s")[0]))


def wait_for_local_draft(page) -> None:
    # Polled from here: wait_for_function evaluates a string in the page, which its CSP forbids.
    for _attempt in range(50):
        if page.evaluate("Object.keys(window.localStorage).some(k => k.startsWith('aipia-dossier-draft:'))"):
            return
        page.wait_for_timeout(100)
    raise AssertionError("The draft was not kept in the browser.")


def test_typing_a_summary_shows_the_counter_and_the_warning_as_the_applicant_types(seen_page, variant, owner, dossier):
    page = seen_page
    sign_in(page, owner)
    page.goto(f"/dossiers/{dossier.pk}/cv/")
    summary = page.locator("#id_cv_summary")
    counter = page.locator("#id_cv_summary_counter")
    warning = page.locator("#id_cv_summary_warning")
    expect(counter).to_have_text(
        variant.gettext("%(count)d / at least %(min)d characters") % {"count": 0, "min": SUMMARY.min_length}
    )

    summary.press_sequentially("Data scientist")

    expect(counter).to_have_text(
        variant.gettext("%(count)d / at least %(min)d characters") % {"count": 14, "min": SUMMARY.min_length}
    )
    expect(warning).to_be_visible()
    expect(warning).to_have_text(
        variant.gettext("Too short for submission: %(count)d of at least %(min)d characters.")
        % {"count": 14, "min": SUMMARY.min_length}
    )
    expect(summary).to_have_attribute("aria-describedby", re.compile("id_cv_summary_warning"))
    assert_accessible(page)

    summary.fill(LONG_SUMMARY)

    expect(warning).to_be_hidden()
    expect(counter).to_have_class(re.compile(r"\bmet\b"))


def test_autosave_keeps_the_text_without_pressing_save_and_moves_the_progress(seen_page, variant, owner, dossier):
    page = seen_page
    sign_in(page, owner)
    page.goto(f"/dossiers/{dossier.pk}/cv/")
    expect(page.locator("[data-progress-percent]")).to_have_text("0%")

    page.locator("#id_cv_headline").fill("Senior ML Engineer")
    page.locator("#id_cv_summary").fill(LONG_SUMMARY)
    page.locator("#id_years_of_experience").fill("7")

    expect(page.get_by_role("status").filter(has_text=saved_text(variant))).to_be_visible()
    percent = 3 * 100 // rules(dossier)
    expect(page.locator("[data-progress-percent]")).to_have_text(f"{percent}%")
    assert_accessible(page)

    page.reload()

    expect(page.locator("#id_cv_summary")).to_have_value(LONG_SUMMARY)
    expect(page.locator("#id_cv_headline")).to_have_value("Senior ML Engineer")
    dossier.refresh_from_db()
    assert (dossier.cv_summary, dossier.years_of_experience) == (LONG_SUMMARY, 7)


def test_an_autosave_that_is_refused_shows_the_error_next_to_the_field_and_keeps_the_text(
    seen_page, variant, owner, dossier
):
    entry = services.save_training_entry(
        dossier=dossier,
        actor=owner,
        title="MLOps",
        provider="Politecnico di Milano",
        start_date=datetime.date(2023, 3, 1),
        end_date=datetime.date(2023, 6, 30),
        hours=120,
    )
    page = seen_page
    sign_in(page, owner)
    page.goto(f"/dossiers/{dossier.pk}/training/{entry.pk}/")

    page.locator("#id_title").fill("MLOps Specialisation, second edition")
    page.locator("#id_end_date").fill("2023-01-01")

    error = page.locator("#id_end_date_error")
    expect(error).to_have_text(variant.gettext("The end date is before the start date."))
    expect(page.locator("#id_end_date")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_title")).to_have_value("MLOps Specialisation, second edition")
    assert_accessible(page)
    entry.refresh_from_db()
    assert entry.title == "MLOps"

    page.locator("#id_end_date").fill("2023-07-31")

    expect(page.get_by_role("status").filter(has_text=saved_text(variant))).to_be_visible()
    expect(error).to_have_count(0)
    entry.refresh_from_db()
    assert (entry.title, entry.end_date) == ("MLOps Specialisation, second edition", datetime.date(2023, 7, 31))


def test_a_new_entry_is_kept_as_a_draft_in_the_browser_until_it_is_added(seen_page, variant, owner, dossier):
    page = seen_page
    sign_in(page, owner)
    page.goto(f"/dossiers/{dossier.pk}/training/")
    page.locator("#id_title").fill("Deep Learning Specialisation")
    page.locator("#id_provider").fill("DeepLearning.AI")
    wait_for_local_draft(page)

    page.reload()

    expect(page.locator("#id_title")).to_have_value("Deep Learning Specialisation")
    expect(page.locator("#id_provider")).to_have_value("DeepLearning.AI")
    expect(
        page.get_by_text(variant.gettext("Your draft, not added yet, has been restored from this browser."))
    ).to_be_visible()
    assert_accessible(page)
    assert not dossier.training.exists()

    page.locator("#id_start_date").fill("2022-09-01")
    page.locator("#id_hours").fill("60")
    page.locator("form[data-local-draft] button[type=submit]").click()
    expect(page.locator("article.card h3").filter(has_text="Deep Learning Specialisation")).to_be_visible()
    page.reload()

    expect(page.locator("#id_title")).to_have_value("")
    assert dossier.training.get().title == "Deep Learning Specialisation"


def test_a_checklist_item_leads_to_the_field_that_fixes_it_and_the_overview_shows_the_percentage(
    seen_page, variant, owner, dossier
):
    page = seen_page
    sign_in(page, owner)
    page.goto(f"/dossiers/{dossier.pk}/")
    expect(page.locator("[data-progress-percent]")).to_have_text("0%")
    nav = page.get_by_role("navigation", name=variant.gettext("Dossier sections"))
    expect(nav.locator("a[aria-current=page]")).to_have_text(variant.gettext("Overview"))

    item = variant.gettext("CV: write a professional summary of at least %(n)d characters.") % {"n": SUMMARY.min_length}
    page.locator("ul.checklist").get_by_role("link", name=item).click()

    page.wait_for_url(re.compile(r"/cv/#id_cv_summary$"))
    expect(page.locator("#id_cv_summary")).to_be_focused()
    expect(nav.locator("a[aria-current=page]")).to_contain_text(variant.gettext("CV"))
    expect(nav.locator("[data-progress-section=cv] .step-state")).to_have_text(variant.gettext("(not done yet)"))
