"""allauth's e-mails speak for the association, in the recipient's language; the site they name follows the settings."""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.sites.models import Site
from django.core import mail
from django.core.management import call_command

from accounts import sites
from accounts.models import User

from ..factories import PASSWORD, UserFactory

LONG_NAME = "AIPIA — Associazione Italiana per l'Intelligenza Artificiale"


def sign_up(client, **headers):
    client.post(
        "/accounts/signup/",
        {
            "first_name": "Grace",
            "last_name": "Hopper",
            "email": "grace@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
        **headers,
    )
    return mail.outbox[-1]


def reset_password(client, email: str, **headers):
    client.post("/accounts/password/reset/", {"email": email}, **headers)
    return mail.outbox[-1]


def assert_speaks_for_the_association(message, settings, *, link: str) -> None:
    """Greets the person, names the association and signs with its name; the host appears in links alone."""
    lines = message.body.splitlines()
    assert settings.ASSOCIATION_NAME in message.body
    assert lines[-2:] == [settings.ASSOCIATION_NAME, settings.SITE_URL]
    assert re.search(rf"https?://\S+{re.escape(link)}", message.body)
    hosts = {"testserver", "127.0.0.1", urlsplit(settings.SITE_URL).netloc}
    for line in lines:
        if not line.startswith(("http://", "https://")):
            assert not any(host in line for host in hosts), f"a host in {line!r}"
    assert "Hello from" not in message.body and "Thank you for using" not in message.body


def test_the_verification_email_speaks_for_the_association_and_not_for_the_host(db, client, settings):
    message = sign_up(client)

    assert message.subject == "[AIPIA] Confirm your e-mail address"
    assert message.body.startswith("Dear Grace Hopper,")
    assert_speaks_for_the_association(message, settings, link="/accounts/confirm-email/")


def test_the_password_reset_email_speaks_for_the_association_and_not_for_the_host(db, client, settings):
    user = UserFactory(first_name="Ada", last_name="Lovelace")

    message = reset_password(client, user.email)

    assert message.to == [user.email]
    assert message.subject == "[AIPIA] Choose a new password"
    assert message.body.startswith("Dear Ada Lovelace,")
    assert_speaks_for_the_association(message, settings, link="/accounts/password/reset/key/")


def test_the_emails_take_the_association_name_from_the_settings(db, client, settings):
    settings.ASSOCIATION_NAME = "Associazione Esempio"
    settings.SITE_URL = "https://credentials.example.org"

    message = reset_password(client, UserFactory().email)

    assert_speaks_for_the_association(message, settings, link="/accounts/password/reset/key/")


def test_a_password_reset_for_someone_who_prefers_italian_comes_in_italian_whatever_the_page_language(db, client):
    user = UserFactory(first_name="Ada", last_name="Lovelace", preferred_language="it")

    message = reset_password(client, user.email, HTTP_ACCEPT_LANGUAGE="en")

    assert message.body.startswith("Gentile Ada Lovelace,")


def test_a_verification_email_comes_in_the_language_the_person_signed_up_in(db, client):
    message = sign_up(client, HTTP_ACCEPT_LANGUAGE="it")

    assert User.objects.get(email="grace@example.org").preferred_language == "it"
    assert message.body.startswith("Gentile Grace Hopper,")


def test_a_verification_email_sent_again_follows_a_changed_preference(db, client):
    user = UserFactory(first_name="Ada", last_name="Lovelace", preferred_language="it", verified=False)

    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en")

    assert mail.outbox[-1].to == [user.email]
    assert mail.outbox[-1].body.startswith("Gentile Ada Lovelace,")


def test_an_address_with_no_account_is_answered_in_the_language_of_the_request(db, client, settings):
    italian = reset_password(client, "nobody@example.org", HTTP_ACCEPT_LANGUAGE="it")
    english = reset_password(client, "nobody@example.org", HTTP_ACCEPT_LANGUAGE="en")

    assert italian.body.startswith("Gentile nobody@example.org,")
    assert english.body.startswith("Dear nobody@example.org,")
    assert_speaks_for_the_association(english, settings, link="/accounts/signup/")


def test_an_email_in_italian_leaves_the_page_in_the_language_it_was_in(db, client):
    user = UserFactory(preferred_language="it")

    response = client.post("/accounts/password/reset/", {"email": user.email}, HTTP_ACCEPT_LANGUAGE="en", follow=True)

    assert mail.outbox[-1].body.startswith("Gentile")
    assert response.content.decode().startswith("<!DOCTYPE html>")
    assert 'lang="en"' in response.content.decode()


# --- the site ----------------------------------------------------------------------------------------------------


def test_a_fresh_database_has_the_site_the_settings_describe(db, settings):
    site = Site.objects.get_current()

    assert site.pk == settings.SITE_ID
    assert site.domain == urlsplit(settings.SITE_URL).netloc
    assert site.name == sites.site_name()


def test_migrate_brings_the_site_in_step_with_changed_settings(db, settings):
    settings.ASSOCIATION_NAME = "Associazione Esempio"
    settings.SITE_URL = "https://Credentials.Example.org/"
    assert sites.site_follows_settings(None, databases=["default"])[0].id == "accounts.W001"

    call_command("migrate", verbosity=0)

    site = Site.objects.get_current()
    assert (site.domain, site.name) == ("credentials.example.org", "Associazione Esempio")
    assert Site.objects.count() == 1
    assert sites.site_follows_settings(None, databases=["default"]) == []


def test_a_missing_site_row_is_written_again_by_migrate(db, settings):
    Site.objects.all().delete()
    assert sites.site_follows_settings(None, databases=["default"])[0].id == "accounts.W001"

    call_command("migrate", verbosity=0)

    assert Site.objects.get(pk=settings.SITE_ID).domain == urlsplit(settings.SITE_URL).netloc


def test_the_site_check_needs_the_database_and_says_nothing_without_it(db, settings):
    settings.ASSOCIATION_NAME = "Something else"

    assert sites.site_follows_settings(None) == []


@pytest.mark.parametrize(
    ("association", "site_name"),
    [
        ("Associazione Esempio", "Associazione Esempio"),
        (LONG_NAME, "AIPIA"),
        ("A" * 60, "A" * 49 + "…"),
    ],
)
def test_the_site_name_is_the_association_name_or_its_short_name_when_too_long(settings, association, site_name):
    settings.ASSOCIATION_NAME = association

    assert sites.site_name() == site_name
    assert len(sites.site_name()) <= Site._meta.get_field("name").max_length


def test_a_site_url_without_a_host_is_an_error(settings):
    settings.SITE_URL = "credentials.example.org"

    assert [e.id for e in sites.site_settings_make_a_site(None)] == ["accounts.E001"]


def test_the_default_settings_make_a_site(settings):
    assert sites.site_settings_make_a_site(None) == []
