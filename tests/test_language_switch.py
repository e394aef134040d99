"""``?lang=it`` on any public page (aipia/language.py): the page is in that language, the choice is kept in the
language cookie for the next pages, and each page offers a link to the other language that keeps its query."""

import pytest

PUBLIC_PAGES = [
    "/",
    "/profiles/",
    "/profiles/ai-ml-engineer/",
    "/verify/",
    "/register/",
    "/register/?q=zzzz",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_lang_it_shows_a_public_page_in_italian_and_remembers_the_choice(catalogue, client, path):
    separator = "&" if "?" in path else "?"

    italian = client.get(f"{path}{separator}lang=it", HTTP_ACCEPT_LANGUAGE="en")
    next_page = client.get(path, HTTP_ACCEPT_LANGUAGE="en")

    assert italian.status_code == 200
    assert '<html lang="it">' in italian.content.decode()
    assert italian.cookies["django_language"].value == "it"
    assert '<html lang="it">' in next_page.content.decode()
    assert 'hreflang="en"' in italian.content.decode()


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_lang_en_brings_an_italian_reader_back_to_english(catalogue, client, path):
    separator = "&" if "?" in path else "?"

    html = client.get(f"{path}{separator}lang=en", HTTP_ACCEPT_LANGUAGE="it").content.decode()

    assert '<html lang="en">' in html
    assert 'hreflang="it"' in html


def test_the_switch_keeps_the_search_of_the_register(client, db):
    html = client.get("/register/?q=lovelace&page=2").content.decode()

    assert 'href="?q=lovelace&amp;page=2&amp;lang=it"' in html


def test_an_unknown_language_is_ignored(client, db):
    response = client.get("/verify/?lang=xx", HTTP_ACCEPT_LANGUAGE="en")

    assert '<html lang="en">' in response.content.decode()
    assert "django_language" not in response.cookies


def test_a_post_is_not_switched_by_its_query(client, db):
    response = client.post("/verify/?lang=it", {"json": "{}"}, HTTP_ACCEPT_LANGUAGE="en")

    assert '<html lang="en">' in response.content.decode()
