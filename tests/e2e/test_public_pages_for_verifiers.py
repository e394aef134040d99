"""What a verifier who is no expert meets, in both languages and at both widths (issue 16): the verdict first in
plain words with the profile's name, the technical checks behind a closed disclosure, a register search that
finds no one saying so, every public page switching language with ?lang= and its visible link, and dates written
as the language writes them."""

import re

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import expect

from ..factories import member
from .accessibility import assert_accessible
from .navigation import open_menu
from .test_verification_journey import issued_credential

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PUBLIC_PAGES = ["/", "/profiles/", "/profiles/ai-ml-engineer/", "/verify/", "/register/", "/accounts/login/"]
ITALIAN_MONTHS = "gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre"


def test_the_verifier_page_names_the_profile_and_says_the_verdict_first_with_the_checks_closed(
    seen_page, variant, catalogue, tmp_path
):
    page = seen_page
    credential = issued_credential()
    sealed = tmp_path / "credential.jsonld"
    with credential.sealed_json.open("rb") as handle:
        sealed.write_bytes(handle.read())

    page.goto("/verify/")
    page.set_input_files("#verify-file", str(sealed))
    page.locator("form:has(#verify-file) button[type=submit]").click()

    title = credential.profile.title_it if variant.language == "it" else credential.profile.title_en
    verdict = page.locator(".verdict-sentence")
    expect(verdict).to_contain_text(title)
    expect(verdict).to_contain_text("Ada Lovelace")
    expect(page.locator("dl.facts")).to_contain_text(title)
    assert credential.profile.code not in page.locator("main").inner_text()
    # The verdict comes first; the technical checks wait behind "How this was checked", closed.
    disclosure = page.locator("details.how-checked")
    assert page.locator(".verdict").bounding_box()["y"] < disclosure.bounding_box()["y"]
    assert disclosure.evaluate("element => element.open") is False
    expect(page.locator(".checks")).to_be_hidden()
    disclosure.get_by_text(variant.gettext("How this was checked")).click()
    expect(page.locator(".checks")).to_be_visible()
    expect(page.locator(".checks")).to_contain_text(variant.gettext("Passed"))
    assert_accessible(page)


def test_a_register_search_that_finds_no_one_says_so_and_suggests_what_to_try(seen_page, variant, catalogue):
    page = seen_page
    member(first_name="Grace", last_name="Hopper")

    page.goto("/register/")
    page.get_by_label(variant.gettext("Name, serial number or credential id")).fill("Nobody Atall")
    page.get_by_role("button", name=variant.gettext("Search")).click()

    empty = page.locator(".register-empty")
    expect(empty.get_by_role("heading")).to_have_text(
        variant.gettext("No results for “%(query)s”.") % {"query": "Nobody Atall"}
    )
    expect(empty).to_contain_text(variant.gettext("Only holders who agreed to be listed appear in the register."))
    empty.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/verify/$"))


def test_every_public_page_switches_language_with_lang_and_with_its_link(seen_page, variant, catalogue):
    page = seen_page
    other = "en" if variant.language == "it" else "it"
    other_name = {"en": "English", "it": "Italiano"}

    for path in PUBLIC_PAGES:
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", variant.language)
        page.goto(f"{path}?lang={other}")
        expect(page.locator("html")).to_have_attribute("lang", other)
        # The visible switch leads back, and the choice is kept for the next page.
        open_menu(page)  # on a phone the header's links, the language switch among them, fold behind "Menu"
        page.locator("[data-nav]").get_by_role("link", name=other_name[variant.language]).click()
        expect(page.locator("html")).to_have_attribute("lang", variant.language)
    page.goto("/register/?lang=" + other)
    page.goto("/profiles/")
    expect(page.locator("html")).to_have_attribute("lang", other)


def test_the_qr_page_writes_dates_as_the_language_writes_them(seen_page, variant, catalogue):
    page = seen_page
    credential = issued_credential()

    page.goto(f"/v/{credential.token}")

    with translation.override(variant.language):
        first_day = date_format(timezone.localtime(credential.valid_from).date(), "DATE_FORMAT")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(first_day)
    if variant.language == "it":
        assert re.search(rf"(?<!\d)[1-9]\d? ({ITALIAN_MONTHS}) \d{{4}}", facts.inner_text())
        assert not re.search(r"\b0\d ", facts.inner_text())
