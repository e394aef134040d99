"""Credential events reach a webhook receiver (a real one on 127.0.0.1, verifying signatures): written in the
change's transaction, the credential as the API represents it (never the administrators' free text), in order."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from credentials.services import lifecycle, renewal, status
from credentials.webhooks import credential_representation
from dossiers import services as dossier_services
from outbox import events
from outbox import services as outbox
from outbox.models import Message

from ..outbox.receiver import Receiver


@pytest.fixture
def receiver(settings):
    settings.OUTBOX_DISPATCH_ON_COMMIT = False
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    server = Receiver(secrets=[]).start()
    yield server
    server.stop()


@pytest.fixture
def endpoint(admin_user, receiver):
    row = outbox.create_endpoint(actor=admin_user, url=receiver.url, events=list(events.CREDENTIAL_EVENTS))
    receiver.secrets.append(row.secret)
    return row


def test_suspension_reinstatement_and_revocation_arrive_in_order_as_the_api_shows_the_credential(
    issued_credential, admin_user, endpoint, receiver
):
    status.suspend(credential=issued_credential, actor=admin_user, category="other", reason="Unpaid fees, see file")
    status.reinstate(credential=issued_credential, actor=admin_user)
    status.revoke(credential=issued_credential, actor=admin_user, category="other", reason="Plagiarised portfolio")
    outbox.deliver_due()
    assert [r.event_type for r in receiver.received] == [
        "credential.suspended",
        "credential.reinstated",
        "credential.revoked",
    ]
    assert all(r.verified for r in receiver.received)
    data = receiver.received[0].payload["data"]
    assert data["id"] == str(issued_credential.pk) and data["serial"] == issued_credential.serial
    assert data["status"] == "suspended" and data["suspension_category"] == "other"
    assert data["links"]["verification"].endswith(f"/api/v1/credentials/{issued_credential.pk}/verification")
    assert "Unpaid fees" not in str(receiver.received[0].payload)
    assert "Plagiarised" not in str(receiver.received[2].payload)
    assert len({r.event_id for r in receiver.received}) == 3


def test_a_refused_change_writes_no_event(issued_credential, admin_user, endpoint, receiver):
    with pytest.raises(Exception):  # noqa: B017 - the service's own refusal; what matters is that nothing is written
        status.reinstate(credential=issued_credential, actor=admin_user)
    assert not Message.objects.filter(kind=Message.Kind.WEBHOOK).exists()


def test_a_renewal_sends_credential_renewed_with_the_new_credential(issued_credential, admin_user, endpoint, receiver):
    new, made = renewal.renew_by_policy_once(
        credential=issued_credential, actor=admin_user, note="", override_reason="Tested outside the window"
    )
    assert made
    outbox.deliver_due()
    renewed = [r for r in receiver.received if r.event_type == "credential.renewed"]
    assert len(renewed) == 1
    assert renewed[0].payload["data"]["id"] == str(new.pk)
    assert renewed[0].payload["data"]["previous_credential"] == str(issued_credential.pk)
    # Built from the new credential as the renewal held it: the same as reading it back from the database.
    read_back = json.loads(json.dumps(credential_representation(new.pk), cls=DjangoJSONEncoder))
    assert renewed[0].payload["data"] == {**read_back, "previous_credential": str(issued_credential.pk)}
    assert read_back["status"] == new.status and read_back["profile"] == new.profile.code


def test_expiry_and_the_reminders_before_it_are_sent(issued_credential, endpoint, receiver):
    end = timezone.now() + datetime.timedelta(days=20)
    type(issued_credential).objects.filter(pk=issued_credential.pk).update(valid_until=end)
    lifecycle.send_expiry_reminders(as_of=timezone.localdate())
    lifecycle.mark_expired(as_of=end + datetime.timedelta(days=1))
    outbox.deliver_due()
    got = {r.event_type: r.payload["data"] for r in receiver.received}
    assert got["credential.expiring"]["reminder_offset_days"] == 30
    assert got["credential.expiring"]["days_left"] in (19, 20)
    assert got["credential.expired"]["status"] == "expired"


def test_dossier_events_go_only_to_endpoints_that_opted_in(complete_dossier, applicant, admin_user, receiver):
    plain = outbox.create_endpoint(actor=admin_user, url=receiver.url)
    opted = outbox.create_endpoint(actor=admin_user, url=receiver.url, events=["dossier.status_changed"])
    assert "dossier.status_changed" not in plain.events
    receiver.secrets.append(opted.secret)
    dossier_services.submit_dossier(dossier=complete_dossier, actor=applicant)
    rows = Message.objects.filter(kind=Message.Kind.WEBHOOK)
    assert [(row.endpoint_id, row.event_type) for row in rows] == [(opted.pk, "dossier.status_changed")]
    outbox.deliver_due()
    [got] = receiver.received
    assert got.verified and got.payload["data"]["id"] == str(complete_dossier.pk)
    assert got.payload["data"]["to_status"] == "submitted" and got.payload["data"]["status"] == "submitted"
