"""Signing up: each error under its own field, and confirming the e-mail address signs the person in."""

import re

import lxml.html
import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from accounts.models import User

from ..factories import PASSWORD, UserFactory, current_code, enrol_authenticator

CONFIRMATION_LINK = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/\S+)")


def sign_up(client, headers=None, **changes):
    data = {
        "first_name": "Grace",
        "last_name": "Hopper",
        "email": "grace@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **changes,
    }
    return client.post("/accounts/signup/", data, headers=headers)


def with_class(name: str) -> str:
    """An XPath test for an element with the class ``name``."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def field_box(page, input_id: str):
    """The ``.field`` box that holds the input ``input_id``."""
    (box,) = page.xpath(f"//*[@id='{input_id}']/ancestor::*[{with_class('field')}][1]")
    return box


def error_texts(box) -> list[str]:
    return [li.text_content().strip() for li in box.xpath(f".//ul[{with_class('errorlist')}]/li")]


def assert_error_follows_its_input(page, input_id: str) -> list[str]:
    """The input's errors are in its own box, after it, linked to it; returns them."""
    box = field_box(page, input_id)
    field = page.get_element_by_id(input_id)
    (errors,) = box.xpath(f".//*[@id='{input_id}_error']")
    assert errors.xpath(f".//ul[{with_class('errorlist')}]/li")
    assert field.get("aria-invalid") == "true"
    assert f"{input_id}_error" in field.get("aria-describedby", "").split()
    elements = list(box.iter())
    assert elements.index(field) < elements.index(errors), "the error comes before the input it is about"
    return error_texts(box)


def test_a_password_that_is_too_short_is_explained_under_the_password_field_alone(db, client):
    response = sign_up(client, password1="short", password2="short")

    assert response.status_code == 200
    page = lxml.html.fromstring(response.content)
    errors = assert_error_follows_its_input(page, "id_password1")
    assert any("too short" in e for e in errors)
    for other in ("id_first_name", "id_last_name", "id_email", "id_password2"):
        assert error_texts(field_box(page, other)) == [], f"an error shows under {other}"
        assert page.get_element_by_id(other).get("aria-invalid") is None
    assert not page.xpath(f"//*[{with_class('message')} and {with_class('error')}]")
    assert not User.objects.exists()


def test_each_error_of_a_sign_up_sits_under_its_own_field(db, client):
    response = sign_up(client, last_name="", email="not-an-email", password2="something-else-entirely")

    page = lxml.html.fromstring(response.content)
    assert assert_error_follows_its_input(page, "id_last_name")
    assert any("e-mail" in e.lower() or "email" in e.lower() for e in assert_error_follows_its_input(page, "id_email"))
    assert any("same password" in e for e in assert_error_follows_its_input(page, "id_password2"))
    assert error_texts(field_box(page, "id_password1")) == []
    assert page.get_element_by_id("id_first_name").get("value") == "Grace"


def test_the_password_rules_are_linked_to_the_password_field(db, client):
    page = lxml.html.fromstring(client.get("/accounts/signup/").content)

    password = page.get_element_by_id("id_password1")
    (rules,) = field_box(page, "id_password1").xpath(f".//*[{with_class('help')}]")
    assert rules.get("id") in password.get("aria-describedby").split()
    assert "10 characters" in rules.text_content()
    assert page.get_element_by_id("id_first_name").get("autocomplete") == "given-name"


def test_an_error_that_belongs_to_no_field_comes_first(db, client):
    user = UserFactory()

    response = client.post("/accounts/login/", {"login": user.email, "password": "not-the-password"})

    page = lxml.html.fromstring(response.content)
    (form,) = page.xpath("//main//form[.//*[@id='id_password']]")
    first = next(e for e in form.iterchildren() if e.tag not in ("input",))
    assert "message" in first.classes and "error" in first.classes
    assert "not correct" in first.text_content()
    assert error_texts(field_box(page, "id_password")) == []


def test_a_wrong_code_when_setting_up_an_authenticator_shows_under_the_code_field(db, client):
    user = UserFactory()
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    client.get("/accounts/2fa/totp/activate/")

    response = client.post("/accounts/2fa/totp/activate/", {"code": "000000"})

    page = lxml.html.fromstring(response.content)
    assert assert_error_follows_its_input(page, "id_code")


def test_confirming_the_email_in_the_browser_that_signed_up_signs_the_person_in(db, client):
    sign_up(client)
    assert "_auth_user_id" not in client.session

    link = CONFIRMATION_LINK.search(mail.outbox[-1].body).group(1)
    client.get(link)
    response = client.post(link)

    user = User.objects.get(email="grace@example.org")
    assert EmailAddress.objects.get(user=user).verified
    assert client.session["_auth_user_id"] == str(user.pk)
    assert response.status_code == 302 and response["Location"] == "/dossiers/"
    assert client.get("/me/").status_code == 200


def test_a_confirmation_link_opened_in_another_browser_confirms_but_signs_nobody_in(db, client, django_user_model):
    from django.test import Client

    sign_up(client)
    link = CONFIRMATION_LINK.search(mail.outbox[-1].body).group(1)
    elsewhere = Client()

    response = elsewhere.post(link)

    assert EmailAddress.objects.get(email="grace@example.org").verified
    assert "_auth_user_id" not in elsewhere.session
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.fixture
def unverified_staff(db, settings):
    settings.STAFF_2FA_REQUIRED = True
    return UserFactory(is_staff=True, role=User.Role.ADMIN, verified=False)


def test_a_staff_member_who_confirms_the_email_is_still_asked_for_the_one_time_code(client, unverified_staff):
    secret = enrol_authenticator(unverified_staff)
    client.post("/accounts/login/", {"login": unverified_staff.email, "password": PASSWORD})
    link = CONFIRMATION_LINK.search(mail.outbox[-1].body).group(1)

    response = client.post(link)

    assert EmailAddress.objects.get(user=unverified_staff).verified
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    assert client.get("/credentials/manage/").status_code == 302

    client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert client.session["_auth_user_id"] == str(unverified_staff.pk)


def test_a_staff_member_without_an_authenticator_who_confirms_the_email_must_set_one_up(client, unverified_staff):
    client.post("/accounts/login/", {"login": unverified_staff.email, "password": PASSWORD})
    link = CONFIRMATION_LINK.search(mail.outbox[-1].body).group(1)

    client.post(link)

    response = client.get("/credentials/manage/")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/totp/activate/"


def test_a_single_checkbox_sits_inside_its_label(db, client):
    page = lxml.html.fromstring(client.get("/accounts/login/").content)

    (label,) = page.xpath("//label[@for='id_remember']")
    assert label.xpath(".//input[@type='checkbox' and @id='id_remember']")
    assert "Remember" in label.text_content()


def test_a_password_that_is_too_short_is_explained_in_italian_to_an_italian_reader(db, client):
    response = sign_up(client, password1="short", password2="short", headers={"accept-language": "it"})

    errors = assert_error_follows_its_input(lxml.html.fromstring(response.content), "id_password1")
    assert "Questa password è troppo corta: deve contenere almeno 10 caratteri." in errors
