"""The public verification endpoints remember answers per process, and never past a status change."""

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from credentials.selectors import LIVE_FIELDS
from credentials.services import status
from credentials.verification import server
from credentials.views import public as credential_views

from ..factories import UserFactory

URL = "/api/v1/verifications"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def admin(db):
    return UserFactory(role=User.Role.ADMIN, is_staff=True)


@pytest.fixture
def counted(monkeypatch):
    """Counts the full verifications behind the answers (the expensive part that the memo saves)."""
    calls = {"document": 0, "issued": 0, "page": 0}

    def wrap(owner, name, counter):
        original = getattr(owner, name)

        def counting(*args, **kwargs):
            calls[counter] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, counting)

    wrap(server, "verify_document", "document")
    wrap(server, "verify_issued", "issued")
    wrap(credential_views, "render_to_string", "page")
    return calls


def sealed_bytes(credential) -> bytes:
    with credential.sealed_json.open("rb") as handle:
        return handle.read()


def post(api, body: bytes) -> dict:
    response = api.post(URL, data=body, content_type="application/json")
    assert response.status_code == 200
    return response.json()


def test_a_sealed_credential_checked_twice_is_verified_once(issued_credential, api, counted):
    body = sealed_bytes(issued_credential)

    first, second = post(api, body), post(api, body)

    assert first == second and first["status"] == "active"
    assert counted["document"] == 1


def test_a_remembered_answer_gives_way_to_a_revocation_at_once(issued_credential, api, counted, admin):
    body = sealed_bytes(issued_credential)
    assert post(api, body)["status"] == "active"

    status.revoke(credential=issued_credential, actor=admin, category="misconduct", reason="Falsified experience")
    answer = post(api, body)

    assert answer["status"] == "revoked" and answer["valid"] is False
    assert counted["document"] == 2


def test_an_answer_that_raced_with_a_status_change_is_not_remembered(
    issued_credential, api, counted, admin, monkeypatch
):
    original = server.verify_document

    def verify_then_suspend(*args, **kwargs):
        report = original(*args, **kwargs)  # computed while the credential was active
        if counted["document"] == 1:
            status.suspend(
                credential=issued_credential, actor=admin, category="under_investigation", reason="Under review"
            )
        return report

    monkeypatch.setattr(server, "verify_document", verify_then_suspend)
    body = sealed_bytes(issued_credential)

    raced = post(api, body)
    after = post(api, body)

    assert raced["status"] == "active"  # true when it was computed
    assert after["status"] == "suspended"  # the raced answer was not kept for the new status version


def test_the_by_id_answer_is_remembered_until_the_status_changes(issued_credential, api, counted, admin):
    url = f"/api/v1/credentials/{issued_credential.pk}/verification"

    answers = [api.get(url).json() for _ in range(3)]
    status.suspend(credential=issued_credential, actor=admin, category="under_investigation", reason="Unpaid fee")
    suspended = api.get(url).json()
    status.reinstate(credential=issued_credential, actor=admin)
    reinstated = api.get(url).json()

    assert [a["status"] for a in answers] == ["active"] * 3
    assert suspended["status"] == "suspended" and reinstated["status"] == "active"
    assert counted["issued"] == 3


def test_the_qr_page_is_rendered_once_and_again_after_a_revocation(issued_credential, client, counted, admin):
    url = f"/v/{issued_credential.token}"

    pages = [client.get(url) for _ in range(3)]
    renders_before = counted["page"]
    status.revoke(
        credential=issued_credential, actor=admin, category="misconduct", reason="Certificate obtained by fraud"
    )
    revoked = client.get(url)

    assert all(page.status_code == 200 and b"Valid" in page.content for page in pages)
    assert renders_before == 1
    assert b"Revoked" in revoked.content and b"Breach of the code of conduct" in revoked.content
    assert b"Certificate obtained by fraud" not in revoked.content
    assert counted["page"] == 2


def test_the_remembered_page_needs_no_csrf_cookie_and_switches_language_by_link(issued_credential, client, counted):
    url = f"/v/{issued_credential.token}"

    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    italian = client.get(url + "?lang=it", HTTP_ACCEPT_LANGUAGE="en")
    again = client.get(url + "?lang=it", HTTP_ACCEPT_LANGUAGE="en")

    assert "csrftoken" not in english.cookies
    assert b'href="?lang=it"' in english.content and b"Valid" in english.content
    assert italian.cookies["django_language"].value == "it"
    assert b"Valida" in italian.content and b'href="?lang=en"' in italian.content
    assert b"Valida" in again.content
    assert counted["page"] == 2  # one render per language
    assert b"__verify-checked-at__" not in again.content


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("prepared", [True, False])
def test_the_state_query_reads_what_the_orm_reads_prepared_or_not(prepared, settings, catalogue, issued_credential):
    from credentials.models import Credential
    from credentials.selectors import verification_state

    settings.DATABASE_PREPARED_STATEMENTS = prepared
    expected = Credential.objects.filter(pk=issued_credential.pk).values(*LIVE_FIELDS).first()

    states = [verification_state(credential_id=issued_credential.pk) for _ in range(7)]  # psycopg prepares at 5

    assert states == [expected] * 7
    assert verification_state(credential_id="not-a-uuid") is None
