"""Webhooks against a real receiver on 127.0.0.1 that verifies every signature with ``standardwebhooks``: signing,
retries spaced as configured (the clock is moved, nothing sleeps long), timeouts, 410, redirects, order per resource,
secret rotation, the address guard, and the API and pages that manage endpoints."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from aipia.errors import NotAllowed
from outbox import services as outbox
from outbox import transport
from outbox.models import Message, WebhookEndpoint

from ..factories import UserFactory
from .receiver import Receiver

Status = Message.Status


@pytest.fixture
def admin(db) -> User:
    return UserFactory(role=User.Role.ADMIN, is_staff=True, email="admin@example.org")


@pytest.fixture(autouse=True)
def _outbox_settings(settings):
    # Deliveries are driven by the tests (deliver_due with a moved clock), not by a task on each commit.
    settings.OUTBOX_DISPATCH_ON_COMMIT = False
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    settings.WEBHOOKS_TIMEOUT = 0.5
    settings.OUTBOX_RETRY_DELAYS = [5, 300, 1800]
    settings.OUTBOX_RETRY_HOURS = 72


@pytest.fixture
def receiver():
    server = Receiver(secrets=[]).start()
    yield server
    server.stop()


@pytest.fixture
def endpoint(admin, receiver) -> WebhookEndpoint:
    row = outbox.create_endpoint(actor=admin, url=receiver.url, events=["credential.revoked", "credential.suspended"])
    receiver.secrets.append(row.secret)
    return row


def emit(event_type="credential.revoked", key="credential:1", **data):
    return outbox.emit_event(event_type=event_type, data={"id": key, **data}, order_key=key)


def test_a_delivery_carries_the_standard_webhooks_headers_and_verifies(endpoint, receiver):
    [row] = emit()
    assert outbox.deliver_due() == 1
    [got] = receiver.received
    assert got.verified and got.event_id == row.event_id and got.event_id.startswith("msg_")
    assert got.headers["webhook-signature"].startswith("v1,")
    assert got.payload["type"] == "credential.revoked" and got.payload["data"] == {"id": "credential:1"}
    assert datetime.datetime.fromisoformat(got.payload["timestamp"])
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 1
    assert row.attempt_log.get().response_status == 204


def test_an_endpoint_gets_only_the_events_it_chose(endpoint, receiver):
    assert emit(event_type="credential.issued") == []
    assert outbox.deliver_due() == 0 and receiver.received == []


def test_a_failing_receiver_gets_the_same_event_again_at_the_configured_intervals(endpoint, receiver, clock):
    receiver.answers = ["fail", "fail"]
    [row] = emit()
    start = timezone.now()
    clock.move_to(start)
    assert outbox.deliver_due() == 0
    row.refresh_from_db()
    assert row.next_attempt_at == start + datetime.timedelta(seconds=5)

    clock.move_to(start + datetime.timedelta(seconds=4))
    assert outbox.deliver_due() == 0 and len(receiver.received) == 1  # not due yet
    clock.move_to(start + datetime.timedelta(seconds=5))
    assert outbox.deliver_due() == 0 and len(receiver.received) == 2
    row.refresh_from_db()
    assert row.next_attempt_at == start + datetime.timedelta(seconds=5 + 300)

    clock.move_to(start + datetime.timedelta(seconds=305))
    assert outbox.deliver_due() == 1
    assert receiver.verified_ids() == [row.event_id] * 3  # nothing lost, never a new id
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 3
    assert [a.response_status for a in row.attempt_log.order_by("started_at", "id")] == [500, 500, 204]
    assert outbox.deliver_due() == 0 and len(receiver.received) == 3  # nothing delivered twice after success


def test_a_receiver_that_times_out_is_tried_again_with_the_same_id(endpoint, receiver, clock):
    receiver.answers, receiver.slow_seconds = ["slow"], 1.5
    [row] = emit()
    assert outbox.deliver_due() == 0
    row.refresh_from_db()
    assert row.status == Status.PENDING and "timed out" in row.last_error.lower()
    clock.move_by(datetime.timedelta(seconds=5))
    assert outbox.deliver_due() == 1
    assert receiver.verified_ids() == [row.event_id, row.event_id]


def test_a_redirect_is_a_failure_and_is_not_followed(endpoint, receiver):
    receiver.answers = ["redirect"]
    [row] = emit()
    assert outbox.deliver_due() == 0
    row.refresh_from_db()
    assert row.status == Status.PENDING and "redirect" in row.last_error
    assert len(receiver.received) == 1


def test_410_gone_disables_the_endpoint_and_tells_the_admins_and_deliveries_wait_for_it(
    endpoint, receiver, admin, clock
):
    receiver.answers = ["gone"]
    [first] = emit()
    [second] = emit(key="credential:2")
    outbox.deliver_due()
    endpoint.refresh_from_db()
    assert not endpoint.enabled and "410" in endpoint.disabled_reason
    first.refresh_from_db()
    assert first.status == Status.FAILED
    notice = Message.objects.get(kind=Message.Kind.EMAIL)
    assert notice.recipients == [admin.email] and endpoint.url in notice.subject
    # Nothing more goes to a disabled endpoint, and it is sent no new events; what was waiting waits.
    assert emit(key="credential:3") == []
    clock.move_by(datetime.timedelta(hours=1))
    outbox.deliver_due()
    assert [r.event_id for r in receiver.received] == [first.event_id]
    second.refresh_from_db()
    assert second.status == Status.PENDING

    outbox.update_endpoint(endpoint=endpoint, actor=admin, enabled=True)
    assert outbox.deliver_due() == 1
    assert receiver.verified_ids()[-1] == second.event_id


def test_a_later_event_for_the_same_credential_waits_for_the_earlier_one(endpoint, receiver, clock):
    receiver.answers = ["fail"]
    [suspended] = emit(event_type="credential.suspended", key="credential:7")
    [revoked] = emit(event_type="credential.revoked", key="credential:7")
    [other] = emit(event_type="credential.revoked", key="credential:8")
    outbox.deliver_due()
    # The first failed: the second for the same credential waits; another credential's event goes.
    assert [r.event_id for r in receiver.received] == [suspended.event_id, other.event_id]
    clock.move_by(datetime.timedelta(seconds=5))
    assert outbox.deliver_due() == 2
    assert [r.event_id for r in receiver.received][2:] == [suspended.event_id, revoked.event_id]


def test_a_rotated_secret_and_the_previous_one_both_sign_during_the_grace_period(endpoint, receiver, admin, clock):
    old = endpoint.secret
    rotated = outbox.rotate_secret(endpoint=endpoint, actor=admin, grace_hours=24)
    assert rotated.secret != old and rotated.secret.startswith("whsec_")
    receiver.secrets[:] = [old]  # a receiver that has not switched yet
    emit()
    outbox.deliver_due()
    receiver.secrets[:] = [rotated.secret]  # one that has
    emit(key="credential:2")
    outbox.deliver_due()
    assert [r.verified for r in receiver.received] == [True, True]
    assert len(receiver.received[0].headers["webhook-signature"].split(" ")) == 2

    clock.move_by(datetime.timedelta(hours=25))
    receiver.secrets[:] = [old]
    emit(key="credential:3")
    outbox.deliver_due()
    assert receiver.received[-1].verified is False  # the grace period is over: only the new secret signs
    assert len(receiver.received[-1].headers["webhook-signature"].split(" ")) == 1


def test_private_and_loopback_addresses_are_refused_unless_allowed(endpoint, receiver, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    [row] = emit()
    assert outbox.deliver_due() == 0
    row.refresh_from_db()
    assert "BlockedAddress" in row.last_error and receiver.received == []


@pytest.mark.parametrize(
    "address, public",
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("192.168.0.1", False),
        ("169.254.169.254", False),
        ("::1", False),
        ("fe80::1", False),
        ("::ffff:127.0.0.1", False),
        ("100.64.0.1", False),
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
    ],
)
def test_the_address_guard_knows_private_loopback_and_link_local_addresses(address, public):
    assert transport.is_public(address) is public


def test_an_endpoint_failing_for_three_days_is_disabled_and_admins_are_told(endpoint, receiver, admin, clock, settings):
    settings.OUTBOX_RETRY_DELAYS = [3600]
    receiver.answers = ["fail"] * 100
    emit()
    start = timezone.now()
    for hours in range(0, 74):
        clock.move_to(start + datetime.timedelta(hours=hours, seconds=1))
        outbox.deliver_due()
    endpoint.refresh_from_db()
    assert not endpoint.enabled and "hours" in endpoint.disabled_reason
    assert Message.objects.filter(kind=Message.Kind.EMAIL, recipients=[admin.email]).count() == 1
    assert Message.objects.get(kind=Message.Kind.WEBHOOK).status == Status.FAILED  # given up after the period


def test_any_delivery_can_be_sent_again_with_the_same_id(endpoint, receiver, admin):
    [row] = emit()
    outbox.deliver_due()
    outbox.send_again(message=row, actor=admin)
    assert outbox.deliver_due() == 1
    assert receiver.verified_ids() == [row.event_id, row.event_id]


def test_only_admins_manage_endpoints(receiver, db):
    with pytest.raises(NotAllowed):
        outbox.create_endpoint(actor=UserFactory(is_staff=True), url=receiver.url)


def test_the_delivery_log_is_pruned_after_thirty_days(endpoint, receiver, clock):
    emit()
    outbox.deliver_due()
    clock.move_by(datetime.timedelta(days=29))
    assert outbox.prune_log() == 0
    clock.move_by(datetime.timedelta(days=2))
    assert outbox.prune_log() == 1
    assert not Message.objects.exists()


# --- API -----------------------------------------------------------------------------------------------------------


def test_the_api_adds_an_endpoint_and_gives_its_secret(client, admin, receiver):
    client.force_login(admin)
    answer = client.post(
        "/api/v1/webhooks", {"url": receiver.url, "events": ["credential.issued"]}, content_type="application/json"
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["secret"].startswith("whsec_") and body["events"] == ["credential.issued"] and body["enabled"]
    pk = body["id"]
    assert client.get(f"/api/v1/webhooks/{pk}").json()["url"] == receiver.url
    assert [e["id"] for e in client.get("/api/v1/webhooks").json()] == [pk]

    changed = client.patch(
        f"/api/v1/webhooks/{pk}",
        {"enabled": False, "events": ["credential.issued", "dossier.status_changed"]},
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["enabled"] is False
    assert changed.json()["events"] == ["credential.issued", "dossier.status_changed"]

    rotated = client.post(f"/api/v1/webhooks/{pk}/secret-rotation", {}, content_type="application/json")
    assert rotated.status_code == 200 and rotated.json()["secret"] != body["secret"]
    assert client.delete(f"/api/v1/webhooks/{pk}").status_code == 204
    assert client.get(f"/api/v1/webhooks/{pk}").status_code == 404


def test_the_api_sends_a_test_event_lists_deliveries_and_resends_one(client, admin, endpoint, receiver):
    client.force_login(admin)
    answer = client.post(f"/api/v1/webhooks/{endpoint.pk}/test")
    assert answer.status_code == 202 and answer.json()["event_type"] == "webhook.test"
    outbox.deliver_due()
    assert receiver.received[0].event_type == "webhook.test" and receiver.received[0].verified
    deliveries = client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries").json()["results"]
    assert deliveries[0]["status"] == "sent" and deliveries[0]["attempt_log"][0]["response_status"] == 204
    resent = client.post(f"/api/v1/webhooks/{endpoint.pk}/deliveries/{deliveries[0]['id']}/resend")
    assert resent.status_code == 202 and resent.json()["status"] == "pending"
    again = client.post(f"/api/v1/webhooks/{endpoint.pk}/deliveries/{deliveries[0]['id']}/resend")
    assert again.status_code == 409


@pytest.mark.parametrize(
    "body, problem",
    [
        ({"url": "ftp://example.org/x"}, "https"),
        ({"url": "https://"}, "valid URL"),
        ({"url": "https://exa mple.org/x"}, "valid URL"),
        ({"url": "https://example.org/x", "events": ["credential.eaten"]}, "events"),
        ({"url": "https://example.org/x", "events": []}, "event"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(client, admin, body, problem):
    client.force_login(admin)
    answer = client.post("/api/v1/webhooks", body, content_type="application/json")
    assert answer.status_code == 400 and problem in answer.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_a_list_filtered_by_an_unknown_status_is_a_clear_400(client, admin, endpoint):
    client.force_login(admin)
    deliveries = client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries", {"status": "eaten"})
    assert deliveries.status_code == 400 and "Choose one of" in deliveries.content.decode()
    emails = client.get("/api/v1/outbox/emails", {"status": "sent"})
    assert emails.status_code == 400 and emails.json() == {"status": ["Choose one of: unknown, failed."]}
    assert client.get("/api/v1/outbox/emails", {"status": "failed"}).status_code == 200


def test_plain_http_is_refused_in_production(client, admin, settings):
    settings.DEBUG, settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False, False
    client.force_login(admin)
    answer = client.post("/api/v1/webhooks", {"url": "http://example.org/x"}, content_type="application/json")
    assert answer.status_code == 400 and not WebhookEndpoint.objects.exists()


def test_the_api_is_for_admins_only(client, endpoint):
    client.force_login(UserFactory(is_staff=True))
    assert client.get("/api/v1/webhooks").status_code == 403
    assert client.get(f"/api/v1/webhooks/{endpoint.pk}").status_code == 403
    assert client.delete(f"/api/v1/webhooks/{endpoint.pk}").status_code == 403
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


# --- pages ---------------------------------------------------------------------------------------------------------


def test_an_admin_adds_an_endpoint_and_sends_a_test_event_from_the_pages(client, admin, receiver):
    client.force_login(admin)
    page = client.post(
        reverse("outbox:endpoints"), {"url": receiver.url, "description": "HR", "events": ["credential.issued"]}
    )
    endpoint = WebhookEndpoint.objects.get()
    assert page.status_code == 302 and page.url == reverse("outbox:endpoint", args=[endpoint.pk])
    receiver.secrets.append(endpoint.secret)
    client.post(reverse("outbox:endpoint-action", args=[endpoint.pk, "test"]))
    outbox.deliver_due()
    assert receiver.received[0].event_type == "webhook.test" and receiver.received[0].verified
    detail = client.get(reverse("outbox:endpoint", args=[endpoint.pk])).content.decode()
    assert "webhook.test" in detail and receiver.received[0].event_id in detail
    client.post(reverse("outbox:endpoint-action", args=[endpoint.pk, "disable"]))
    endpoint.refresh_from_db()
    assert not endpoint.enabled


def test_the_pages_are_hidden_from_everyone_but_admins(client, endpoint):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("outbox:endpoints")).status_code == 404
    assert client.post(reverse("outbox:endpoint-action", args=[endpoint.pk, "delete"])).status_code == 404
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


# --- e-mails -------------------------------------------------------------------------------------------------------


def test_an_email_whose_sender_died_is_shown_as_unknown_and_sent_again_only_by_an_admin(client, admin, clock):
    row = outbox.queue_email(to=["someone@example.org"], subject="Hello", language="en", context={"body": "Hi"})
    Message.objects.filter(pk=row.pk).update(status=Status.SENDING, claimed_at=timezone.now())
    clock.move_by(datetime.timedelta(hours=1))
    assert outbox.deliver_due() == 0
    row.refresh_from_db()
    assert row.status == Status.UNKNOWN and mail.outbox == []
    client.force_login(admin)
    assert "Hello" in client.get(reverse("outbox:emails")).content.decode()
    assert [e["id"] for e in client.get("/api/v1/outbox/emails").json()["results"]] == [row.pk]
    assert client.post(f"/api/v1/outbox/emails/{row.pk}/resend").status_code == 202
    assert outbox.deliver_due() == 1
    assert [m.subject for m in mail.outbox] == ["Hello"]
    assert mail.outbox[0].alternatives[0][1] == "text/html"


def test_writing_the_same_email_twice_leaves_one_row(db):
    first = outbox.queue_email(to=["a@example.org"], subject="S", language="en", context={"body": "B"}, dedupe_key="k")
    second = outbox.queue_email(to=["a@example.org"], subject="S", language="en", context={"body": "B"}, dedupe_key="k")
    assert first is not None and second is None
    assert Message.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_in_the_embedded_default_a_requests_deliveries_are_tried_after_its_response(
    client, receiver, settings, monkeypatch
):
    settings.OUTBOX_DISPATCH_ON_COMMIT = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    admin = UserFactory(role=User.Role.ADMIN, is_staff=True)
    endpoint = outbox.create_endpoint(actor=admin, url=receiver.url)
    receiver.secrets.append(endpoint.secret)
    calls = []
    real = outbox.deliver_after_response

    def after_response(ids):
        calls.append((list(ids), len(receiver.received)))
        real(ids)

    monkeypatch.setattr(outbox, "deliver_after_response", after_response)
    client.force_login(admin)
    response = client.post(f"/api/v1/webhooks/{endpoint.pk}/test")
    assert response.status_code == 202 and response.json()["status"] == "pending"  # not tried during the request
    message = Message.objects.get(kind=Message.Kind.WEBHOOK)
    assert calls == [([message.pk], 0)]
    message.refresh_from_db()
    assert message.status == Status.SENT and receiver.verified_ids() == [message.event_id]
