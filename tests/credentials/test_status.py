"""Suspension, reinstatement and revocation against the database, and the status lists they publish."""

import datetime
import hashlib
import json

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import User
from aipia.errors import DomainError, InvalidTransition, NotAllowed
from credentials import tasks
from credentials.documents.seal import check_seal
from credentials.documents.status_list import MIN_BITS, decode_list, parse_status_reference
from credentials.models import Credential, StatusList, StatusListEntry
from credentials.services import lifecycle, status
from credentials.services.issuance import status_list_url
from outbox import services as outbox
from outbox.models import Message

from ..factories import UserFactory

Status = Credential.Status


def entry(credential, purpose) -> StatusListEntry:
    return StatusListEntry.objects.select_related("status_list").get(credential=credential, purpose=purpose)


def bit(credential, purpose) -> bool | None:
    e = entry(credential, purpose)
    return status.status_bit(list_url=status_list_url(e.status_list), index=e.index)


def set_bits(status_list: StatusList) -> set[int]:
    status_list.refresh_from_db()
    bits = decode_list(status_list.encoded_list)
    return {
        position * 8 + offset
        for position, byte in enumerate(bits)
        if byte
        for offset in range(8)
        if byte & (0x80 >> offset)
    }


def snapshot(credential) -> tuple:
    """Everything a refused change must leave as it was."""
    row = Credential.objects.get(pk=credential.pk)
    lists = tuple(StatusList.objects.order_by("pk").values_list("version", "etag"))
    return (
        row.status,
        row.status_version,
        row.suspended_at,
        row.suspended_until,
        row.suspension_reason,
        row.revoked_at,
        row.revocation_reason,
        row.events.count(),
        lists,
    )


def set_status(credential, value, **fields) -> Credential:
    Credential.objects.filter(pk=credential.pk).update(status=value, **fields)
    credential.refresh_from_db()
    return credential


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a service and then what it left for after the commit (the holder's e-mail)."""

    def run(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return run


# --- the transition table ------------------------------------------------------------------------------------


def test_every_credential_status_has_an_entry_in_the_transition_table():
    assert set(status.TRANSITIONS) == set(Status.values)
    assert status.TRANSITIONS[Status.REVOKED] == frozenset()


# --- suspension ----------------------------------------------------------------------------------------------


def test_an_admin_suspends_an_active_credential_until_a_date(issued_credential, admin_user):
    until = timezone.now() + datetime.timedelta(days=10)
    credential = status.suspend(
        credential=issued_credential,
        actor=admin_user,
        category="under_investigation",
        reason="Unpaid fees",
        until=until,
    )
    assert credential.status == Status.SUSPENDED
    assert credential.suspension_reason == "Unpaid fees" and credential.suspended_until == until
    assert credential.suspended_at is not None and credential.status_version == 1
    event = credential.events.get(action="credential.suspended")
    assert (event.actor, event.from_status, event.to_status, event.reason) == (
        admin_user,
        Status.ACTIVE,
        Status.SUSPENDED,
        "Unpaid fees",
    )
    assert bit(credential, "suspension") is True
    assert bit(credential, "revocation") is False


def test_an_indefinite_suspension_has_no_end_date(issued_credential, admin_user):
    credential = status.suspend(
        credential=issued_credential, actor=admin_user, category="under_investigation", reason="  Under investigation  "
    )
    assert credential.suspended_until is None and credential.suspension_reason == "Under investigation"


@pytest.mark.parametrize("current", [Status.SUSPENDED, Status.REVOKED, Status.EXPIRED, Status.ISSUING])
def test_only_an_active_credential_can_be_suspended(issued_credential, admin_user, current):
    set_status(issued_credential, current)
    before = snapshot(issued_credential)
    with pytest.raises(InvalidTransition, match="Only an active credential can be suspended"):
        status.suspend(credential=issued_credential, actor=admin_user, category="under_investigation", reason="Fees")
    assert snapshot(issued_credential) == before


def test_an_active_credential_past_its_validity_cannot_be_suspended(issued_credential, admin_user):
    set_status(issued_credential, Status.ACTIVE, valid_until=timezone.now() - datetime.timedelta(days=1))
    before = snapshot(issued_credential)
    with pytest.raises(InvalidTransition, match="expired"):
        status.suspend(credential=issued_credential, actor=admin_user, category="under_investigation", reason="Fees")
    assert snapshot(issued_credential) == before


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_suspension_needs_a_reason(issued_credential, admin_user, reason):
    before = snapshot(issued_credential)
    with pytest.raises(DomainError, match="needs a reason"):
        status.suspend(credential=issued_credential, actor=admin_user, category="under_investigation", reason=reason)
    assert snapshot(issued_credential) == before


def test_a_reason_longer_than_the_limit_is_refused(issued_credential, admin_user):
    with pytest.raises(DomainError, match="too long"):
        status.suspend(
            credential=issued_credential, actor=admin_user, category="under_investigation", reason="x" * 2001
        )


@pytest.mark.parametrize(
    ("until", "message"),
    [
        (timezone.now() - datetime.timedelta(minutes=1), "in the future"),
        (datetime.datetime(2099, 1, 1), "time zone"),
    ],
)
def test_a_suspension_cannot_end_in_the_past_or_at_an_ambiguous_time(issued_credential, admin_user, until, message):
    before = snapshot(issued_credential)
    with pytest.raises(DomainError, match=message):
        status.suspend(
            credential=issued_credential, actor=admin_user, category="under_investigation", reason="Fees", until=until
        )
    assert snapshot(issued_credential) == before


# --- reinstatement -------------------------------------------------------------------------------------------


def test_reinstating_ends_the_suspension_and_clears_its_bit(issued_credential, admin_user):
    status.suspend(
        credential=issued_credential,
        actor=admin_user,
        category="under_investigation",
        reason="Fees",
        until=timezone.now() + datetime.timedelta(days=3),
    )
    credential = status.reinstate(credential=issued_credential, actor=admin_user, reason="Paid")
    assert credential.status == Status.ACTIVE and credential.suspended_until is None
    assert credential.status_version == 2
    event = credential.events.get(action="credential.reinstated")
    assert (event.actor, event.from_status, event.to_status, event.reason) == (
        admin_user,
        Status.SUSPENDED,
        Status.ACTIVE,
        "Paid",
    )
    assert bit(credential, "suspension") is False and bit(credential, "revocation") is False


def test_a_credential_whose_validity_ended_during_the_suspension_is_reinstated_as_expired(
    issued_credential, admin_user
):
    status.suspend(credential=issued_credential, actor=admin_user, category="under_investigation", reason="Fees")
    Credential.objects.filter(pk=issued_credential.pk).update(valid_until=timezone.now() - datetime.timedelta(days=1))
    credential = status.reinstate(credential=issued_credential, actor=admin_user)
    assert credential.status == Status.EXPIRED
    assert credential.expired_at is not None  # recorded as the lifecycle job records an expiry
    assert bit(credential, "suspension") is False


@pytest.mark.parametrize("current", [Status.ACTIVE, Status.EXPIRED, Status.ISSUING])
def test_only_a_suspended_credential_can_be_reinstated(issued_credential, admin_user, current):
    set_status(issued_credential, current)
    before = snapshot(issued_credential)
    with pytest.raises(InvalidTransition, match="Only a suspended credential can be reinstated"):
        status.reinstate(credential=issued_credential, actor=admin_user)
    assert snapshot(issued_credential) == before


# --- revocation ----------------------------------------------------------------------------------------------


def test_revoking_an_active_credential_sets_its_revocation_bit(issued_credential, admin_user):
    credential = status.revoke(
        credential=issued_credential, actor=admin_user, category="misconduct", reason="Fraudulent evidence"
    )
    assert credential.status == Status.REVOKED and credential.revocation_reason == "Fraudulent evidence"
    assert credential.revoked_at is not None and credential.status_version == 1
    event = credential.events.get(action="credential.revoked")
    assert (event.actor, event.from_status, event.to_status, event.reason) == (
        admin_user,
        Status.ACTIVE,
        Status.REVOKED,
        "Fraudulent evidence",
    )
    assert bit(credential, "revocation") is True and bit(credential, "suspension") is False


def test_revoking_a_suspended_credential_clears_its_suspension(issued_credential, admin_user):
    status.suspend(
        credential=issued_credential,
        actor=admin_user,
        category="under_investigation",
        reason="Inquiry",
        until=timezone.now() + datetime.timedelta(days=3),
    )
    assert bit(issued_credential, "suspension") is True
    credential = status.revoke(
        credential=issued_credential, actor=admin_user, category="misconduct", reason="Inquiry concluded: fraud"
    )
    assert credential.status == Status.REVOKED and credential.suspended_until is None
    assert bit(credential, "revocation") is True and bit(credential, "suspension") is False
    assert status.lift_ended_suspensions(now=timezone.now() + datetime.timedelta(days=30)) == 0


def test_an_expired_credential_can_still_be_revoked(issued_credential, admin_user):
    set_status(issued_credential, Status.EXPIRED)
    assert (
        status.revoke(
            credential=issued_credential, actor=admin_user, category="misconduct", reason="Fraud found"
        ).status
        == Status.REVOKED
    )


def test_a_credential_being_issued_cannot_be_revoked(issued_credential, admin_user):
    set_status(issued_credential, Status.ISSUING)
    before = snapshot(issued_credential)
    with pytest.raises(InvalidTransition, match="cannot be revoked"):
        status.revoke(credential=issued_credential, actor=admin_user, category="misconduct", reason="Fraud")
    assert snapshot(issued_credential) == before


@pytest.mark.parametrize("reason", ["", "  \n ", None])
def test_a_revocation_needs_a_reason(issued_credential, admin_user, reason):
    before = snapshot(issued_credential)
    with pytest.raises(DomainError, match="needs a reason"):
        status.revoke(credential=issued_credential, actor=admin_user, category="misconduct", reason=reason)
    assert snapshot(issued_credential) == before


@pytest.mark.parametrize(
    ("verb", "kwargs", "message"),
    [
        (status.suspend, {"category": "other", "reason": "Again"}, "Only an active credential can be suspended"),
        (status.reinstate, {"reason": "Sorry"}, "revocation is final"),
        (status.revoke, {"category": "other", "reason": "Twice"}, "already revoked"),
    ],
)
def test_revocation_is_final(issued_credential, admin_user, verb, kwargs, message):
    status.revoke(credential=issued_credential, actor=admin_user, category="misconduct", reason="Fraud")
    before = snapshot(issued_credential)
    with pytest.raises(InvalidTransition, match=message):
        verb(credential=issued_credential, actor=admin_user, **kwargs)
    assert snapshot(issued_credential) == before
    assert bit(issued_credential, "revocation") is True


# --- who may act ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make_actor",
    [
        lambda: UserFactory(role=User.Role.APPLICANT),
        lambda: UserFactory(role=User.Role.ASSESSOR),
        lambda: UserFactory(role=User.Role.DECISION_MAKER),
        lambda: UserFactory(role=User.Role.APPLICANT, is_staff=True),
        lambda: UserFactory(role=User.Role.ADMIN, is_active=False),
        lambda: None,
    ],
    ids=["applicant", "assessor", "decision maker", "staff without the admin role", "inactive admin", "nobody"],
)
@pytest.mark.parametrize("verb", ["suspend", "reinstate", "revoke"])
def test_only_administrators_may_change_a_status(issued_credential, admin_user, make_actor, verb):
    if verb == "reinstate":
        status.suspend(credential=issued_credential, actor=admin_user, category="under_investigation", reason="Fees")
    before = snapshot(issued_credential)
    with pytest.raises(NotAllowed, match="Only administrators"):
        kwargs = {} if verb == "reinstate" else {"category": "other"}
        getattr(status, verb)(credential=issued_credential, actor=make_actor(), reason="Because", **kwargs)
    assert snapshot(issued_credential) == before


def test_the_holder_cannot_revoke_their_own_credential(issued_credential, applicant):
    with pytest.raises(NotAllowed):
        status.revoke(credential=issued_credential, actor=applicant, category="misconduct", reason="Changed my mind")


# --- the published lists -------------------------------------------------------------------------------------


def test_the_published_list_is_a_sealed_bitstring_status_list_credential(issued_credential, admin_user):
    status.revoke(credential=issued_credential, actor=admin_user, category="misconduct", reason="Fraud")
    revocation = entry(issued_credential, "revocation")
    status_list = StatusList.objects.get(pk=revocation.status_list_id)
    body = bytes(status_list.sealed_json)
    assert status_list.etag == '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    check = check_seal(json.loads(body))
    assert check.intact, check.problem
    assert check.certificate.subject.rfc4514_string() == issued_credential.seal.subject
    document = json.loads(check.payload)
    url = status_list_url(status_list)
    assert document["id"] == url and url.endswith(f"/status/revocation/{status_list.number}")
    assert document["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["issuer"] == status.issuer_id()
    subject = document["credentialSubject"]
    assert subject["id"] == url + "#list" and subject["statusPurpose"] == "revocation"
    assert subject["encodedList"] == status_list.encoded_list
    assert len(decode_list(subject["encodedList"])) * 8 == status_list.size >= MIN_BITS
    assert set_bits(status_list) == {revocation.index}


def test_the_sealed_list_credential_names_the_same_issuer_as_the_credentials(issued_credential):
    with issued_credential.sealed_json.open("rb") as handle:
        sealed = json.loads(handle.read())
    credential = json.loads(check_seal(sealed).payload)
    assert status.issuer_id() == credential["issuer"]["id"]
    reference = parse_status_reference(credential["credentialStatus"]["@value"])
    listed = {named.purpose: (named.list_url, named.list_index) for named in reference}
    for purpose in ("revocation", "suspension"):
        named = entry(issued_credential, purpose)
        assert listed[purpose] == (status_list_url(named.status_list), named.index)


def test_each_change_publishes_a_new_version_of_the_lists_it_touches(issued_credential, admin_user):
    revocation = entry(issued_credential, "revocation").status_list
    suspension = entry(issued_credential, "suspension").status_list
    status.suspend(credential=issued_credential, actor=admin_user, category="under_investigation", reason="Fees")
    revocation.refresh_from_db()
    suspension.refresh_from_db()
    assert (revocation.version, suspension.version) == (0, 1)
    first_etag = suspension.etag
    status.reinstate(credential=issued_credential, actor=admin_user)
    suspension.refresh_from_db()
    assert suspension.version == 2 and suspension.etag != first_etag
    assert set_bits(suspension) == set()
    status.revoke(credential=issued_credential, actor=admin_user, category="misconduct", reason="Fraud")
    revocation.refresh_from_db()
    suspension.refresh_from_db()
    assert (revocation.version, suspension.version) == (1, 2)


def test_status_bit_sees_a_change_as_soon_as_the_service_returns(issued_credential, admin_user):
    assert bit(issued_credential, "revocation") is False  # decoded and cached
    status.revoke(credential=issued_credential, actor=admin_user, category="misconduct", reason="Fraud")
    assert bit(issued_credential, "revocation") is True


def test_a_list_nobody_changed_is_published_on_first_request(issued_credential):
    status_list = entry(issued_credential, "suspension").status_list
    assert status_list.version == 0 and not status_list.encoded_list
    assert bit(issued_credential, "suspension") is False
    status_list.refresh_from_db()
    assert status_list.version == 1 and check_seal(json.loads(bytes(status_list.sealed_json))).intact


def test_status_bit_answers_none_for_lists_that_are_not_ours(issued_credential, settings):
    e = entry(issued_credential, "revocation")
    url = status_list_url(e.status_list)
    site = settings.SITE_URL.rstrip("/")
    assert status.status_bit(list_url=url, index=e.index) is False
    for other in [
        "https://elsewhere.example/status/revocation/1",
        f"{site}/status/revocation/999",
        f"{site}/status/refresh/1",
        f"{site}/status/revocation/1/extra",
        f"{site}/status/revocation/",
        f"{site}/status/revocation/-1",
        f"{site}/v/revocation/1",
        "",
    ]:
        assert status.status_bit(list_url=other, index=e.index) is None, other
    for index in (-1, e.status_list.size, True):
        assert status.status_bit(list_url=url, index=index) is None


# --- suspensions that end by themselves ----------------------------------------------------------------------


def test_a_suspension_is_lifted_when_its_end_date_passes(issued_credential, admin_user, committed):
    now = timezone.now()
    status.suspend(
        credential=issued_credential,
        actor=admin_user,
        category="under_investigation",
        reason="Fees",
        until=now + datetime.timedelta(hours=1),
    )
    assert status.lift_ended_suspensions(now=now + datetime.timedelta(minutes=59)) == 0
    mail.outbox.clear()
    assert committed(status.lift_ended_suspensions, now=now + datetime.timedelta(hours=2)) == 1
    issued_credential.refresh_from_db()
    assert issued_credential.status == Status.ACTIVE and issued_credential.suspended_until is None
    event = issued_credential.events.get(action="credential.reinstated")
    assert event.actor is None and event.reason == "suspension period ended"
    assert bit(issued_credential, "suspension") is False
    assert len(mail.outbox) == 1 and "no longer suspended" in mail.outbox[0].subject
    assert status.lift_ended_suspensions(now=now + datetime.timedelta(hours=3)) == 0


def test_an_indefinite_suspension_is_never_lifted_by_itself(issued_credential, admin_user):
    status.suspend(credential=issued_credential, actor=admin_user, category="under_investigation", reason="Inquiry")
    assert status.lift_ended_suspensions(now=timezone.now() + datetime.timedelta(days=3650)) == 0
    issued_credential.refresh_from_db()
    assert issued_credential.status == Status.SUSPENDED


def test_the_beat_task_lifts_ended_suspensions(issued_credential, admin_user, settings):
    status.suspend(
        credential=issued_credential,
        actor=admin_user,
        category="under_investigation",
        reason="Fees",
        until=timezone.now() + datetime.timedelta(hours=1),
    )
    Credential.objects.filter(pk=issued_credential.pk).update(
        suspended_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert tasks.lift_ended_suspensions_task.delay().get() == 1
    issued_credential.refresh_from_db()
    assert issued_credential.status == Status.ACTIVE
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert any(entry["task"] == "credentials.lift_ended_suspensions" for entry in schedule.values())


# --- the holder is told --------------------------------------------------------------------------------------


def test_the_holder_is_told_of_a_suspension_with_its_reason_and_end_date(issued_credential, admin_user, committed):
    mail.outbox.clear()
    last_day = timezone.localdate() + datetime.timedelta(days=10)
    committed(
        status.suspend,
        credential=issued_credential,
        actor=admin_user,
        category="requirements_not_met",
        reason="Membership fees unpaid",
        until=lifecycle.end_of_day(last_day),
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [issued_credential.holder.email]
    assert issued_credential.serial in message.subject and "suspended" in message.subject
    assert "Membership fees unpaid" in message.body and "Certification requirements no longer met" in message.body
    # The last day of the suspension, not the midnight that ends it.
    assert f"lasts until {date_format(last_day, 'DATE_FORMAT')} included" in message.body


def test_the_holder_is_told_of_an_indefinite_suspension(issued_credential, admin_user, committed):
    mail.outbox.clear()
    committed(status.suspend, credential=issued_credential, actor=admin_user, category="other", reason="Inquiry")
    assert "until the association lifts it" in mail.outbox[0].body


def test_the_holder_is_told_of_a_revocation_and_its_reason(issued_credential, admin_user, committed):
    mail.outbox.clear()
    committed(
        status.revoke,
        credential=issued_credential,
        actor=admin_user,
        category="misconduct",
        reason="Plagiarised portfolio",
    )
    assert len(mail.outbox) == 1
    assert "revoked" in mail.outbox[0].subject and "Plagiarised portfolio" in mail.outbox[0].body


def test_the_holder_is_told_once_even_if_the_delivery_runs_twice(issued_credential, admin_user, committed):
    mail.outbox.clear()
    committed(status.suspend, credential=issued_credential, actor=admin_user, category="other", reason="Fees")
    committed(status.reinstate, credential=issued_credential, actor=admin_user)
    assert [("suspended" in m.subject, "no longer suspended" in m.subject) for m in mail.outbox] == [
        (True, False),
        (True, True),
    ]
    messages = Message.objects.filter(dedupe_key__startswith="credentials.status:")
    assert [m.status for m in messages] == [Message.Status.SENT, Message.Status.SENT]
    for message in messages:
        assert outbox.deliver(message_id=message.pk) is False
    assert len(mail.outbox) == 2


def test_nothing_is_sent_when_the_change_is_refused(issued_credential, admin_user, committed):
    mail.outbox.clear()
    with pytest.raises(InvalidTransition):
        committed(status.reinstate, credential=issued_credential, actor=admin_user)
    assert mail.outbox == []


# --- concurrency ---------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_revocations_at_once_in_the_same_list_both_reach_it(
    issued_credential, admin_user, profile, django_capture_on_commit_callbacks, monkeypatch
):
    """Each change rebuilds the whole list; the list row's lock makes the second wait and read the first's."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("Row locks need PostgreSQL (CI runs this test there).")

    from credentials.documents import seal as seal_module
    from dossiers import services as dossier_services

    from ..conftest import fill_completely
    from ..factories import member
    from .conftest import approve

    other_holder = member()
    dossier = dossier_services.start_dossier(owner=other_holder, profile=profile)
    fill_completely(dossier, other_holder)
    dossier_services.submit_dossier(dossier=dossier, actor=other_holder)
    other = approve(dossier, django_capture_on_commit_callbacks)
    revocation_list = entry(issued_credential, "revocation").status_list
    assert entry(other, "revocation").status_list == revocation_list

    # Sealing is where a rebuild spends its time: slow it down so that the two rebuilds overlap.
    real_seal = seal_module.seal

    def slow_seal(*args, **kwargs):
        import time

        time.sleep(0.3)
        return real_seal(*args, **kwargs)

    monkeypatch.setattr(seal_module, "seal", slow_seal)
    barrier, errors = threading.Barrier(2), []

    def revoke(credential):
        try:
            barrier.wait()
            status.revoke(credential=credential, actor=admin_user, category="misconduct", reason="Fraud ring")
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=revoke, args=(c,)) for c in (issued_credential, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert set_bits(revocation_list) == {entry(issued_credential, "revocation").index, entry(other, "revocation").index}
    revocation_list.refresh_from_db()
    assert revocation_list.version == 2
    assert bit(issued_credential, "revocation") is True and bit(other, "revocation") is True


def test_suspensions_and_revocations_made_before_categories_exist_get_one(issued_credential, admin_user):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("credentials.migrations.0005_status_categories")
    lapsed = set_status(
        issued_credential, Status.SUSPENDED, suspended_at=timezone.now(), suspension_reason="membership lapsed"
    )
    other = Credential.objects.create(
        **{
            field: getattr(issued_credential, field)
            for field in (
                "holder",
                "profile",
                "holder_name",
                "scheme_version",
                "issued_at",
                "valid_from",
                "valid_until",
            )
        },
        decided_at=issued_credential.decided_at,
        serial="OLD-000001",
        status=Status.REVOKED,
        revoked_at=timezone.now(),
        revocation_reason="Fraud",
    )

    migration.categorise_existing(apps, None)

    lapsed.refresh_from_db()
    other.refresh_from_db()
    assert (lapsed.suspension_category, lapsed.revocation_category) == ("membership_lapsed", "")
    assert (other.revocation_category, other.suspension_category) == ("other", "")
