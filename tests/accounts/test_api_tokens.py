"""API tokens: obtained with password and one-time code, expiring, listed and revoked by their owner,
revoked by a password change or reset and by erasure."""

import datetime

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import User
from accounts.privacy import erase_account

from ..factories import PASSWORD, UserFactory, current_code, enrol_authenticator

TOKEN = "/api/v1/auth/token"


def obtain(user, **extra):
    return APIClient().post(TOKEN, {"email": user.email, "password": PASSWORD, **extra}, format="json")


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def applicant(db):
    return UserFactory()


def test_a_token_comes_with_its_expiry_and_works_until_then(applicant, settings):
    response = obtain(applicant)

    assert response.status_code == 200
    body = response.json()
    expires_at = datetime.datetime.fromisoformat(body["expires_at"])
    expected = timezone.now() + datetime.timedelta(days=settings.API_TOKEN_TTL_DAYS)
    assert abs((expires_at - expected).total_seconds()) < 60
    assert with_token(body["token"]).get("/api/v1/me").status_code == 200


def test_the_database_holds_only_a_digest_of_the_token(applicant):
    token = obtain(applicant).json()["token"]

    stored = AuthToken.objects.get(user=applicant)
    assert token not in (stored.digest, stored.token_key) and stored.digest != token


def test_an_expired_token_is_refused(applicant):
    token = obtain(applicant).json()["token"]
    AuthToken.objects.filter(user=applicant).update(expiry=timezone.now() - datetime.timedelta(seconds=1))

    response = with_token(token).get("/api/v1/me")

    assert response.status_code == 401


def test_an_account_with_an_authenticator_gets_a_token_only_with_its_code(applicant):
    secret = enrol_authenticator(applicant)

    without = obtain(applicant)
    wrong = obtain(applicant, otp="000000" if current_code(secret) != "000000" else "111111")
    right = obtain(applicant, otp=current_code(secret))
    replayed = obtain(applicant, otp=current_code(secret))

    assert (without.status_code, without.json()["code"]) == (401, "mfa_required")
    assert without["WWW-Authenticate"] == "Token"
    assert (wrong.status_code, wrong.json()["code"]) == (401, "mfa_invalid_code")
    assert right.status_code == 200 and right.json()["token"]
    assert (replayed.status_code, replayed.json()["code"]) == (401, "mfa_invalid_code")


def test_a_recovery_code_stands_in_for_the_authenticator_once(applicant):
    enrol_authenticator(applicant)
    code = RecoveryCodes.activate(applicant).get_unused_codes()[0]

    assert obtain(applicant, otp=code).status_code == 200
    assert obtain(applicant, otp=code).status_code == 401


def test_a_committee_member_without_an_authenticator_gets_no_token_while_2fa_is_required(settings, db):
    assessor = UserFactory(role=User.Role.ASSESSOR)
    settings.STAFF_2FA_REQUIRED = True

    refused = obtain(assessor)
    settings.STAFF_2FA_REQUIRED = False
    relaxed = obtain(assessor)

    assert (refused.status_code, refused.json()["code"]) == (401, "mfa_enrollment_required")
    assert relaxed.status_code == 200


def test_a_token_stops_working_when_its_account_becomes_staff_without_an_authenticator(applicant, settings):
    settings.STAFF_2FA_REQUIRED = True
    client = with_token(obtain(applicant).json()["token"])
    applicant.is_staff = True
    applicant.save(update_fields=["is_staff"])

    response = client.get("/api/v1/me")

    assert response.status_code == 401
    enrol_authenticator(applicant)
    assert client.get("/api/v1/me").status_code == 200


def test_failed_token_requests_for_one_account_are_limited_from_any_address(applicant):
    client = APIClient()
    for attempt in range(5):
        client.post(
            TOKEN,
            {"email": applicant.email, "password": f"wrong-{attempt}"},
            format="json",
            REMOTE_ADDR=f"198.51.100.{attempt}",
        )

    blocked = client.post(
        TOKEN, {"email": applicant.email, "password": PASSWORD}, format="json", REMOTE_ADDR="198.51.100.99"
    )

    assert (blocked.status_code, blocked.json()["code"]) == (429, "too_many_attempts")


def test_the_owner_lists_and_revokes_tokens_one_by_one(applicant):
    first = obtain(applicant).json()["token"]
    second = obtain(applicant).json()["token"]
    client = with_token(second)

    listed = client.get("/api/v1/auth/tokens").json()
    first_id = next(t["id"] for t in listed if not t["current"])
    revoked = client.delete(f"/api/v1/auth/tokens/{first_id}")

    assert len(listed) == 2 and sum(t["current"] for t in listed) == 1
    assert revoked.status_code == 204
    assert with_token(first).get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me").status_code == 200
    assert [t["id"] for t in client.get("/api/v1/auth/tokens").json()] == [second[:15]]


def test_nobody_revokes_another_persons_token(applicant):
    mine = obtain(applicant).json()["token"]
    other = UserFactory()
    client = with_token(obtain(other).json()["token"])

    response = client.delete(f"/api/v1/auth/tokens/{mine[:15]}")

    assert response.status_code == 404
    assert set(response.json()) == {"detail", "code"}
    assert with_token(mine).get("/api/v1/me").status_code == 200


def test_revoking_all_leaves_no_token_working(applicant):
    tokens = [obtain(applicant).json()["token"] for _ in range(3)]

    assert with_token(tokens[0]).delete("/api/v1/auth/tokens").status_code == 204
    assert all(with_token(token).get("/api/v1/me").status_code == 401 for token in tokens)


def test_a_password_change_on_the_website_revokes_every_token(applicant, client):
    token = obtain(applicant).json()["token"]
    client.post("/accounts/login/", {"login": applicant.email, "password": PASSWORD})

    changed = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "a-new-long-passphrase", "password2": "a-new-long-passphrase"},
    )

    assert changed.status_code == 302
    assert with_token(token).get("/api/v1/me").status_code == 401


def test_a_password_reset_revokes_every_token(applicant, client):
    import re

    from django.core import mail

    token = obtain(applicant).json()["token"]
    client.post("/accounts/password/reset/", {"email": applicant.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[-1].body).group(1)
    form = client.get(link, follow=True)
    new = "a-new-long-passphrase"
    client.post(form.redirect_chain[-1][0], {"password1": new, "password2": new})

    applicant.refresh_from_db()
    assert applicant.check_password(new)
    assert with_token(token).get("/api/v1/me").status_code == 401


def test_erasing_the_account_revokes_its_tokens(applicant):
    token = obtain(applicant).json()["token"]

    erase_account(user=applicant, actor=applicant)

    assert not AuthToken.objects.filter(user=applicant).exists()
    assert with_token(token).get("/api/v1/me").status_code == 401


def test_the_account_page_lists_tokens_and_revokes_them(applicant, client):
    obtain(applicant)
    token = AuthToken.objects.get(user=applicant)
    client.force_login(applicant)

    page = client.get("/me/").content.decode()
    revoked = client.post(f"/me/tokens/{token.token_key}/revoke/")
    again = client.post(f"/me/tokens/{token.token_key}/revoke/", follow=True)

    assert f"{token.token_key[:8]}…" in page
    assert revoked.status_code == 302 and not AuthToken.objects.filter(user=applicant).exists()
    assert "no such API token" in again.content.decode()
