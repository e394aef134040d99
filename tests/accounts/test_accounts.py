import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from accounts.models import User
from accounts.services import membership_problem

from ..factories import PASSWORD, MembershipFactory, UserFactory


def test_signing_up_sends_a_verification_email_and_verifying_allows_login(db, client):
    response = client.post(
        "/accounts/signup/",
        {
            "first_name": "Grace",
            "last_name": "Hopper",
            "email": "Grace@Example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="grace@example.org")
    assert user.get_full_name() == "Grace Hopper"
    assert not EmailAddress.objects.get(user=user).verified
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mail.outbox[-1].body).group(1)
    client.get(link)
    client.post(link)
    assert EmailAddress.objects.get(user=user).verified
    client.logout()
    assert client.post("/accounts/login/", {"login": "grace@example.org", "password": PASSWORD}).status_code == 302
    assert client.get("/me/").status_code == 200


def test_a_sign_up_with_bad_input_explains_and_keeps_what_was_typed(db, client):
    response = client.post(
        "/accounts/signup/",
        {"first_name": "Grace", "last_name": "", "email": "not-an-email", "password1": "short", "password2": "other"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="Grace"' in page and 'value="not-an-email"' in page
    assert not User.objects.exists()


def test_password_reset_sends_a_link(db, client):
    user = UserFactory()
    client.post("/accounts/password/reset/", {"email": user.email})
    assert "/accounts/password/reset/key/" in mail.outbox[-1].body


def test_two_factor_authentication_is_available(db, client):
    client.force_login(UserFactory(role=User.Role.ASSESSOR))
    page = client.get("/accounts/2fa/")
    assert page.status_code == 200
    assert b"/accounts/2fa/totp/activate/" in page.content


@pytest.mark.parametrize(
    ("status", "days", "problem"),
    [("active", 10, None), ("active", -1, "lapsed"), ("lapsed", 10, "lapsed"), ("suspended", 10, "suspended")],
)
def test_membership_in_good_standing_needs_an_active_and_current_membership(db, status, days, problem):
    import datetime

    from django.utils import timezone

    m = MembershipFactory(status=status, valid_until=timezone.localdate() + datetime.timedelta(days=days))
    answer = membership_problem(user=m.user)
    assert (answer is None) if problem is None else (problem in answer)


def test_the_profile_page_tells_a_non_member_how_to_join(db, client, settings):
    client.force_login(UserFactory())
    page = client.get("/me/").content.decode()
    assert "not yet a member" in page and settings.MEMBERSHIP_INFO_URL in page


def test_the_profile_page_saves_name_and_language(db, client):
    user = UserFactory()
    client.force_login(user)
    client.post("/me/", {"first_name": "Rita", "last_name": "Levi", "preferred_language": "it"})
    user.refresh_from_db()
    assert (user.first_name, user.preferred_language) == ("Rita", "it")
