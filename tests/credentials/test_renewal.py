"""Renewal: the window and its grace period, the review, the chain old -> new, permissions and notifications."""

import datetime
import threading

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from accounts.models import User
from aipia.errors import DomainError, InvalidTransition, NotAllowed
from credentials.models import Credential, CredentialEvent, RenewalApplication
from credentials.services import cpd, renewal, status
from credentials.verification import server
from outbox import services as outbox
from outbox.models import Message

from ..factories import UserFactory

AppStatus = RenewalApplication.Status
DAY = datetime.timedelta(days=1)


def due_in(credential: Credential, delta: datetime.timedelta) -> Credential:
    """Move the credential's three-year validity so that it ends ``delta`` from now (negative: ended)."""
    end = (timezone.now() + delta).replace(microsecond=0)
    Credential.objects.filter(pk=credential.pk).update(
        valid_from=end - datetime.timedelta(days=3 * 365), valid_until=end
    )
    credential.refresh_from_db()
    return credential


def log_enough(credential: Credential) -> None:
    """Enough CPD for the profile's rules: each cycle year gets 25 hours over three categories."""
    start, _end = cpd.cycle_of(credential)
    for year in range(3):
        day = start + datetime.timedelta(days=365 * year + 10)
        for category, hours in (("training", "10"), ("teaching", "8"), ("professional_practice", "7")):
            cpd.log_activity(
                holder=credential.holder,
                credential=credential,
                date=day,
                category=category,
                hours=hours,
                description=f"{category} in year {year + 1}",
            )


@pytest.fixture
def due_credential(issued_credential) -> Credential:
    return due_in(issued_credential, datetime.timedelta(days=60))


@pytest.fixture
def reviewer(db) -> User:
    return UserFactory(role=User.Role.ADMIN, is_staff=True, email="renewals@example.org")


def apply(credential, capture, declaration="I still practise as an AI/ML engineer.") -> RenewalApplication:
    """The holder applies, acknowledging a CPD shortfall if there is one (the tests of the acknowledgement itself
    call the service directly)."""
    with capture(execute=True):
        return renewal.apply_for_renewal(
            credential=credential, holder=credential.holder, declaration=declaration, acknowledge_cpd_shortfall=True
        )


# --- renewal by policy (the bulk job's entry point) ---------------------------------------------------------------


def test_renewal_by_policy_creates_an_approved_application_and_the_successor(
    due_credential, admin_user, django_capture_on_commit_callbacks
):
    log_enough(due_credential)
    with django_capture_on_commit_callbacks(execute=True):
        new = renewal.renew_by_policy(credential=due_credential, actor=admin_user, note="Board decision 2029/4")
    new.refresh_from_db()
    assert new.predecessor_id == due_credential.pk
    assert new.basis == Credential.Basis.RENEWAL
    assert new.valid_from == due_credential.valid_until
    assert new.issuance == Credential.Issuance.DONE and new.status == Credential.Status.ACTIVE
    application = RenewalApplication.objects.get(credential=due_credential)
    assert application.by_policy and application.status == AppStatus.APPROVED
    assert application.new_credential_id == new.pk and application.reviewed_by == admin_user
    assert application.review_note == "Board decision 2029/4"
    event = due_credential.events.get(action="renewal.approved")
    assert event.data["by_policy"] is True and event.actor == admin_user


def test_renewal_by_policy_is_idempotent(due_credential, admin_user, django_capture_on_commit_callbacks):
    log_enough(due_credential)
    with django_capture_on_commit_callbacks(execute=False):
        first = renewal.renew_by_policy(credential=due_credential, actor=admin_user, note="policy")
        second = renewal.renew_by_policy(credential=due_credential, actor=admin_user, note="policy")
    assert first.pk == second.pk
    assert Credential.objects.filter(predecessor=due_credential).count() == 1
    assert RenewalApplication.objects.filter(credential=due_credential).count() == 1
    assert due_credential.events.filter(action="renewal.approved").count() == 1


def test_renewal_by_policy_approves_the_holders_open_application(
    due_credential, admin_user, django_capture_on_commit_callbacks
):
    log_enough(due_credential)
    application = apply(due_credential, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        new = renewal.renew_by_policy(credential=due_credential, actor=admin_user, note="policy")
    application.refresh_from_db()
    assert application.status == AppStatus.APPROVED and application.new_credential_id == new.pk
    assert not application.by_policy
    assert RenewalApplication.objects.filter(credential=due_credential).count() == 1


def test_renewal_by_policy_keeps_the_window_and_the_cpd_rules_of_a_holders_application(issued_credential, admin_user):
    # Issued today: far outside the renewal window, and no CPD logged.
    with pytest.raises(renewal.OutsideRenewalRules) as refused:
        renewal.renew_by_policy(credential=issued_credential, actor=admin_user, note="policy")

    assert [problem.split(",")[0].split(":")[0] for problem in refused.value.problems] == [
        "Outside the renewal window",
        "CPD rules not met",
    ]
    assert not Credential.objects.filter(predecessor=issued_credential).exists()
    assert not RenewalApplication.objects.filter(credential=issued_credential).exists()


def test_renewal_by_policy_outside_the_rules_needs_and_records_the_override_reason(
    due_credential, admin_user, django_capture_on_commit_callbacks
):
    # In the window, but without CPD.
    with django_capture_on_commit_callbacks(execute=False):
        new = renewal.renew_by_policy(
            credential=due_credential, actor=admin_user, note="", override_reason="CPD verified on paper by the board"
        )

    assert new.predecessor_id == due_credential.pk
    event = due_credential.events.get(action="renewal.approved")
    assert event.data["override_reason"] == "CPD verified on paper by the board"
    assert event.data["rules_overridden"][0].startswith("CPD rules not met")
    application = RenewalApplication.objects.get(credential=due_credential)
    assert "CPD verified on paper by the board" in application.review_note
    assert "Renewed outside the rules" in event.reason


def test_only_staff_renew_by_policy(due_credential):
    with pytest.raises(NotAllowed):
        renewal.renew_by_policy(credential=due_credential, actor=due_credential.holder, note="")
    assert not Credential.objects.filter(predecessor=due_credential).exists()


# --- the window ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ends_in", "allowed"),
    [
        (datetime.timedelta(days=181), False),  # before the window opens
        (datetime.timedelta(days=179), True),
        (datetime.timedelta(days=1), True),
        (-datetime.timedelta(days=1), True),  # expired, within the grace period
        (-datetime.timedelta(days=89), True),
        (-datetime.timedelta(days=91), False),  # the grace period is over
    ],
)
def test_the_holder_applies_from_the_window_to_the_end_of_the_grace_period(
    issued_credential, ends_in, allowed, django_capture_on_commit_callbacks
):
    credential = due_in(issued_credential, ends_in)
    if allowed:
        application = apply(credential, django_capture_on_commit_callbacks)
        assert application.status == AppStatus.SUBMITTED
    else:
        with pytest.raises(InvalidTransition) as refused:
            apply(credential, django_capture_on_commit_callbacks)
        assert refused.value.code == "renewal_not_possible"
        assert not RenewalApplication.objects.exists()


def test_the_window_follows_the_settings(issued_credential, settings, django_capture_on_commit_callbacks):
    settings.RENEWAL_WINDOW_DAYS = 30
    credential = due_in(issued_credential, datetime.timedelta(days=60))
    with pytest.raises(InvalidTransition, match="30 days before"):
        apply(credential, django_capture_on_commit_callbacks)


@pytest.mark.parametrize("state", ["revoked", "suspended"])
def test_a_revoked_or_suspended_credential_cannot_be_renewed(
    due_credential, admin_user, state, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        if state == "revoked":
            status.revoke(credential=due_credential, actor=admin_user, category="misconduct", reason="Fraud")
        else:
            status.suspend(
                credential=due_credential,
                actor=admin_user,
                category="under_investigation",
                reason="Complaint under review",
            )
    due_credential.refresh_from_db()
    with pytest.raises(InvalidTransition, match=state):
        apply(due_credential, django_capture_on_commit_callbacks)
    with pytest.raises(InvalidTransition, match=state):
        renewal.renew_by_policy(credential=due_credential, actor=admin_user, note="policy")


def test_only_the_holder_applies(due_credential, django_capture_on_commit_callbacks):
    with pytest.raises(NotAllowed):
        renewal.apply_for_renewal(credential=due_credential, holder=UserFactory(), declaration="I practise")


def test_one_open_application_at_a_time(due_credential, django_capture_on_commit_callbacks):
    apply(due_credential, django_capture_on_commit_callbacks)
    with pytest.raises(InvalidTransition) as refused:
        apply(due_credential, django_capture_on_commit_callbacks)
    assert refused.value.code == "renewal_already_open"


def test_a_declaration_is_required(due_credential, django_capture_on_commit_callbacks):
    with pytest.raises(DomainError, match="continued practice"):
        apply(due_credential, django_capture_on_commit_callbacks, declaration="   ")


# --- the application and its review ------------------------------------------------------------------------------


def test_the_application_keeps_a_snapshot_of_the_cpd_record(due_credential, django_capture_on_commit_callbacks):
    log_enough(due_credential)
    application = apply(due_credential, django_capture_on_commit_callbacks)
    snapshot = application.cpd_snapshot
    assert len(snapshot["activities"]) == 9
    assert snapshot["progress"]["met"] is True and snapshot["progress"]["counted_total"] == "75.0"
    assert snapshot["rules"]["min_hours_total"] == 60
    # Later changes to the log do not change what was submitted.
    cpd.delete_activity(holder=due_credential.holder, activity=due_credential.cpd_activities.first())
    application.refresh_from_db()
    assert len(application.cpd_snapshot["activities"]) == 9


def test_staff_are_told_of_an_application_and_the_holder_gets_an_acknowledgement(
    due_credential, reviewer, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    application = apply(due_credential, django_capture_on_commit_callbacks)
    to_holder = [m for m in mail.outbox if m.to == [due_credential.holder.email]]
    to_staff = [m for m in mail.outbox if reviewer.email in m.to]
    assert len(to_holder) == 1 and "received your renewal application" in to_holder[0].subject
    assert len(to_staff) == 1 and f"/credentials/renewals/{application.pk}/" in to_staff[0].body
    assert due_credential.holder.email not in to_staff[0].to


def test_a_request_for_more_information_and_the_holders_answer(
    due_credential, reviewer, django_capture_on_commit_callbacks
):
    application = apply(due_credential, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        renewal.request_more_information(application=application, reviewer=reviewer, note="Add the course certificate")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [due_credential.holder.email] and "Add the course certificate" in message.body
    assert f"/credentials/{due_credential.pk}/renewal/" in message.body
    with pytest.raises(InvalidTransition):
        renewal.approve_renewal(application=application, reviewer=reviewer, note="too early")
    log_enough(due_credential)
    with django_capture_on_commit_callbacks(execute=True):
        application = renewal.resubmit(application=application, holder=due_credential.holder, declaration="Updated")
    assert application.status == AppStatus.SUBMITTED and application.declaration == "Updated"
    assert application.cpd_snapshot["progress"]["met"] is True
    actions = list(due_credential.events.filter(action__startswith="renewal.").values_list("action", flat=True))
    assert actions == ["renewal.submitted", "renewal.more_info", "renewal.resubmitted"]


def test_approving_although_the_rules_were_not_met_needs_a_note(
    due_credential, reviewer, django_capture_on_commit_callbacks
):
    application = apply(due_credential, django_capture_on_commit_callbacks)
    assert application.cpd_snapshot["progress"]["met"] is False
    with pytest.raises(DomainError) as refused:
        renewal.approve_renewal(application=application, reviewer=reviewer)
    assert refused.value.code == "note_required"
    assert not Credential.objects.filter(predecessor=due_credential).exists()


def test_the_approved_renewal_starts_where_the_old_credential_ends_and_both_verify(
    due_credential, reviewer, django_capture_on_commit_callbacks
):
    log_enough(due_credential)
    application = apply(due_credential, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        new = renewal.approve_renewal(application=application, reviewer=reviewer)
    new.refresh_from_db()
    old = Credential.objects.get(pk=due_credential.pk)
    assert new.pk != old.pk and new.serial != old.serial
    assert new.predecessor_id == old.pk and new.basis == Credential.Basis.RENEWAL
    assert new.valid_from == old.valid_until
    assert new.valid_until == old.valid_until.replace(year=old.valid_until.year + 3)
    # The old credential is superseded, not revoked: it stays active until its own end.
    assert old.status == Credential.Status.ACTIVE and old.revoked_at is None
    assert new.status == Credential.Status.ACTIVE and new.issuance == Credential.Issuance.DONE
    with old.sealed_json.open("rb") as handle:
        old_report = server.verify_sealed_credential(handle.read())
    assert old_report.valid and old_report.status == "active"
    with new.sealed_json.open("rb") as handle:
        new_sealed = handle.read()
    assert server.verify_sealed_credential(new_sealed, now=new.valid_from + DAY).valid
    # Before its validity begins, verifiers are told it is not valid yet rather than valid.
    assert not server.verify_sealed_credential(new_sealed).valid
    application.refresh_from_db()
    assert application.status == AppStatus.APPROVED and application.new_credential_id == new.pk
    event = old.events.get(action="renewal.approved")
    assert event.actor == reviewer and event.data["new_credential"] == str(new.pk)
    subjects = [m.subject for m in mail.outbox if m.to == [old.holder.email]]
    assert any("is renewed" in s for s in subjects)  # the decision
    assert any("European Digital Credential" in s for s in subjects)  # the new certificate, with its PDF


def test_a_renewal_within_the_grace_period_starts_at_the_approval(
    issued_credential, reviewer, django_capture_on_commit_callbacks
):
    credential = due_in(issued_credential, -datetime.timedelta(days=20))
    log_enough(credential)
    application = apply(credential, django_capture_on_commit_callbacks)
    before = timezone.now().replace(microsecond=0)
    with django_capture_on_commit_callbacks(execute=False):
        new = renewal.approve_renewal(application=application, reviewer=reviewer)
    assert before <= new.valid_from <= timezone.now()
    assert new.valid_from > credential.valid_until


def test_a_credential_is_renewed_once_whatever_the_order_of_approvals(
    due_credential, reviewer, admin_user, django_capture_on_commit_callbacks
):
    log_enough(due_credential)
    application = apply(due_credential, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        new = renewal.approve_renewal(application=application, reviewer=reviewer)
        with pytest.raises(InvalidTransition):
            renewal.approve_renewal(application=application, reviewer=admin_user, note="again")
        assert renewal.renew_by_policy(credential=due_credential, actor=admin_user, note="bulk") == new
    with pytest.raises(InvalidTransition, match="already been renewed"):
        apply(due_credential, django_capture_on_commit_callbacks)
    assert Credential.objects.filter(predecessor=due_credential).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_create_one_successor(issued_credential, admin_user, django_capture_on_commit_callbacks):
    """A reviewer's approval and an admin's bulk renewal race: the old credential's row lock lets one through."""
    if connection.vendor != "postgresql":
        pytest.skip("Row locks need PostgreSQL (CI runs this test there).")
    credential = due_in(issued_credential, datetime.timedelta(days=30))
    log_enough(credential)
    with django_capture_on_commit_callbacks(execute=False):
        application = renewal.apply_for_renewal(credential=credential, holder=credential.holder, declaration="Yes")
    reviewer = UserFactory(is_staff=True)
    barrier = threading.Barrier(2)
    results: list = []

    def run(action):
        try:
            barrier.wait()
            results.append(action())
        except Exception as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=run, args=(lambda: renewal.approve_renewal(application=application, reviewer=reviewer),)
        ),
        threading.Thread(
            target=run, args=(lambda: renewal.renew_by_policy(credential=credential, actor=admin_user, note="bulk"),)
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    successors = list(Credential.objects.filter(predecessor=credential))
    assert len(successors) == 1
    credentials = [r for r in results if isinstance(r, Credential)]
    # Either the bulk renewal found the reviewer's successor, or it won and the reviewer was refused.
    assert all(c.pk == successors[0].pk for c in credentials)
    assert all(isinstance(r, (Credential, InvalidTransition)) for r in results), results
    assert RenewalApplication.objects.get(pk=application.pk).status == AppStatus.APPROVED


def test_rejection_tells_the_holder_why_and_a_new_application_is_possible(
    due_credential, reviewer, django_capture_on_commit_callbacks
):
    application = apply(due_credential, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        renewal.reject_renewal(application=application, reviewer=reviewer, note="No evidence of practice")
    assert "No evidence of practice" in mail.outbox[0].body and mail.outbox[0].to == [due_credential.holder.email]
    assert Credential.objects.get(pk=due_credential.pk).status == Credential.Status.ACTIVE
    assert apply(due_credential, django_capture_on_commit_callbacks).status == AppStatus.SUBMITTED


def test_reassessment_sends_the_holder_to_a_new_dossier(due_credential, reviewer, django_capture_on_commit_callbacks):
    application = apply(due_credential, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        renewal.send_to_reassessment(application=application, reviewer=reviewer, note="Only 12 hours in three years")
    assert "new dossier" in mail.outbox[0].body and "Only 12 hours" in mail.outbox[0].body
    with pytest.raises(InvalidTransition) as refused:
        apply(due_credential, django_capture_on_commit_callbacks)
    assert refused.value.code == "renewal_reassessment"


@pytest.mark.parametrize("verb", ["approve", "more_info", "reject", "reassessment"])
def test_only_staff_decide(due_credential, verb, django_capture_on_commit_callbacks):
    application = apply(due_credential, django_capture_on_commit_callbacks)
    functions = {
        "approve": renewal.approve_renewal,
        "more_info": renewal.request_more_information,
        "reject": renewal.reject_renewal,
        "reassessment": renewal.send_to_reassessment,
    }
    for outsider in (due_credential.holder, UserFactory(role=User.Role.DECISION_MAKER)):
        with pytest.raises(NotAllowed):
            functions[verb](application=application, reviewer=outsider, note="note")
    assert RenewalApplication.objects.get(pk=application.pk).status == AppStatus.SUBMITTED


def test_every_status_has_transitions():
    assert set(renewal.TRANSITIONS) == set(AppStatus.values)
    assert all(renewal.TRANSITIONS[s] == frozenset() for s in (AppStatus.APPROVED, AppStatus.REJECTED))


def test_a_notification_is_sent_once(due_credential, django_capture_on_commit_callbacks):
    apply(due_credential, django_capture_on_commit_callbacks)
    event = due_credential.events.get(action="renewal.submitted")
    mail.outbox.clear()
    message = Message.objects.get(dedupe_key=f"credentials.renewal:{event.pk}")
    assert message.status == Message.Status.SENT
    # Written again (a replayed call) or delivered again (a task run twice): nothing more leaves.
    assert renewal.queue_renewal_emails(event=event) is True
    assert Message.objects.filter(dedupe_key=f"credentials.renewal:{event.pk}").count() == 1
    assert outbox.deliver(message_id=message.pk) is False
    assert mail.outbox == []
    # The audit row is never edited to record the sending.
    assert CredentialEvent.objects.get(pk=event.pk).data == event.data


# --- pages and API ---------------------------------------------------------------------------------------------


def test_the_credential_page_offers_renewal_only_in_the_window(client, issued_credential):
    client.force_login(issued_credential.holder)
    url = f"/credentials/{issued_credential.pk}/"
    renewal_url = f"/credentials/{issued_credential.pk}/renewal/"
    assert renewal_url not in client.get(url).content.decode()
    due_in(issued_credential, datetime.timedelta(days=60))
    assert renewal_url in client.get(url).content.decode()


def test_the_holder_applies_on_the_renewal_page_and_sees_the_status(
    client, due_credential, django_capture_on_commit_callbacks
):
    client.force_login(due_credential.holder)
    page = client.get(f"/credentials/{due_credential.pk}/renewal/")
    assert page.status_code == 200 and 'name="declaration"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            f"/credentials/{due_credential.pk}/renewal/",
            {"declaration": "Still practising", "acknowledge_cpd_shortfall": "on"},
        )
    assert answer.status_code == 302
    page = client.get(f"/credentials/{due_credential.pk}/renewal/").content.decode()
    assert 'id="application-status"' in page and "Submitted" in page and 'name="declaration"' not in page


def test_renewal_pages_of_another_holder_answer_404(client, due_credential):
    client.force_login(UserFactory())
    assert client.get(f"/credentials/{due_credential.pk}/renewal/").status_code == 404
    assert client.post(f"/api/v1/credentials/{due_credential.pk}/renewal", {"declaration": "x"}).status_code == 404


def test_the_review_pages_are_for_staff(client, due_credential, reviewer, django_capture_on_commit_callbacks):
    application = apply(due_credential, django_capture_on_commit_callbacks)
    client.force_login(due_credential.holder)
    assert client.get("/credentials/renewals/").status_code == 403
    assert client.get(f"/credentials/renewals/{application.pk}/").status_code == 403
    client.force_login(reviewer)
    assert due_credential.holder_name in client.get("/credentials/renewals/").content.decode()
    assert client.get(f"/credentials/renewals/{application.pk}/").status_code == 200


def test_staff_decide_on_the_review_page(client, due_credential, reviewer, django_capture_on_commit_callbacks):
    application = apply(due_credential, django_capture_on_commit_callbacks)
    client.force_login(reviewer)
    url = f"/credentials/renewals/{application.pk}/"
    refused = client.post(url, {"action": "approve", "note": ""})
    assert refused.status_code == 400 and "say why you approve" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        assert client.post(url, {"action": "more_info", "note": "Upload evidence"}).status_code == 302
    assert RenewalApplication.objects.get(pk=application.pk).status == AppStatus.MORE_INFO


def test_the_api_applies_lists_and_decides(client, due_credential, reviewer, django_capture_on_commit_callbacks):
    log_enough(due_credential)
    client.force_login(due_credential.holder)
    with django_capture_on_commit_callbacks(execute=False):
        answer = client.post(
            f"/api/v1/credentials/{due_credential.pk}/renewal",
            {"declaration": "I still practise"},
            content_type="application/json",
        )
    assert answer.status_code == 201, answer.content
    application_id = answer.json()["id"]
    assert answer.json()["cpd_met"] is True
    assert client.get("/api/v1/renewals/").status_code == 403
    assert client.post(f"/api/v1/renewals/{application_id}/decision", {"action": "approve"}).status_code == 403
    client.force_login(reviewer)
    assert [a["id"] for a in client.get("/api/v1/renewals/").json()] == [application_id]
    with django_capture_on_commit_callbacks(execute=False):
        decided = client.post(
            f"/api/v1/renewals/{application_id}/decision", {"action": "approve"}, content_type="application/json"
        )
    assert decided.status_code == 200, decided.content
    new_id = decided.json()["new_credential"]
    assert Credential.objects.get(pk=new_id).predecessor_id == due_credential.pk
    again = client.post(
        f"/api/v1/renewals/{application_id}/decision",
        {"action": "reject", "note": "x"},
        content_type="application/json",
    )
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert client.get("/api/v1/renewals/").json() == []


def test_the_chain_is_linked_on_both_credential_pages(client, due_credential, admin_user):
    log_enough(due_credential)
    new = renewal.renew_by_policy(credential=due_credential, actor=admin_user, note="policy")
    client.force_login(due_credential.holder)
    old_page = client.get(f"/credentials/{due_credential.pk}/").content.decode()
    new_page = client.get(f"/credentials/{new.pk}/").content.decode()
    assert f"/credentials/{new.pk}/" in old_page
    assert f"/credentials/{due_credential.pk}/" in new_page
