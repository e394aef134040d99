"""The daily lifecycle: reminders before expiry (at most once each), expiry, and the command that runs it."""

import datetime
import json
import smtplib
import threading
from io import StringIO

import pytest
from celery.schedules import crontab
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from aipia.errors import DomainError
from credentials import tasks
from credentials.models import Credential, CredentialEvent, ExpiryReminder, StatusListEntry
from credentials.services import attestation as attestations
from credentials.services import issuance, lifecycle, status
from credentials.services.issuance import status_list_url
from outbox import services as outbox
from outbox.models import Message

from ..factories import member

Status = Credential.Status
UTC = datetime.UTC
# The end date of most credentials below: 30 March 2029, 12:00 in Rome.
END = datetime.datetime(2029, 3, 30, 10, 0, tzinfo=UTC)
END_DAY = datetime.date(2029, 3, 30)


def days_before(days: int, day: datetime.date = END_DAY) -> datetime.date:
    return day - datetime.timedelta(days=days)


def set_validity(credential: Credential, valid_until: datetime.datetime) -> Credential:
    Credential.objects.filter(pk=credential.pk).update(
        valid_until=valid_until, valid_from=valid_until - datetime.timedelta(days=3 * 365)
    )
    credential.refresh_from_db()
    return credential


def another_credential(profile, *, valid_until: datetime.datetime = END, predecessor=None, **fields) -> Credential:
    """A credential row made by the issuance service (documents not built: reminders and expiry don't read them)."""
    credential = issuance.create_credential(
        holder=predecessor.holder if predecessor else member(),
        profile=profile,
        scheme_version="1.0",
        valid_from=valid_until - datetime.timedelta(days=3 * 365),
        valid_until=valid_until,
        decided_at=timezone.now(),
        actor=None,
        predecessor=predecessor,
    )
    Credential.objects.filter(pk=credential.pk).update(status=Status.ACTIVE, **fields)
    credential.refresh_from_db()
    return credential


def reminders(credential) -> list[tuple[int, bool]]:
    rows = ExpiryReminder.objects.filter(credential=credential).order_by("offset_days")
    return [(row.offset_days, row.sent_at is not None) for row in rows]


@pytest.fixture
def ending(issued_credential) -> Credential:
    """The issued credential, valid until END; the outbox emptied of its issuance e-mail (and of the e-mails of the
    dossier's steps, whose commit the fixtures did not run)."""
    mail.outbox.clear()
    Message.objects.all().delete()
    return set_validity(issued_credential, END)


# --- reminders -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "days_left, offset",
    [(91, None), (90, 90), (31, 90), (30, 30), (8, 30), (7, 7), (1, 7)],
)
def test_the_reminder_due_is_sent_at_90_30_and_7_days_before_expiry(ending, days_left, offset):
    sent = lifecycle.send_expiry_reminders(as_of=days_before(days_left))
    if offset is None:
        assert sent == 0 and mail.outbox == [] and reminders(ending) == []
        return
    assert sent == 1
    assert reminders(ending) == [(offset, True)]
    (message,) = mail.outbox
    assert message.to == [ending.holder.email]
    assert f"expires in {days_left} days" in message.body


def test_the_email_gives_the_days_left_the_end_date_and_the_renewal_link(ending, settings):
    settings.SITE_URL = "https://credentials.aipia.example"
    lifecycle.send_expiry_reminders(as_of=days_before(30))
    (message,) = mail.outbox
    assert ending.serial in message.subject and "March 30, 2029" in message.subject
    assert "expires in 30 days, on March 30, 2029" in message.body
    assert f"https://credentials.aipia.example/credentials/{ending.pk}/renewal/" in message.body


def test_the_email_is_written_in_the_holders_language(ending):
    ending.holder.preferred_language = "it"
    ending.holder.save(update_fields=["preferred_language"])
    lifecycle.send_expiry_reminders(as_of=days_before(7))
    (message,) = mail.outbox
    assert "30 marzo 2029" in message.body.lower()
    assert "March" not in message.body


def test_a_job_that_did_not_run_for_weeks_sends_only_the_most_urgent_reminder(ending):
    assert lifecycle.send_expiry_reminders(as_of=days_before(5)) == 1
    assert reminders(ending) == [(7, True)]
    assert lifecycle.send_expiry_reminders(as_of=days_before(3)) == 0
    assert len(mail.outbox) == 1


def test_a_larger_offset_is_not_sent_after_a_smaller_one(ending):
    lifecycle.send_expiry_reminders(as_of=days_before(20))  # the 30-day one
    assert lifecycle.send_expiry_reminders(as_of=days_before(60)) == 0  # replaying an earlier day
    assert reminders(ending) == [(30, True)] and len(mail.outbox) == 1


def test_every_offset_is_reminded_once_over_the_last_hundred_days(ending):
    sent = [lifecycle.send_expiry_reminders(as_of=days_before(days)) for days in range(100, -1, -1)]
    assert sum(sent) == 3
    assert reminders(ending) == [(7, True), (30, True), (90, True)]
    assert ["90 days" in m.body for m in mail.outbox] == [True, False, False]
    assert ["in 7 days" in m.body for m in mail.outbox] == [False, False, True]


def test_running_the_job_twice_on_the_same_day_sends_no_second_email(ending):
    assert lifecycle.send_expiry_reminders(as_of=days_before(30)) == 1
    assert lifecycle.send_expiry_reminders(as_of=days_before(30)) == 0
    assert len(mail.outbox) == 1


def test_the_offsets_come_from_the_settings(ending, settings):
    settings.EXPIRY_REMINDER_DAYS = [60, 14]
    assert lifecycle.send_expiry_reminders(as_of=days_before(30)) == 1
    assert reminders(ending) == [(60, True)]


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_reminder_once(issued_credential, profile, monkeypatch):
    """Both runs select the same reminders before either claims one: the claim decides who sends."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("Row locks need PostgreSQL (CI runs this test there).")
    set_validity(issued_credential, END)
    others = [another_credential(profile) for _ in range(3)]
    mail.outbox.clear()

    barrier, errors, counts = threading.Barrier(2), [], []
    real_due = lifecycle.due_reminders

    def due_then_wait(**kwargs):
        due = real_due(**kwargs)
        barrier.wait(timeout=30)
        return due

    monkeypatch.setattr(lifecycle, "due_reminders", due_then_wait)

    def run():
        try:
            counts.append(lifecycle.send_expiry_reminders(as_of=days_before(30)))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(counts) == 4
    assert len(mail.outbox) == 4
    assert sorted(m.to[0] for m in mail.outbox) == sorted(c.holder.email for c in [issued_credential, *others])
    assert ExpiryReminder.objects.filter(offset_days=30, sent_at__isnull=False).count() == 4


def test_a_reminder_whose_sending_failed_is_retried_by_the_outbox(ending, monkeypatch, clock):
    from django.core.mail import EmailMessage

    real_send = EmailMessage.send

    def refused(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("mail server down")

    monkeypatch.setattr(EmailMessage, "send", refused)
    assert lifecycle.send_expiry_reminders(as_of=days_before(30)) == 1
    assert reminders(ending) == [(30, True)] and mail.outbox == []
    message = Message.objects.get(dedupe_key__startswith="credentials.reminder:")
    assert message.status == Message.Status.PENDING and "mail server down" in message.last_error

    monkeypatch.setattr(EmailMessage, "send", real_send)
    # The next run of the job writes no second reminder; the outbox sends the first once its retry is due.
    assert lifecycle.send_expiry_reminders(as_of=days_before(29)) == 0
    assert outbox.deliver_due() == 0
    clock.move_by(outbox.retry_delay(1))
    assert outbox.deliver_due() == 1
    assert len(mail.outbox) == 1 and "expires" in mail.outbox[0].subject


def test_one_failed_reminder_does_not_stop_the_others(ending, profile, monkeypatch):
    from django.core.mail import EmailMessage

    other = another_credential(profile)
    real_send = EmailMessage.send

    def refuse_one(self, *args, **kwargs):
        if self.to == [ending.holder.email]:
            raise smtplib.SMTPRecipientsRefused({ending.holder.email: (550, b"no such user")})
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", refuse_one)
    assert lifecycle.send_expiry_reminders(as_of=days_before(30)) == 2
    assert [m.to for m in mail.outbox] == [[other.holder.email]]
    failed = Message.objects.get(recipients=[ending.holder.email], dedupe_key__startswith="credentials.reminder:")
    assert failed.status == Message.Status.PENDING


def test_a_reminder_whose_sender_died_mid_send_is_not_sent_again_and_is_shown_as_unknown(ending, monkeypatch, clock):
    def killed(*args, **kwargs):
        raise SystemExit("worker killed")  # not an error the outbox handles: the claim stays, as after SIGKILL

    monkeypatch.setattr(outbox, "_send_email", killed)
    with pytest.raises(SystemExit):
        lifecycle.send_expiry_reminders(as_of=days_before(30))
    monkeypatch.undo()
    message = Message.objects.get(dedupe_key__startswith="credentials.reminder:")
    assert message.status == Message.Status.SENDING

    clock.move_by(datetime.timedelta(hours=1))
    assert outbox.deliver_due() == 0
    message.refresh_from_db()
    assert message.status == Message.Status.UNKNOWN and outbox.unknown_emails() == [message]
    assert lifecycle.send_expiry_reminders(as_of=days_before(29)) == 0
    assert lifecycle.send_expiry_reminders(as_of=days_before(20)) == 0  # the 30-day one is still the one due
    assert mail.outbox == []


def test_a_claim_left_by_a_dead_run_is_never_sent_again(ending):
    """At most once: a claim without sent_at (the run died before sending) means that reminder is lost."""
    ExpiryReminder.objects.create(credential=ending, offset_days=30, claimed_at=timezone.now())
    assert lifecycle.send_expiry_reminders(as_of=days_before(30)) == 0
    assert mail.outbox == []
    # The next offset is still sent when it falls due.
    assert lifecycle.send_expiry_reminders(as_of=days_before(7)) == 1


def test_a_renewed_credential_gets_no_reminder(ending, profile):
    another_credential(profile, valid_until=END + datetime.timedelta(days=3 * 365), predecessor=ending)
    mail.outbox.clear()
    assert lifecycle.send_expiry_reminders(as_of=days_before(30)) == 0
    assert reminders(ending) == [] and mail.outbox == []


@pytest.mark.parametrize("current", [Status.SUSPENDED, Status.REVOKED, Status.EXPIRED, Status.ISSUING])
def test_only_active_credentials_are_reminded(ending, current):
    Credential.objects.filter(pk=ending.pk).update(status=current)
    assert lifecycle.send_expiry_reminders(as_of=days_before(30)) == 0
    assert mail.outbox == []


def test_an_attestation_is_not_reminded_to_renew(ending):
    Credential.objects.filter(pk=ending.pk).update(kind=Credential.Kind.ATTESTATION)
    assert lifecycle.send_expiry_reminders(as_of=days_before(30)) == 0


def test_no_reminder_once_the_credential_has_expired(ending):
    assert lifecycle.send_expiry_reminders(as_of=END_DAY) == 0  # it ends during that day
    assert lifecycle.send_expiry_reminders(as_of=END_DAY + datetime.timedelta(days=1)) == 0
    assert mail.outbox == []


def test_no_reminder_for_a_credential_that_has_already_ended_in_reality(ending):
    """Replaying a past day does not remind of a validity that has ended since."""
    set_validity(ending, timezone.now() - datetime.timedelta(days=1))
    day = lifecycle.local_date(ending.valid_until) - datetime.timedelta(days=10)
    assert lifecycle.send_expiry_reminders(as_of=day) == 0


# --- expiry --------------------------------------------------------------------------------------------------


def test_an_active_credential_past_its_validity_is_marked_expired(ending):
    version = ending.status_version
    assert lifecycle.mark_expired(as_of=lifecycle.end_of_day(END_DAY)) == 1
    ending.refresh_from_db()
    assert ending.status == Status.EXPIRED and ending.expired_at is not None
    assert ending.status_version == version + 1
    event = ending.events.get(action="credential.expired")
    assert (event.from_status, event.to_status, event.actor) == (Status.ACTIVE, Status.EXPIRED, None)
    assert event.data["valid_until"] == END.isoformat()


def test_marking_expired_twice_changes_nothing_the_second_time(ending):
    lifecycle.mark_expired(as_of=lifecycle.end_of_day(END_DAY))
    ending.refresh_from_db()
    before = (ending.status_version, ending.expired_at, ending.events.count())
    assert lifecycle.mark_expired(as_of=lifecycle.end_of_day(END_DAY + datetime.timedelta(days=1))) == 0
    ending.refresh_from_db()
    assert (ending.status_version, ending.expired_at, ending.events.count()) == before


def test_a_credential_still_valid_is_not_marked_expired(ending):
    assert lifecycle.mark_expired(as_of=END) == 0  # valid until that very instant
    ending.refresh_from_db()
    assert ending.status == Status.ACTIVE and ending.expired_at is None


def test_a_suspended_credential_past_its_validity_expires_and_leaves_the_suspension_list(ending, admin_user):
    status.suspend(
        credential=ending,
        actor=admin_user,
        category="under_investigation",
        reason="Fees",
        until=timezone.now() + datetime.timedelta(days=1),
    )
    entry = StatusListEntry.objects.select_related("status_list").get(credential=ending, purpose="suspension")
    assert status.status_bit(list_url=status_list_url(entry.status_list), index=entry.index) is True
    assert lifecycle.mark_expired(as_of=lifecycle.end_of_day(END_DAY)) == 1
    ending.refresh_from_db()
    assert ending.status == Status.EXPIRED and ending.suspended_until is None
    assert status.status_bit(list_url=status_list_url(entry.status_list), index=entry.index) is False


def test_a_revoked_credential_stays_revoked(ending, admin_user):
    status.revoke(credential=ending, actor=admin_user, category="misconduct", reason="Fraud")
    assert lifecycle.mark_expired(as_of=lifecycle.end_of_day(END_DAY)) == 0
    ending.refresh_from_db()
    assert ending.status == Status.REVOKED and ending.expired_at is None
    assert not CredentialEvent.objects.filter(credential=ending, action="credential.expired").exists()


def test_a_naive_instant_is_refused(ending):
    with pytest.raises(ValueError, match="aware"):
        lifecycle.mark_expired(as_of=datetime.datetime(2029, 3, 31))


@pytest.mark.parametrize(
    "time_zone, end_of_day",
    [
        ("Europe/Rome", datetime.datetime(2029, 3, 30, 22, 0, tzinfo=UTC)),  # summer time, UTC+2
        ("UTC", datetime.datetime(2029, 3, 31, 0, 0, tzinfo=UTC)),
    ],
)
def test_a_day_ends_at_midnight_in_the_configured_time_zone(settings, time_zone, end_of_day):
    settings.TIME_ZONE = time_zone
    assert lifecycle.end_of_day(END_DAY) == end_of_day


def test_a_winter_day_in_rome_ends_at_23_utc(settings):
    settings.TIME_ZONE = "Europe/Rome"
    assert lifecycle.end_of_day(datetime.date(2029, 1, 15)) == datetime.datetime(2029, 1, 15, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize("time_zone, expired", [("Europe/Rome", False), ("UTC", True)])
def test_expiry_at_the_boundary_depends_on_the_time_zone(ending, settings, time_zone, expired):
    """Until 22:59:59Z on 30 March 2029 is 00:59:59 on 31 March in Rome: valid for the whole 30th there."""
    settings.TIME_ZONE = time_zone
    set_validity(ending, datetime.datetime(2029, 3, 30, 22, 59, 59, tzinfo=UTC))
    assert lifecycle.mark_expired(as_of=lifecycle.end_of_day(END_DAY)) == int(expired)
    # Either way it has expired as of the next day.
    lifecycle.mark_expired(as_of=lifecycle.end_of_day(END_DAY + datetime.timedelta(days=1)))
    ending.refresh_from_db()
    assert ending.status == Status.EXPIRED


@pytest.mark.parametrize("time_zone, days_left", [("Europe/Rome", 8), ("UTC", 7)])
def test_days_before_expiry_are_counted_in_the_configured_time_zone(ending, settings, time_zone, days_left):
    settings.TIME_ZONE = time_zone
    set_validity(ending, datetime.datetime(2029, 3, 30, 22, 59, 59, tzinfo=UTC))
    lifecycle.send_expiry_reminders(as_of=days_before(7))
    (message,) = mail.outbox
    assert f"expires in {days_left} days" in message.body


# --- the daily run -------------------------------------------------------------------------------------------


def test_today_is_judged_as_of_now_so_a_credential_ending_later_today_is_not_expired_early(ending):
    now = timezone.now()
    later_today = now + (lifecycle.end_of_day(lifecycle.local_date(now)) - now) / 2
    set_validity(ending, later_today)
    result = lifecycle.run_daily()
    assert result["expired"] == 0 and result["as_of"] == lifecycle.local_date(now).isoformat()
    ending.refresh_from_db()
    assert ending.status == Status.ACTIVE


def test_the_daily_run_expires_lifts_suspensions_and_reminds(ending, profile, admin_user):
    now = timezone.now()
    set_validity(ending, now - datetime.timedelta(hours=1))
    reminded = another_credential(profile, valid_until=now + datetime.timedelta(days=20))
    suspended = another_credential(profile, valid_until=now + datetime.timedelta(days=400))
    status.suspend(
        credential=suspended,
        actor=admin_user,
        category="under_investigation",
        reason="Fees",
        until=now + datetime.timedelta(hours=1),
    )
    Credential.objects.filter(pk=suspended.pk).update(suspended_until=now - datetime.timedelta(minutes=1))
    mail.outbox.clear()

    result = lifecycle.run_daily()

    assert result == {
        "reminders_sent": 1,
        "expired": 1,
        "suspensions_lifted": 1,
        "attestations_suspended": 0,
        "attestations_reinstated": 0,
        "as_of": lifecycle.local_date(now).isoformat(),
        "outbox_messages_pruned": 0,
    }
    assert Credential.objects.get(pk=ending.pk).status == Status.EXPIRED
    assert Credential.objects.get(pk=suspended.pk).status == Status.ACTIVE
    assert reminders(reminded) == [(30, True)]


def test_a_future_day_is_refused(db):
    tomorrow = lifecycle.local_date(timezone.now()) + datetime.timedelta(days=1)
    with pytest.raises(DomainError, match="has not come yet"):
        lifecycle.run_daily(as_of=tomorrow)


def test_the_beat_runs_the_lifecycle_every_morning(ending, settings):
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "credentials.daily_lifecycle"]
    assert entries == [{"task": "credentials.daily_lifecycle", "schedule": crontab(hour=6, minute=0)}]
    assert settings.CELERY_TIMEZONE == settings.TIME_ZONE
    result = tasks.daily_lifecycle_task.delay().get()
    assert set(result) == {
        "reminders_sent",
        "expired",
        "suspensions_lifted",
        "attestations_suspended",
        "attestations_reinstated",
        "as_of",
        "outbox_messages_pruned",
    }


# --- the command ---------------------------------------------------------------------------------------------


def run_command(*args: str) -> str:
    out = StringIO()
    call_command("credential_lifecycle", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_one_json_line(ending):
    output = run_command("--json")
    assert output.count("\n") == 1 and output.endswith("\n")
    result = json.loads(output)
    assert result == {
        "reminders_sent": 0,
        "expired": 0,
        "suspensions_lifted": 0,
        "attestations_suspended": 0,
        "attestations_reinstated": 0,
        "as_of": lifecycle.local_date(timezone.now()).isoformat(),
        "outbox_messages_pruned": 0,
    }


def test_the_command_replays_a_past_day(ending, profile):
    today = lifecycle.local_date(timezone.now())
    ended = today - datetime.timedelta(days=10)
    set_validity(ending, lifecycle.end_of_day(ended) - datetime.timedelta(hours=12))  # noon of that day
    reminded = another_credential(profile, valid_until=lifecycle.end_of_day(today + datetime.timedelta(days=20)))
    mail.outbox.clear()

    day_before = json.loads(run_command("--as-of", (ended - datetime.timedelta(days=1)).isoformat(), "--json"))
    assert day_before["expired"] == 0 and day_before["as_of"] == (ended - datetime.timedelta(days=1)).isoformat()
    # As of that day, the other credential had 32 days left: its 90-day reminder was due.
    assert day_before["reminders_sent"] == 1 and reminders(reminded) == [(90, True)]

    that_day = json.loads(run_command("--as-of", ended.isoformat(), "--json"))
    assert that_day["expired"] == 1 and that_day["reminders_sent"] == 0
    assert Credential.objects.get(pk=ending.pk).status == Status.EXPIRED


def test_the_command_says_what_it_did_without_json(ending):
    assert run_command().startswith(f"As of {lifecycle.local_date(timezone.now()).isoformat()}: 0 expired")


@pytest.mark.parametrize("value", ["2029-02-30", "30/03/2029", "yesterday", ""])
def test_a_bad_as_of_is_refused_with_a_clear_message(db, value):
    with pytest.raises(CommandError, match="--as-of must be a date as YYYY-MM-DD"):
        run_command("--as-of", value)


def test_a_future_as_of_is_refused(db):
    tomorrow = lifecycle.local_date(timezone.now()) + datetime.timedelta(days=1)
    with pytest.raises(CommandError, match="has not come yet"):
        run_command("--as-of", tomorrow.isoformat())


# --- shown as expired everywhere -----------------------------------------------------------------------------


def test_the_holder_sees_a_credential_past_its_validity_as_expired_before_the_job_runs(ending, client):
    set_validity(ending, timezone.now() - datetime.timedelta(minutes=1))
    assert Credential.objects.get(pk=ending.pk).status == Status.ACTIVE
    client.force_login(ending.holder)
    for url in (reverse("credentials:list"), reverse("credentials:detail", args=[ending.pk])):
        page = client.get(url).content.decode()
        assert '<span class="badge expired">Expired</span>' in page
        assert "badge active" not in page
    api = client.get(reverse("api-credential-detail", args=[ending.pk])).json()
    assert api["status"] == "expired"
    assert client.get(reverse("api-credential-list")).json()[0]["status"] == "expired"


def test_a_valid_credential_is_shown_with_its_stored_status(ending, client, admin_user):
    status.suspend(credential=ending, actor=admin_user, category="under_investigation", reason="Fees")
    client.force_login(ending.holder)
    assert '<span class="badge suspended">Suspended</span>' in client.get(reverse("credentials:list")).content.decode()
    assert client.get(reverse("api-credential-detail", args=[ending.pk])).json()["status"] == "suspended"


def test_the_daily_job_suspends_an_attestation_whose_membership_lapsed_by_date(
    applicant, django_capture_on_commit_callbacks
):
    from accounts.models import Membership

    with django_capture_on_commit_callbacks(execute=True):
        attestation = attestations.issue_attestation(member=applicant, actor=applicant)
    yesterday = lifecycle.local_date(timezone.now()) - datetime.timedelta(days=1)
    # The membership ends by its date, with no save (and so no signal) to announce it.
    Membership.objects.filter(user=applicant).update(valid_until=yesterday)

    result = lifecycle.run_daily()

    attestation.refresh_from_db()
    assert result["attestations_suspended"] == 1
    assert attestation.status == Status.SUSPENDED and attestation.suspension_reason == attestations.MEMBERSHIP_LAPSED
