"""The admins' status API, the public status list endpoint, and the admins' credential pages."""

import datetime
import json
import uuid

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from credentials.documents.seal import check_seal
from credentials.documents.status_list import bit_at, decode_list
from credentials.models import Credential, StatusList, StatusListEntry
from credentials.services import status
from credentials.services.issuance import status_list_url

from ..factories import UserFactory

Status = Credential.Status


@pytest.fixture
def api(admin_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


def entry(credential, purpose) -> StatusListEntry:
    return StatusListEntry.objects.select_related("status_list").get(credential=credential, purpose=purpose)


def fetch_bit(client, credential, purpose) -> bool:
    """What a verifier sees: download the list at the credential's URL, check its seal, read the bit."""
    e = entry(credential, purpose)
    response = client.get(f"/status/{purpose}/{e.status_list.number}")
    assert response.status_code == 200
    check = check_seal(json.loads(response.content))
    assert check.intact
    document = json.loads(check.payload)
    assert document["id"] == status_list_url(e.status_list)
    return bit_at(decode_list(document["credentialSubject"]["encodedList"]), e.index)


# --- the API -------------------------------------------------------------------------------------------------


def test_an_admin_suspends_through_the_api(issued_credential, api, client, django_capture_on_commit_callbacks):
    until = (timezone.now() + datetime.timedelta(days=5)).replace(microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/credentials/{issued_credential.pk}/suspension",
            {"category": "requirements_not_met", "reason": "Fees unpaid", "until": until.isoformat()},
            format="json",
        )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "suspended" and body["suspension_reason"] == "Fees unpaid"
    assert body["suspension_category"] == "requirements_not_met"
    assert datetime.datetime.fromisoformat(body["suspended_until"]) == until
    assert body["status_version"] == 1 and body["id"] == str(issued_credential.pk)
    assert fetch_bit(client, issued_credential, "suspension") is True
    assert any("suspended" in m.subject for m in mail.outbox)


def test_an_admin_reinstates_through_the_api(issued_credential, api, admin_user, client):
    status.suspend(credential=issued_credential, actor=admin_user, category="under_investigation", reason="Fees")
    response = api.delete(f"/api/v1/credentials/{issued_credential.pk}/suspension", {"reason": "Paid"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "active" and response.json()["suspended_until"] is None
    assert issued_credential.events.get(action="credential.reinstated").reason == "Paid"
    assert fetch_bit(client, issued_credential, "suspension") is False


def test_reinstating_needs_no_body(issued_credential, api, admin_user):
    status.suspend(credential=issued_credential, actor=admin_user, category="under_investigation", reason="Fees")
    assert api.delete(f"/api/v1/credentials/{issued_credential.pk}/suspension").json()["status"] == "active"


def test_an_admin_revokes_through_the_api_and_verifiers_see_it_at_once(issued_credential, api, client):
    assert fetch_bit(client, issued_credential, "revocation") is False
    response = api.post(
        f"/api/v1/credentials/{issued_credential.pk}/revocation",
        {"category": "misconduct", "reason": "Forged evidence"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "revoked" and response.json()["revocation_reason"] == "Forged evidence"
    assert response.json()["revocation_category"] == "misconduct"
    assert fetch_bit(client, issued_credential, "revocation") is True
    e = entry(issued_credential, "revocation")
    assert status.status_bit(list_url=status_list_url(e.status_list), index=e.index) is True


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "revocation", {}),
        ("post", "revocation", {"category": "misconduct", "reason": ""}),
        ("post", "revocation", {"reason": "Forged evidence"}),
        ("post", "revocation", {"category": "gossip", "reason": "Forged evidence"}),
        ("post", "suspension", {}),
        ("post", "suspension", {"reason": "Fees"}),
        ("post", "suspension", {"category": "other", "reason": "Fees", "until": "next tuesday"}),
        ("post", "suspension", {"category": "other", "reason": "x" * 2001}),
    ],
)
def test_bad_input_gets_a_400_and_changes_nothing(issued_credential, api, method, path, body):
    response = getattr(api, method)(f"/api/v1/credentials/{issued_credential.pk}/{path}", body, format="json")
    assert response.status_code == 400
    assert response.json()
    issued_credential.refresh_from_db()
    assert issued_credential.status == Status.ACTIVE and issued_credential.status_version == 0


def test_a_suspension_ending_in_the_past_gets_a_400_with_the_reason(issued_credential, api):
    past = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    response = api.post(
        f"/api/v1/credentials/{issued_credential.pk}/suspension",
        {"category": "other", "reason": "Fees", "until": past},
        format="json",
    )
    assert response.status_code == 400
    assert "in the future" in response.json()["detail"]


def test_refused_transitions_get_a_409_with_a_clear_message(issued_credential, api, admin_user):
    response = api.delete(f"/api/v1/credentials/{issued_credential.pk}/suspension")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Only a suspended credential can be reinstated; this one is active.",
        "code": "invalid_transition",
    }
    status.revoke(credential=issued_credential, actor=admin_user, category="misconduct", reason="Fraud")
    for method, path, body in [
        ("post", "suspension", {"category": "other", "reason": "Again"}),
        ("delete", "suspension", {}),
        ("post", "revocation", {"category": "other", "reason": "Twice"}),
    ]:
        response = getattr(api, method)(f"/api/v1/credentials/{issued_credential.pk}/{path}", body, format="json")
        assert response.status_code == 409, (method, path)
        assert "revoked" in response.json()["detail"]


@pytest.mark.parametrize("role", [User.Role.APPLICANT, User.Role.ASSESSOR, User.Role.DECISION_MAKER])
def test_only_admins_may_use_the_status_api(issued_credential, role):
    client = APIClient()
    client.force_authenticate(UserFactory(role=role, is_staff=True))
    for method, path in [("post", "suspension"), ("delete", "suspension"), ("post", "revocation")]:
        response = getattr(client, method)(
            f"/api/v1/credentials/{issued_credential.pk}/{path}",
            {"category": "other", "reason": "Because"},
            format="json",
        )
        assert response.status_code == 403
        assert response.json()["code"] == "not_allowed"
    issued_credential.refresh_from_db()
    assert issued_credential.status == Status.ACTIVE


def test_the_holder_cannot_revoke_their_own_credential_through_the_api(issued_credential, applicant):
    client = APIClient()
    client.force_authenticate(applicant)
    response = client.post(
        f"/api/v1/credentials/{issued_credential.pk}/revocation",
        {"category": "holder_request", "reason": "x"},
        format="json",
    )
    assert response.status_code == 403


def test_anonymous_callers_are_refused(issued_credential):
    response = APIClient().post(f"/api/v1/credentials/{issued_credential.pk}/revocation", {"reason": "x"})
    assert response.status_code in (401, 403)


def test_an_unknown_credential_is_a_404(api, db):
    response = api.post(
        f"/api/v1/credentials/{uuid.uuid4()}/revocation", {"category": "other", "reason": "x"}, format="json"
    )
    assert response.status_code == 404


def test_a_token_authenticated_admin_can_revoke(issued_credential, admin_user):
    from knox.models import AuthToken

    _instance, token = AuthToken.objects.create(user=admin_user)
    client = APIClient()
    response = client.post(
        f"/api/v1/credentials/{issued_credential.pk}/revocation",
        {"category": "misconduct", "reason": "Fraud"},
        format="json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 200


# --- the public status list ----------------------------------------------------------------------------------


def test_the_status_list_is_served_sealed_with_caching_headers(issued_credential, client, settings):
    e = entry(issued_credential, "revocation")
    response = client.get(f"/status/revocation/{e.status_list.number}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == f"public, max-age={settings.STATUS_LIST_MAX_AGE}"
    assert response["Access-Control-Allow-Origin"] == "*"
    e.status_list.refresh_from_db()
    assert response["ETag"] == e.status_list.etag
    assert response.content == bytes(e.status_list.sealed_json)
    assert "Cookie" not in response.get("Vary", "")
    document = json.loads(check_seal(json.loads(response.content)).payload)
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["credentialSubject"]["statusPurpose"] == "revocation"
    assert document["credentialSubject"]["ttl"] == settings.STATUS_LIST_MAX_AGE * 1000


def test_a_revalidation_with_the_current_etag_gets_a_304(issued_credential, client, admin_user):
    number = entry(issued_credential, "suspension").status_list.number
    first = client.get(f"/status/suspension/{number}")
    etag = first["ETag"]
    again = client.get(f"/status/suspension/{number}", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and again["Access-Control-Allow-Origin"] == "*"
    assert client.get(f"/status/suspension/{number}", HTTP_IF_NONE_MATCH=f'"other", W/{etag}').status_code == 304
    status.suspend(credential=issued_credential, actor=admin_user, category="under_investigation", reason="Fees")
    changed = client.get(f"/status/suspension/{number}", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_a_head_request_gets_the_headers(issued_credential, client):
    number = entry(issued_credential, "revocation").status_list.number
    response = client.head(f"/status/revocation/{number}")
    assert response.status_code == 200 and response["ETag"]


def test_a_cors_preflight_is_answered(client, db):
    response = client.options("/status/revocation/1")
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in response["Access-Control-Allow-Headers"]


@pytest.mark.parametrize("path", ["/status/revocation/999", "/status/refresh/1", "/status/suspension/0"])
def test_unknown_status_lists_are_a_404(issued_credential, client, path):
    assert client.get(path).status_code == 404


def test_writing_to_a_status_list_is_not_allowed(issued_credential, client):
    number = entry(issued_credential, "revocation").status_list.number
    assert client.post(f"/status/revocation/{number}").status_code == 405


def test_the_urls_in_the_credential_lead_to_the_lists(issued_credential, client, settings):
    for purpose in ("revocation", "suspension"):
        url = status_list_url(entry(issued_credential, purpose).status_list)
        assert url.startswith(settings.SITE_URL.rstrip("/"))
        assert client.get(url.removeprefix(settings.SITE_URL.rstrip("/"))).status_code == 200
    assert StatusList.objects.filter(version__gt=0).count() == 2


# --- the admins' pages ---------------------------------------------------------------------------------------


def test_the_manage_pages_are_for_admins_only(issued_credential, client, applicant):
    list_url, detail_url = "/credentials/manage/", f"/credentials/manage/{issued_credential.pk}/"
    assert client.get(list_url).status_code == 302  # to the login page
    assert "/accounts/login/" in client.get(detail_url)["Location"]
    for user in (applicant, UserFactory(role=User.Role.DECISION_MAKER, is_staff=True)):
        client.force_login(user)
        assert client.get(list_url).status_code == 403
        assert client.get(detail_url).status_code == 403
        assert client.post(detail_url, {"action": "revoke", "reason": "x", "confirm": "on"}).status_code == 403
    issued_credential.refresh_from_db()
    assert issued_credential.status == Status.ACTIVE


def test_the_list_searches_by_name_serial_and_id_and_filters_by_status(issued_credential, client, admin_user):
    client.force_login(admin_user)
    page = client.get("/credentials/manage/").content.decode()
    assert issued_credential.serial in page
    surname = issued_credential.holder_name.split()[-1]
    for query in (surname.upper(), issued_credential.serial, str(issued_credential.pk)):
        assert issued_credential.serial in client.get("/credentials/manage/", {"q": query}).content.decode()
    assert issued_credential.serial not in client.get("/credentials/manage/", {"q": "Nobody Atall"}).content.decode()
    assert issued_credential.serial in client.get("/credentials/manage/", {"status": "active"}).content.decode()
    assert issued_credential.serial not in client.get("/credentials/manage/", {"status": "revoked"}).content.decode()


def test_the_list_is_paginated(issued_credential, client, admin_user):
    from credentials.views import staff as manage_views

    base = Credential.objects.get(pk=issued_credential.pk)
    for n in range(manage_views.PAGE_SIZE):
        Credential.objects.create(
            holder=base.holder,
            profile=base.profile,
            serial=f"TEST-PAGE-{n:03d}",
            status=Status.ACTIVE,
            holder_name=f"Holder {n}",
            scheme_version=base.scheme_version,
            issued_at=base.issued_at - datetime.timedelta(days=n + 1),
            valid_from=base.valid_from,
            valid_until=base.valid_until,
            decided_at=base.decided_at,
        )
    client.force_login(admin_user)
    first = client.get("/credentials/manage/").content.decode()
    assert "Page 1 of 2" in first and "TEST-PAGE-024" not in first
    second = client.get("/credentials/manage/", {"page": 2}).content.decode()
    assert "TEST-PAGE-024" in second and issued_credential.serial not in second
    filtered = client.get("/credentials/manage/", {"q": "TEST-PAGE-02", "page": 1}).content.decode()
    assert "Page 1 of" not in filtered and "TEST-PAGE-020" in filtered


def test_an_admin_suspends_reinstates_and_revokes_from_the_page(issued_credential, client, admin_user):
    client.force_login(admin_user)
    url = f"/credentials/manage/{issued_credential.pk}/"
    page = client.get(url).content.decode()
    for label in (
        "Suspend",
        "Revoke",
        'name="category"',
        'name="reason"',
        'name="until"',
        'name="confirm"',
        "csrfmiddlewaretoken",
    ):
        assert label in page
    assert ">Reinstate</button>" not in page

    day = timezone.localdate() + datetime.timedelta(days=7)
    response = client.post(
        url,
        {"action": "suspend", "category": "requirements_not_met", "reason": "Fees unpaid", "until": day.isoformat()},
    )
    assert response.status_code == 302
    issued_credential.refresh_from_db()
    assert issued_credential.status == Status.SUSPENDED
    assert timezone.localtime(issued_credential.suspended_until).date() == day + datetime.timedelta(days=1)
    page = client.get(url).content.decode()
    assert "Fees unpaid" in page and ">Reinstate</button>" in page and ">Suspend</button>" not in page

    assert client.post(url, {"action": "reinstate", "reason": "Paid"}).status_code == 302
    issued_credential.refresh_from_db()
    assert issued_credential.status == Status.ACTIVE

    revocation = {"action": "revoke", "category": "misconduct", "reason": "Forged evidence", "confirm": "on"}
    assert client.post(url, revocation).status_code == 302
    issued_credential.refresh_from_db()
    assert issued_credential.status == Status.REVOKED
    page = client.get(url).content.decode()
    assert "Revocation is final" in page and ">Revoke</button>" not in page
    assert [e.action for e in issued_credential.events.order_by("created_at", "pk")][-3:] == [
        "credential.suspended",
        "credential.reinstated",
        "credential.revoked",
    ]
    assert page.count("secretariat@example.org") >= 3 or page.count(str(admin_user)) >= 3


def test_revoking_from_the_page_needs_the_confirmation_and_a_reason(issued_credential, client, admin_user):
    client.force_login(admin_user)
    url = f"/credentials/manage/{issued_credential.pk}/"
    events = issued_credential.events.count()
    response = client.post(url, {"action": "revoke", "category": "misconduct", "reason": "Forged evidence"})
    assert response.status_code == 400 and "Tick the box" in response.content.decode()
    response = client.post(url, {"action": "revoke", "category": "misconduct", "reason": "", "confirm": "on"})
    assert response.status_code == 400
    response = client.post(url, {"action": "revoke", "reason": "Forged evidence", "confirm": "on"})
    assert response.status_code == 400
    issued_credential.refresh_from_db()
    assert issued_credential.status == Status.ACTIVE and issued_credential.events.count() == events


def test_a_refused_change_on_the_page_says_why_and_changes_nothing(issued_credential, client, admin_user):
    client.force_login(admin_user)
    url = f"/credentials/manage/{issued_credential.pk}/"
    response = client.post(url, {"action": "reinstate"})
    assert response.status_code == 409
    assert "Only a suspended credential can be reinstated" in response.content.decode()
    past = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    response = client.post(url, {"action": "suspend", "category": "other", "reason": "Fees", "until": past})
    assert response.status_code == 400 and "in the future" in response.content.decode()
    assert client.post(url, {"action": "explode"}).status_code == 302
    issued_credential.refresh_from_db()
    assert issued_credential.status == Status.ACTIVE and issued_credential.status_version == 0


def test_the_manage_pages_need_a_csrf_token(issued_credential, admin_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post(
        f"/credentials/manage/{issued_credential.pk}/", {"action": "revoke", "reason": "x", "confirm": "on"}
    )
    assert response.status_code == 403
    issued_credential.refresh_from_db()
    assert issued_credential.status == Status.ACTIVE


def test_an_unknown_credential_page_is_a_404(client, admin_user):
    client.force_login(admin_user)
    assert client.get(f"/credentials/manage/{uuid.uuid4()}/").status_code == 404


def test_a_suspension_until_a_day_ends_at_the_end_of_that_day_in_the_issuers_time_zone(issued_credential, api):
    response = api.post(
        f"/api/v1/credentials/{issued_credential.pk}/suspension",
        {"category": "holder_request", "reason": "Parental leave", "until": "2099-07-15"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert datetime.datetime.fromisoformat(response.json()["suspended_until"]) == datetime.datetime(
        2099, 7, 15, 22, 0, tzinfo=datetime.UTC
    )  # midnight in Rome (summer time, UTC+2) ends 15 July 2099


def test_the_status_reference_dereferences_to_one_description_for_every_credential(client, db):
    response = client.get("/status/")

    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    document = response.json()
    assert document["id"] == "http://testserver/status/" or document["id"].endswith("/status/")
    assert document["fragment"] == "revocation=<list>:<index>&suspension=<list>:<index>"
    assert document["statusLists"]["revocation"].endswith("/status/revocation/{list}")
    assert "public" in response["Cache-Control"]
