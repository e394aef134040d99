"""Signing up and reading a history in a real browser (issue 15), in both languages and at both widths: a refused
password is explained under the password field, the link in the verification e-mail signs the person in, and a
dossier's history reads as sentences."""

import re

import pytest
from django.core import mail
from django.utils import translation
from playwright.sync_api import expect

from accounts.history import describe
from accounts.models import User
from accounts.passwords import MinimumLengthValidator
from dossiers import services as dossier_services
from profiles.models import Profile

from ..conftest import fill_completely
from ..factories import PASSWORD, member
from .navigation import open_menu

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CONFIRMATION_LINK = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/\S+)")


def fill_sign_up(page, *, password: str) -> None:
    page.goto("/accounts/signup/")
    page.fill("input[name=first_name]", "Grace")
    page.fill("input[name=last_name]", "Hopper")
    page.fill("input[name=email]", "grace@example.org")
    page.fill("input[name=password1]", password)
    page.fill("input[name=password2]", password)
    page.locator("main form button[type=submit]").click()


def test_a_password_too_short_is_explained_under_the_password_field(seen_page, variant):
    page = seen_page

    fill_sign_up(page, password="short")

    with translation.override(variant.language):
        too_short = MinimumLengthValidator(min_length=10).get_error_message()
    password, again, email = page.locator("#id_password1"), page.locator("#id_password2"), page.locator("#id_email")
    error = page.locator("#id_password1_error")
    expect(error).to_contain_text(too_short)
    expect(password).to_have_attribute("aria-invalid", "true")
    assert "id_password1_error" in password.get_attribute("aria-describedby").split()
    # Under the password field it belongs to: below its input, above the next field, in the same box.
    assert password.bounding_box()["y"] < error.bounding_box()["y"] < again.bounding_box()["y"]
    expect(page.locator(".field.has-error")).to_have_count(1)
    expect(page.locator(".field", has=password)).to_contain_text(too_short)
    expect(page.locator(".field", has=email).locator(".errorlist")).to_have_count(0)
    expect(email).not_to_have_attribute("aria-invalid", "true")
    expect(email).to_have_value("grace@example.org")
    assert not User.objects.exists()


def test_following_the_link_in_the_verification_email_signs_the_person_in(seen_page, variant):
    page = seen_page

    fill_sign_up(page, password=PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text(variant.gettext("Verify Your Email Address"))
    expect(page.get_by_role("button", name=variant.gettext("Log out"))).to_have_count(0)

    (message,) = mail.outbox
    # The e-mail greets the person in the language they signed up in and names the association, not the host.
    assert message.body.startswith(variant.gettext("Dear %(name)s,") % {"name": "Grace Hopper"})
    assert "Hello from" not in message.body
    page.goto(CONFIRMATION_LINK.search(message.body).group(1))
    page.get_by_role("button", name=variant.gettext("Confirm")).click()

    page.wait_for_url("**/dossiers/")
    open_menu(page)
    expect(page.get_by_role("button", name=variant.gettext("Log out"))).to_be_visible()
    assert User.objects.get(email="grace@example.org").preferred_language == variant.language


def test_the_history_of_a_dossier_reads_as_sentences(seen_page, variant, catalogue):
    page = seen_page
    owner = member(preferred_language=variant.language)
    dossier = dossier_services.start_dossier(owner=owner, profile=Profile.objects.get(code="ai-ml-engineer"))
    fill_completely(dossier, owner)
    dossier_services.submit_dossier(dossier=dossier, actor=owner)
    page.goto("/accounts/login/")
    page.fill("input[name=login]", owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    page.goto(f"/dossiers/{dossier.pk}/")

    history = page.locator("ol.timeline")
    with translation.override(variant.language):
        created, submitted = describe("dossier.created"), describe("dossier.submitted")
    expect(history.locator("li").first).to_contain_text(created)
    expect(history.locator("li").last).to_contain_text(submitted)
    expect(history).not_to_contain_text(re.compile(r"dossier\.[a-z_]+"))
    expect(history.locator("li").first.locator("time")).to_be_visible()
