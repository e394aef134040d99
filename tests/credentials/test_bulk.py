"""Bulk work on many credentials: jobs, their resumable runner, the actions, progress, the expiring list,
the CSV export, the job page and the API."""

import csv
import datetime
import io
import threading
import uuid

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from rest_framework.test import APIClient

from accounts.models import User
from aipia.errors import DomainError, NotAllowed
from credentials.models import BulkJob, BulkJobItem, Credential, CredentialEvent
from credentials.services import bulk, issuance, status
from outbox import services as outbox

from ..factories import PASSWORD, UserFactory, member
from .test_renewal import log_enough

Item = BulkJobItem.Status


@pytest.fixture
def make_credential(profile, django_capture_on_commit_callbacks):
    """A credential of a new holder ending in ``days``; issued through the pipeline (active) unless told not to."""

    def make(
        *, days: int = 30, issued: bool = True, first_name: str = "Ada", last_name: str = "Lovelace", cpd: bool = False
    ):
        holder = member(first_name=first_name, last_name=last_name)
        now = timezone.now().replace(microsecond=0)
        with django_capture_on_commit_callbacks(execute=issued):
            credential = issuance.create_credential(
                holder=holder,
                profile=profile,
                scheme_version=profile.scheme_version,
                valid_from=now - datetime.timedelta(days=3 * 365 - days),
                valid_until=now + datetime.timedelta(days=days),
                decided_at=now - datetime.timedelta(days=3 * 365 - days),
                actor=None,
            )
        if cpd:  # enough continuing professional development for the profile's renewal rules
            log_enough(credential)
        mail.outbox.clear()  # the certificate's e-mail: the tests count the ones bulk work sends
        return Credential.objects.select_related("holder", "profile").get(pk=credential.pk)

    return make


@pytest.fixture
def run_job(django_capture_on_commit_callbacks):
    """Start a job and run it to its end in this process, as the worker would (callbacks executed)."""

    def run(*, action, credentials, actor, params=None) -> BulkJob:
        with django_capture_on_commit_callbacks(execute=True):
            job = bulk.start_bulk_job(
                action=action, credential_ids=[c.pk for c in credentials], actor=actor, params=params
            )
        job.refresh_from_db()
        return job

    return run


def items(job) -> dict:
    return {item.credential_id: item for item in BulkJobItem.objects.filter(job=job)}


def events(credential, action) -> int:
    return CredentialEvent.objects.filter(credential=credential, action=action).count()


# --- starting a job -------------------------------------------------------------------------------------------


def test_it_creates_one_pending_item_per_credential_and_enqueues_the_job_on_commit(
    make_credential, admin_user, django_capture_on_commit_callbacks, monkeypatch
):
    first, second = make_credential(issued=False), make_credential(issued=False)
    enqueued = []
    monkeypatch.setattr(bulk, "enqueue_bulk_job", enqueued.append)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = bulk.start_bulk_job(
            action="remind", credential_ids=[first.pk, str(second.pk), first.pk], actor=admin_user, params={}
        )
        assert enqueued == []  # not before the commit
    assert len(callbacks) == 1 and enqueued == [job.pk]
    assert job.status == BulkJob.Status.PENDING and job.created_by == admin_user
    assert set(items(job)) == {first.pk, second.pk}
    assert {item.status for item in items(job).values()} == {Item.PENDING}


def test_unknown_credentials_are_refused_and_nothing_is_written(make_credential, admin_user):
    known, unknown = make_credential(issued=False), uuid.uuid4()
    with pytest.raises(DomainError) as refused:
        bulk.start_bulk_job(action="remind", credential_ids=[known.pk, unknown], actor=admin_user, params={})
    assert refused.value.code == "unknown_credentials" and refused.value.details == [str(unknown)]
    assert not BulkJob.objects.exists() and not BulkJobItem.objects.exists()


@pytest.mark.parametrize(
    "action, credential_ids, params, code",
    [
        ("suspend", "one", {"reason": "Audit"}, "invalid_category"),
        ("suspend", "one", {"category": "because_i_say_so", "reason": "Audit"}, "invalid_category"),
        ("suspend", "one", {"category": "misconduct"}, "reason_required"),
        ("suspend", "one", {"category": "misconduct", "reason": "   "}, "reason_required"),
        ("renew", "one", {"note": "x" * 2001}, "note_too_long"),
        ("revoke", "one", {"reason": "no"}, "invalid_action"),
        ("remind", "none", {}, "no_credentials"),
        ("remind", "garbage", {}, "invalid_id"),
    ],
)
def test_invalid_jobs_are_refused(make_credential, admin_user, action, credential_ids, params, code):
    ids = {"one": [make_credential(issued=False).pk], "none": [], "garbage": ["not-an-id"]}[credential_ids]
    with pytest.raises(DomainError) as refused:
        bulk.start_bulk_job(action=action, credential_ids=ids, actor=admin_user, params=params)
    assert refused.value.code == code
    assert not BulkJob.objects.exists()


@pytest.mark.parametrize("role", [r for r in User.Role.values if r != User.Role.ADMIN])
def test_only_administrators_start_bulk_jobs(make_credential, role):
    credential = make_credential(issued=False)
    with pytest.raises(NotAllowed):
        bulk.start_bulk_job(
            action="remind", credential_ids=[credential.pk], actor=UserFactory(role=role, is_staff=True), params={}
        )
    assert not BulkJob.objects.exists()


# --- running a job --------------------------------------------------------------------------------------------


def test_a_bulk_suspension_suspends_each_credential_with_the_reason(make_credential, admin_user, run_job):
    credentials = [make_credential(), make_credential()]
    job = run_job(
        action="suspend",
        credentials=credentials,
        actor=admin_user,
        params={"category": "under_investigation", "reason": "Unpaid fee"},
    )
    assert job.status == BulkJob.Status.DONE and job.started_at and job.finished_at
    for credential in credentials:
        credential.refresh_from_db()
        assert credential.status == Credential.Status.SUSPENDED
        assert credential.suspension_reason == "Unpaid fee"
        assert items(job)[credential.pk].status == Item.DONE
    assert status.status_bit(
        list_url=issuance.status_list_url(credentials[0].status_entries.get(purpose="suspension").status_list),
        index=credentials[0].status_entries.get(purpose="suspension").index,
    )
    assert len(mail.outbox) == 2  # each holder is told, once the item committed


def test_one_failing_credential_does_not_stop_the_batch(make_credential, admin_user, run_job):
    first, not_issued, last = make_credential(), make_credential(issued=False), make_credential()
    job = run_job(
        action="suspend",
        credentials=[first, not_issued, last],
        actor=admin_user,
        params={"category": "under_investigation", "reason": "Audit"},
    )
    outcome = items(job)
    assert outcome[first.pk].status == outcome[last.pk].status == Item.DONE
    assert outcome[not_issued.pk].status == Item.FAILED
    assert "Only an active credential can be suspended" in outcome[not_issued.pk].error
    assert Credential.objects.get(pk=last.pk).status == Credential.Status.SUSPENDED
    progress = bulk.bulk_job_progress(job=job)
    assert progress["status"] == "done"
    assert (progress["total"], progress["done"], progress["failed"], progress["pending"], progress["percent"]) == (
        3,
        2,
        1,
        0,
        100,
    )
    assert progress["failures"] == [
        {
            "credential": str(not_issued.pk),
            "serial": not_issued.serial,
            "holder": not_issued.holder_name,
            "error": outcome[not_issued.pk].error,
        }
    ]


def test_an_unexpected_crash_of_one_action_is_recorded_and_the_batch_goes_on(
    make_credential, admin_user, run_job, monkeypatch
):
    first, second = make_credential(), make_credential()
    real_suspend = status.suspend

    def flaky(*, credential, **kwargs):
        if credential.pk == first.pk:
            raise RuntimeError("seal device unplugged")
        return real_suspend(credential=credential, **kwargs)

    monkeypatch.setattr(status, "suspend", flaky)
    job = run_job(
        action="suspend",
        credentials=[first, second],
        actor=admin_user,
        params={"category": "under_investigation", "reason": "Audit"},
    )
    outcome = items(job)
    assert (outcome[first.pk].status, outcome[first.pk].error) == (Item.FAILED, "RuntimeError: seal device unplugged")
    assert outcome[second.pk].status == Item.DONE
    assert Credential.objects.get(pk=first.pk).status == Credential.Status.ACTIVE


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside: the item's transaction never commits, nothing else runs."""


def test_a_run_killed_half_way_is_finished_by_the_next_run_and_no_item_is_done_twice(
    make_credential, admin_user, django_capture_on_commit_callbacks, monkeypatch
):
    credentials = [make_credential() for _ in range(4)]
    with django_capture_on_commit_callbacks(execute=False):
        job = bulk.start_bulk_job(
            action="suspend",
            credential_ids=[c.pk for c in credentials],
            actor=admin_user,
            params={"category": "under_investigation", "reason": "Audit"},
        )
    real_suspend, calls = status.suspend, []

    def dies_on_the_third(*, credential, **kwargs):
        calls.append(credential.pk)
        result = real_suspend(credential=credential, **kwargs)  # its writes are made, then the worker dies
        if len(calls) == 3:
            raise WorkerKilled
        return result

    monkeypatch.setattr(status, "suspend", dies_on_the_third)
    with pytest.raises(WorkerKilled):
        bulk.run_bulk_job(job_id=job.pk)
    outcome = items(job)
    assert [outcome[c.pk].status for c in credentials] == [Item.DONE, Item.DONE, Item.PENDING, Item.PENDING]
    # The killed item's suspension was rolled back with it.
    assert Credential.objects.get(pk=credentials[2].pk).status == Credential.Status.ACTIVE
    job.refresh_from_db()
    assert job.status == BulkJob.Status.RUNNING

    monkeypatch.setattr(status, "suspend", real_suspend)
    assert bulk.run_bulk_job(job_id=job.pk) == 2
    assert bulk.run_bulk_job(job_id=job.pk) == 0  # and a third run finds nothing to do
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE
    for credential in credentials:
        assert items(job)[credential.pk].status == Item.DONE
        assert Credential.objects.get(pk=credential.pk).status == Credential.Status.SUSPENDED
        assert events(credential, "credential.suspended") == 1


@pytest.mark.django_db(transaction=True)
def test_an_item_held_by_another_runner_is_skipped_and_left_to_it(catalogue, profile, admin_user, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL (CI runs this test there).")
    monkeypatch.setattr(bulk, "enqueue_bulk_job", lambda job_id: None)
    monkeypatch.setattr(issuance, "enqueue_issuance", lambda credential_id: None)
    now = timezone.now()
    credentials = [
        issuance.create_credential(
            holder=member(),
            profile=profile,
            scheme_version=profile.scheme_version,
            valid_from=now,
            decided_at=now,
            actor=None,
        )
        for _ in range(3)
    ]
    Credential.objects.update(status=Credential.Status.ACTIVE, issuance=Credential.Issuance.DONE)
    job = bulk.start_bulk_job(
        action="suspend",
        credential_ids=[c.pk for c in credentials],
        actor=admin_user,
        params={"category": "under_investigation", "reason": "Audit"},
    )
    held = BulkJobItem.objects.filter(job=job).order_by("pk").first()
    locked, release = threading.Event(), threading.Event()

    def other_runner():
        try:
            with transaction.atomic():
                BulkJobItem.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=other_runner)
    thread.start()
    try:
        assert locked.wait(30)
        assert bulk.run_bulk_job(job_id=job.pk) == 2
        job.refresh_from_db()
        assert job.status == BulkJob.Status.RUNNING  # the held item is still pending: the job is not over
        assert BulkJobItem.objects.get(pk=held.pk).status == Item.PENDING
    finally:
        release.set()
        thread.join()
    assert bulk.run_bulk_job(job_id=job.pk) == 1
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE
    assert all(events(c, "credential.suspended") == 1 for c in credentials)


def test_the_sweeper_enqueues_again_a_job_whose_task_was_lost(
    make_credential, admin_user, django_capture_on_commit_callbacks
):
    credential = make_credential()
    with django_capture_on_commit_callbacks(execute=False):  # the task never reaches the broker
        job = bulk.start_bulk_job(action="remind", credential_ids=[credential.pk], actor=admin_user, params={})
    assert bulk.resume_stalled_bulk_jobs() == 0  # too recent to be called stalled
    later = timezone.now() + bulk.STALLED_AFTER + datetime.timedelta(seconds=1)
    assert bulk.resume_stalled_bulk_jobs(now=later) == 1  # tasks run eagerly in the tests
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE and items(job)[credential.pk].status == Item.DONE
    assert bulk.resume_stalled_bulk_jobs(now=later) == 0


def test_a_finished_job_is_not_run_again(make_credential, admin_user, run_job):
    credential = make_credential()
    job = run_job(action="remind", credentials=[credential], actor=admin_user)
    assert len(mail.outbox) == 1
    assert bulk.run_bulk_job(job_id=job.pk) == 0
    assert len(mail.outbox) == 1


# --- the actions ----------------------------------------------------------------------------------------------


def test_a_reminder_tells_the_holder_when_the_credential_ends_and_where_to_renew(make_credential, admin_user, run_job):
    credential = make_credential(days=45)
    job = run_job(action="remind", credentials=[credential], actor=admin_user)
    assert items(job)[credential.pk].status == Item.DONE
    (message,) = mail.outbox
    assert message.to == [credential.holder.email]
    assert credential.serial in message.subject
    assert date_format(timezone.localtime(credential.valid_until).date(), "DATE_FORMAT") in message.subject
    assert "expires in 45 days" in message.body or "expires in 44 days" in message.body
    assert f"/credentials/{credential.pk}/renewal/" in message.body
    event = CredentialEvent.objects.get(credential=credential, action="credential.reminder_sent")
    assert event.actor == admin_user


def test_no_reminder_for_a_credential_that_is_not_active(make_credential, admin_user, run_job):
    suspended = make_credential()
    status.suspend(credential=suspended, actor=admin_user, category="under_investigation", reason="Audit")
    outbox.deliver_due()  # the suspension's e-mail, written to the outbox in the test's transaction
    mail.outbox.clear()
    job = run_job(action="remind", credentials=[suspended], actor=admin_user)
    assert items(job)[suspended.pk].status == Item.FAILED
    assert mail.outbox == [] and events(suspended, "credential.reminder_sent") == 0


def test_a_bulk_renewal_creates_one_successor_per_credential_issued_by_the_pipeline(
    make_credential, admin_user, run_job
):
    first, second = make_credential(days=20, cpd=True), make_credential(days=40, cpd=True)
    job = run_job(action="renew", credentials=[first, second], actor=admin_user, params={"note": "Board policy 7"})
    assert job.status == BulkJob.Status.DONE
    for old in (first, second):
        item = items(job)[old.pk]
        assert item.status == Item.DONE, item.error
        new = Credential.objects.get(pk=item.result_credential_id)
        assert new.predecessor_id == old.pk and new.basis == Credential.Basis.RENEWAL
        assert new.issuance == Credential.Issuance.DONE and new.status == Credential.Status.ACTIVE
        assert new.sealed_json and new.pdf
        assert new.valid_from == Credential.objects.get(pk=old.pk).valid_until
    progress = bulk.bulk_job_progress(job=job)
    assert (progress["done"], progress["issued"], progress["issuance_failed"]) == (2, 2, 0)


def test_renewing_twice_is_harmless_the_second_job_skips_what_the_first_renewed(make_credential, admin_user, run_job):
    credential = make_credential(cpd=True)
    first_job = run_job(action="renew", credentials=[credential], actor=admin_user)
    successor = items(first_job)[credential.pk].result_credential
    count = Credential.objects.count()
    second_job = run_job(action="renew", credentials=[credential], actor=admin_user)
    item = items(second_job)[credential.pk]
    assert (item.status, item.result_credential, item.error) == (
        Item.SKIPPED,
        None,
        f"Already renewed: {successor.serial}.",
    )
    assert Credential.objects.count() == count
    assert Credential.objects.filter(predecessor=credential).count() == 1
    progress = bulk.bulk_job_progress(job=second_job)
    assert (progress["done"], progress["skipped"], progress["issued"]) == (0, 1, 0)  # nothing made by this job


def test_a_bulk_renewal_skips_credentials_outside_the_renewal_rules_and_says_why(make_credential, admin_user, run_job):
    within = make_credential(days=40, cpd=True)
    too_early = make_credential(days=1000)  # issued days ago: the window opens in 2½ years
    no_cpd = make_credential(days=40)

    job = run_job(action="renew", credentials=[within, too_early, no_cpd], actor=admin_user)

    outcome = items(job)
    assert outcome[within.pk].status == Item.DONE and outcome[within.pk].result_credential is not None
    assert outcome[too_early.pk].status == Item.SKIPPED
    assert "Outside the renewal window, which opens on" in outcome[too_early.pk].error
    assert outcome[no_cpd.pk].status == Item.SKIPPED and "CPD rules not met" in outcome[no_cpd.pk].error
    assert not Credential.objects.filter(predecessor__in=[too_early, no_cpd]).exists()
    progress = bulk.bulk_job_progress(job=job)
    assert (progress["done"], progress["skipped"], progress["failed"], progress["issued"]) == (1, 2, 0, 1)


def test_with_an_override_reason_the_job_renews_outside_the_rules_and_records_the_reason_on_each(
    make_credential, admin_user, run_job
):
    too_early = make_credential(days=1000)

    job = run_job(
        action="renew",
        credentials=[too_early],
        actor=admin_user,
        params={"note": "", "override_reason": "Scheme migration approved by the board on 1 Dec."},
    )

    assert items(job)[too_early.pk].status == Item.DONE
    event = CredentialEvent.objects.get(credential=too_early, action="renewal.approved")
    assert event.data["override_reason"] == "Scheme migration approved by the board on 1 Dec."
    assert len(event.data["rules_overridden"]) == 2


def test_the_preview_splits_a_selection_by_the_renewal_rules(make_credential, admin_user):
    within, outside = make_credential(days=40, cpd=True), make_credential(days=1000)
    revoked = make_credential(days=40, cpd=True)
    status.revoke(credential=revoked, actor=admin_user, category="misconduct", reason="Fraud")

    preview = bulk.preview_renewal(credential_ids=[within.pk, outside.pk, revoked.pk], actor=admin_user)

    assert [row.credential.pk for row in preview.within] == [within.pk]
    assert [row.credential.pk for row in preview.outside] == [outside.pk]
    assert len(preview.outside[0].problems) == 2
    assert [row.credential.pk for row in preview.refused] == [revoked.pk]
    assert "revoked" in preview.refused[0].problems[0]
    with pytest.raises(NotAllowed):
        bulk.preview_renewal(credential_ids=[within.pk], actor=within.holder)


def test_a_revoked_credential_is_not_renewed_and_the_others_are(make_credential, admin_user, run_job):
    revoked, good = make_credential(cpd=True), make_credential(cpd=True)
    status.revoke(credential=revoked, actor=admin_user, category="misconduct", reason="Fraud")
    job = run_job(action="renew", credentials=[revoked, good], actor=admin_user)
    outcome = items(job)
    assert outcome[revoked.pk].status == Item.FAILED and "revoked" in outcome[revoked.pk].error
    assert outcome[good.pk].status == Item.DONE
    assert not Credential.objects.filter(predecessor=revoked).exists()


# --- the expiring list, its actions and the export --------------------------------------------------------------


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_the_list_shows_the_next_90_days_by_default(make_credential, admin_client):
    soon, later = make_credential(days=30, issued=False), make_credential(days=120, issued=False)
    past = make_credential(days=-5, issued=False)
    response = admin_client.get("/credentials/manage/expiring/")
    assert response.status_code == 200
    page = response.content.decode()
    assert soon.serial in page and later.serial not in page and past.serial not in page
    assert f'value="{timezone.localdate().isoformat()}"' in page


def test_the_list_filters_by_period_profile_and_status(make_credential, admin_client, admin_user):
    active, suspended = make_credential(days=150), make_credential(days=160)
    status.suspend(credential=suspended, actor=admin_user, category="under_investigation", reason="Audit")
    today = timezone.localdate()
    period = {"expires_from": today + datetime.timedelta(days=100), "expires_to": today + datetime.timedelta(days=200)}
    page = admin_client.get("/credentials/manage/expiring/", period).content.decode()
    assert active.serial in page and suspended.serial in page
    page = admin_client.get("/credentials/manage/expiring/", {**period, "status": "suspended"}).content.decode()
    assert active.serial not in page and suspended.serial in page
    other_profile = type(active.profile).objects.exclude(pk=active.profile_id).first()
    page = admin_client.get("/credentials/manage/expiring/", {**period, "profile": other_profile.pk}).content.decode()
    assert active.serial not in page and suspended.serial not in page


def test_suspending_the_selected_credentials_starts_a_job_and_shows_its_progress(
    make_credential, admin_client, django_capture_on_commit_callbacks
):
    chosen, other = make_credential(), make_credential()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/credentials/manage/expiring/",
            {
                "action": "suspend",
                "scope": "selected",
                "credential": [str(chosen.pk)],
                "category": "requirements_not_met",
                "reason": "Unpaid fee",
            },
        )
    job = BulkJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/credentials/manage/jobs/{job.pk}/"
    assert set(items(job)) == {chosen.pk}
    assert Credential.objects.get(pk=chosen.pk).status == Credential.Status.SUSPENDED
    assert Credential.objects.get(pk=other.pk).status == Credential.Status.ACTIVE
    page = admin_client.get(response["Location"]).content.decode()
    assert f'data-progress-url="/api/v1/bulk-jobs/{job.pk}"' in page and "js/bulk-job.js" in page
    assert 'value="100"' in page and "Unpaid fee" in page


def test_a_bulk_renewal_asks_first_shows_the_split_and_renews_outside_the_rules_only_with_a_reason(
    make_credential, admin_client, django_capture_on_commit_callbacks
):
    within, outside = make_credential(days=40, cpd=True), make_credential(days=60)
    chosen = {"action": "renew", "scope": "selected", "credential": [str(within.pk), str(outside.pk)], "note": ""}

    confirm = admin_client.post("/credentials/manage/expiring/", chosen)

    assert confirm.status_code == 200 and not BulkJob.objects.exists()
    page = confirm.content.decode()
    assert "1 credential is within the rules" in page and "1 credential is outside the rules" in page
    assert outside.serial in page and "CPD rules not met" in page
    refused = admin_client.post(
        "/credentials/manage/expiring/", {**chosen, "confirmed": "1", "override": "on", "override_reason": " "}
    )
    assert refused.status_code == 400 and "Give the reason" in refused.content.decode()
    assert not BulkJob.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        started = admin_client.post(
            "/credentials/manage/expiring/",
            {**chosen, "confirmed": "1", "override": "on", "override_reason": "CPD checked on paper"},
        )

    job = BulkJob.objects.get()
    assert started.status_code == 302 and job.params["override_reason"] == "CPD checked on paper"
    assert {item.status for item in items(job).values()} == {Item.DONE}
    page = admin_client.get(started["Location"]).content.decode()
    for old in (within, outside):
        new = items(job)[old.pk].result_credential
        assert old.serial in page and new.serial in page
    assert "Renewed" in page and "CPD checked on paper" in page


def test_confirming_without_the_override_skips_those_outside_the_rules_and_the_job_page_says_why(
    make_credential, admin_client, django_capture_on_commit_callbacks
):
    within, outside = make_credential(days=40, cpd=True), make_credential(days=60)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/credentials/manage/expiring/",
            {"action": "renew", "scope": "all", "confirmed": "1", "note": ""},
        )
    job = BulkJob.objects.get()
    assert response.status_code == 302
    assert items(job)[within.pk].status == Item.DONE and items(job)[outside.pk].status == Item.SKIPPED
    page = admin_client.get(response["Location"]).content.decode()
    assert "Skipped" in page and "Outside the renewal rules: CPD rules not met" in page


def test_every_credential_matching_the_filter_can_be_chosen_at_once(make_credential, admin_client):
    inside, outside = make_credential(days=10, issued=False), make_credential(days=200, issued=False)
    response = admin_client.post("/credentials/manage/expiring/", {"action": "remind", "scope": "all"})
    assert response.status_code == 302
    assert set(items(BulkJob.objects.get())) == {inside.pk}
    assert outside.pk not in items(BulkJob.objects.get())


def test_a_suspension_without_reason_is_refused_on_the_page(make_credential, admin_client):
    credential = make_credential(issued=False)
    response = admin_client.post(
        "/credentials/manage/expiring/", {"action": "suspend", "scope": "selected", "credential": [str(credential.pk)]}
    )
    assert response.status_code == 400
    assert "A suspension needs a reason." in response.content.decode()
    assert not BulkJob.objects.exists()


def test_the_csv_export_lists_the_chosen_credentials(make_credential, admin_client):
    first, second = make_credential(days=10, issued=False), make_credential(days=20, issued=False)
    response = admin_client.post("/credentials/manage/expiring/", {"action": "export", "scope": "all"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="credentials-expiring-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["serial", "holder_name", "email", "profile", "status", "valid_from", "valid_until"]
    assert rows[1] == [
        first.serial,
        first.holder_name,
        first.holder.email,
        first.profile.code,
        "issuing",
        timezone.localtime(first.valid_from).isoformat(),
        timezone.localtime(first.valid_until).isoformat(),
    ]
    assert [row[0] for row in rows[1:]] == [first.serial, second.serial]
    assert not BulkJob.objects.exists()


def test_the_csv_export_defuses_formulas(make_credential, admin_client):
    evil = make_credential(issued=False, first_name='=HYPERLINK("http://evil.example","x")', last_name="")
    response = admin_client.post(
        "/credentials/manage/expiring/", {"action": "export", "scope": "selected", "credential": [str(evil.pk)]}
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1][1] == "'" + evil.holder_name and evil.holder_name.startswith("=")


@pytest.mark.parametrize(
    "value, cell",
    [
        ("=1+2", "'=1+2"),
        ("+39 055 123", "'+39 055 123"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("Ada = Lovelace", "Ada = Lovelace"),
        ("AIPIA-2026-000001", "AIPIA-2026-000001"),
        (None, ""),
    ],
)
def test_csv_cells_that_start_like_a_formula_get_a_quote(value, cell):
    assert bulk.csv_safe(value) == cell


@pytest.mark.parametrize("url", ["/credentials/manage/expiring/", "/credentials/manage/jobs/{job}/"])
def test_the_pages_are_for_administrators_only(client, make_credential, admin_user, url):
    credential = make_credential(issued=False)
    job = bulk.start_bulk_job(action="remind", credential_ids=[credential.pk], actor=admin_user, params={})
    url = url.format(job=job.pk)
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(UserFactory(role=User.Role.ASSESSOR, is_staff=True))
    assert client.get(url).status_code == 403
    assert client.post("/credentials/manage/expiring/", {"action": "export", "scope": "all"}).status_code == 403
    client.force_login(credential.holder)
    assert client.get(url).status_code == 403


# --- the API --------------------------------------------------------------------------------------------------


@pytest.fixture
def api(admin_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


def test_the_api_starts_a_job_and_reports_its_progress(make_credential, api, django_capture_on_commit_callbacks):
    first, not_issued = make_credential(), make_credential(issued=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/bulk-jobs",
            {
                "action": "suspend",
                "credentials": [str(first.pk), str(not_issued.pk)],
                "params": {"category": "under_investigation", "reason": "Audit"},
            },
            format="json",
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"] == f"/api/v1/bulk-jobs/{body['id']}"
    assert (body["action"], body["total"], body["pending"]) == ("suspend", 2, 2)  # answered before the commit
    progress = api.get(response["Location"]).json()
    assert progress["status"] == "done"
    assert (progress["done"], progress["failed"], progress["percent"], progress["issued"]) == (1, 1, 100, None)
    assert progress["failures"][0]["credential"] == str(not_issued.pk)
    assert progress["failures"][0]["serial"] == not_issued.serial


@pytest.mark.parametrize(
    "body, code",
    [
        ({"action": "suspend", "credentials": ["{id}"]}, "invalid_category"),
        ({"action": "suspend", "credentials": ["{id}"], "params": {"category": "other"}}, "reason_required"),
        ({"action": "remind", "credentials": ["{unknown}"]}, "unknown_credentials"),
    ],
)
def test_the_api_refuses_invalid_jobs_with_a_reason(make_credential, api, body, code):
    credential = make_credential(issued=False)
    body = {**body, "credentials": [c.format(id=credential.pk, unknown=uuid.uuid4()) for c in body["credentials"]]}
    response = api.post("/api/v1/bulk-jobs", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == code
    assert not BulkJob.objects.exists()


def test_the_api_previews_a_renewal_and_lists_every_items_outcome(
    make_credential, api, django_capture_on_commit_callbacks
):
    within, outside = make_credential(days=40, cpd=True), make_credential(days=60)
    ids = [str(within.pk), str(outside.pk)]

    preview = api.post("/api/v1/bulk-jobs/preview", {"credentials": ids}, format="json").json()

    assert (preview["total"], preview["within"], len(preview["refused"])) == (2, 1, 0)
    assert preview["outside"][0]["serial"] == outside.serial
    assert preview["outside"][0]["problems"][0].startswith("CPD rules not met")
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post("/api/v1/bulk-jobs", {"action": "renew", "credentials": ids}, format="json")
    listed = api.get(started["Location"] + "/items").json()
    outcomes = {row["serial"]: row for row in listed["results"]}
    assert listed["count"] == 2
    assert outcomes[within.serial]["outcome"] == "done" and outcomes[within.serial]["new_serial"]
    assert outcomes[outside.serial]["outcome"] == "skipped" and "CPD" in outcomes[outside.serial]["detail"]
    progress = api.get(started["Location"]).json()
    assert (progress["done"], progress["skipped"], progress["issued"]) == (1, 1, 1)


def test_the_api_validates_its_input(api):
    for body in ({"action": "renew", "credentials": []}, {"action": "explode", "credentials": [str(uuid.uuid4())]}):
        assert api.post("/api/v1/bulk-jobs", body, format="json").status_code == 400
    assert api.get(f"/api/v1/bulk-jobs/{uuid.uuid4()}").status_code == 404


def test_the_api_is_for_administrators_only(make_credential, admin_user):
    credential = make_credential(issued=False)
    job = bulk.start_bulk_job(action="remind", credential_ids=[credential.pk], actor=admin_user, params={})
    anonymous = APIClient()
    assert anonymous.get(f"/api/v1/bulk-jobs/{job.pk}").status_code in (401, 403)
    assert anonymous.post("/api/v1/bulk-jobs", {}, format="json").status_code in (401, 403)
    holder = APIClient()
    assert holder.login(email=credential.holder.email, password=PASSWORD)
    response = holder.post(
        "/api/v1/bulk-jobs", {"action": "remind", "credentials": [str(credential.pk)]}, format="json"
    )
    assert response.status_code == 403 and response.json()["code"] == "not_allowed"
    assert holder.get(f"/api/v1/bulk-jobs/{job.pk}").status_code == 403
    assert BulkJob.objects.count() == 1
