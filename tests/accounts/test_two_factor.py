"""One login for everyone, and two-factor authentication for staff and committee members."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator

from accounts.models import User
from assessments.models import Committee, CommitteeMember

from ..factories import PASSWORD, UserFactory, current_code, enrol_authenticator

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def required(settings):
    settings.STAFF_2FA_REQUIRED = True


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, is_superuser=True, role=User.Role.ADMIN)


@pytest.fixture
def committee_member(db):
    """A member of a committee whose account role is still 'applicant': membership alone makes it privileged."""
    user = UserFactory()
    CommitteeMember.objects.create(committee=Committee.objects.create(name="Technical"), user=user, is_assessor=True)
    return user


# --- one login ----------------------------------------------------------------------------------------------


def test_the_admin_login_page_sends_to_the_account_login(client, db):
    response = client.get("/admin/login/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_a_password_alone_posted_to_the_admin_login_opens_no_admin_session(client, staff, required):
    enrol_authenticator(staff)

    posted = client.post("/admin/login/", {"username": staff.email, "password": PASSWORD, "next": "/admin/"})

    assert posted.status_code == 302 and posted["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
    assert client.get("/credentials/manage/").status_code == 302


def test_with_an_authenticator_the_admin_opens_only_after_the_one_time_code(client, staff, required):
    secret = enrol_authenticator(staff)

    after_password = client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD, "next": "/admin/"})

    assert after_password["Location"].startswith("/accounts/2fa/authenticate/")
    assert client.get("/admin/").status_code == 302
    after_code = client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert after_code["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_failed_logins_are_limited_so_the_admin_password_cannot_be_guessed(client, staff):
    for attempt in range(5):
        client.post("/accounts/login/", {"login": staff.email, "password": f"wrong-{attempt}"})

    blocked = client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})

    assert blocked.status_code == 200
    assert "Too many failed login attempts" in blocked.content.decode()
    assert client.get("/admin/").status_code == 302


# --- enrolment required -------------------------------------------------------------------------------------


def test_a_committee_member_without_an_authenticator_is_sent_to_enrolment_at_first_login(
    client, committee_member, required
):
    response = client.post("/accounts/login/", {"login": committee_member.email, "password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == "/accounts/2fa/totp/activate/"
    assert response.status_code == 200
    assert "set up two-factor authentication" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    ["/committee/", "/credentials/manage/", "/credentials/renewals/", "/admin/", "/admin/accounts/user/", "/dossiers/"],
)
def test_until_enrolled_staff_reach_no_page_that_is_not_public(client, staff, required, path):
    client.force_login(staff)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_until_enrolled_the_api_answers_that_enrolment_is_needed(client, committee_member, required):
    client.force_login(committee_member)

    response = client.get("/api/v1/committee/dossiers/")

    assert response.status_code == 403
    assert response.json()["code"] == "mfa_enrollment_required"


@pytest.mark.parametrize("path", ["/", "/verify/", "/register/", "/profiles/", "/accounts/2fa/", "/api/v1/register"])
def test_public_pages_and_the_account_pages_stay_open_before_enrolment(client, staff, required, path):
    client.force_login(staff)

    assert client.get(path).status_code in (200, 400)  # the register API asks for a query: not a redirect


def test_once_enrolled_staff_and_committee_members_get_through(client, staff, committee_member, required):
    for user, path in [(staff, "/credentials/manage/"), (committee_member, "/committee/")]:
        enrol_authenticator(user)
        client.force_login(user)
        assert client.get(path).status_code == 200, path


def test_applicants_are_not_asked_to_enrol(client, db, required):
    client.force_login(UserFactory())

    assert client.get("/dossiers/").status_code == 200


def test_relaxed_the_rule_lets_committee_members_in_with_a_password(client, committee_member, settings):
    settings.STAFF_2FA_REQUIRED = False
    client.force_login(committee_member)

    assert client.get("/committee/").status_code == 200


def _settings_value(**environment) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"STAFF_2FA_REQUIRED", "DEBUG"}}
    env.update(environment, SECRET_KEY="x" * 60, ALLOWED_HOSTS="example.org", SEAL_ALLOW_TEST_KEY="true")
    env["DJANGO_SETTINGS_MODULE"] = "aipia.settings"
    code = "import django; django.setup(); from django.conf import settings; print(settings.STAFF_2FA_REQUIRED)"
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def test_the_rule_can_be_relaxed_only_with_debug_on():
    assert _settings_value(DEBUG="true", STAFF_2FA_REQUIRED="false") == "False"
    assert _settings_value(DEBUG="false", STAFF_2FA_REQUIRED="false") == "True"
    assert _settings_value(DEBUG="true") == "True"


def test_staff_cannot_remove_their_authenticator_while_it_is_required(staff, required):
    enrol_authenticator(staff)
    applicant = UserFactory()
    enrol_authenticator(applicant)

    adapter = get_adapter()
    assert not adapter.can_delete_authenticator(Authenticator.objects.get(user=staff, type="totp"))
    assert adapter.can_delete_authenticator(Authenticator.objects.get(user=applicant, type="totp"))


def test_the_rule_leaves_public_answers_cacheable(client, db, required):
    response = client.get("/.well-known/jwks.json")

    assert response.status_code == 200
    assert "Cookie" not in response.get("Vary", "")
