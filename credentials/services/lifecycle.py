"""The daily life of issued credentials: reminders before expiry, expiry itself, and ended suspensions.

:func:`run_daily` is the one entry point of the beat task ``credentials.daily_lifecycle`` and of
``manage.py credential_lifecycle``. Every step is safe to run twice, or twice at the same time.

**What "as of a day" means.** Validity instants (``valid_from``, ``valid_until``) are aware datetimes. A day
``D`` ends at midnight between ``D`` and ``D + 1`` in ``settings.TIME_ZONE`` (:func:`end_of_day`). A
credential is *expired as of D* when its ``valid_until`` lies before that instant, so it was valid during
the whole of ``D`` only if it is still valid at the instant the day ends. Verification uses the same
comparison (expired once ``now > valid_until``). Example, ``TIME_ZONE = "Europe/Rome"`` (UTC+2 on 30 March
2029): a credential valid until ``2029-03-30T22:59:59Z`` (00:59:59 on 31 March in Rome) is not expired as of
2029-03-30; with ``TIME_ZONE = "UTC"`` it is. A day is never judged before it has happened: the run for
today uses the current instant, not today's midnight (:func:`run_daily`), and future days are refused.

**Days before expiry** are counted in calendar days of ``settings.TIME_ZONE``: the reminder for offset ``N``
(``settings.EXPIRY_REMINDER_DAYS``) is due as of ``D`` when ``D >= local date of valid_until - N days``.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Min
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from aipia.errors import DomainError
from credentials.models import Credential, CredentialEvent, ExpiryReminder, ShownStatus, StatusList
from credentials.services import attestation, status
from credentials.services.clock import end_of_day, local_date
from outbox import services as outbox
from outbox.models import Message

logger = logging.getLogger(__name__)

Status = Credential.Status

# Whose validity the lifecycle ends. A revoked credential stays revoked (revocation is final and says more
# than expiry); one being issued is not valid yet.
EXPIRES_FROM = frozenset({Status.ACTIVE, Status.SUSPENDED})


def shown_status(credential: Credential, *, now: datetime.datetime | None = None) -> ShownStatus:
    """The status to show for ``credential``: its stored one, except that an active or suspended credential
    whose validity has ended is shown as expired even before the daily job has marked it so, and an active one
    whose validity has not begun (a renewal's successor) as not yet valid."""
    current = ShownStatus(credential.status)
    now = now or timezone.now()
    if current in EXPIRES_FROM and credential.valid_until < now:
        return ShownStatus.EXPIRED
    if current == ShownStatus.ACTIVE and credential.valid_from > now:
        return ShownStatus.NOT_YET_VALID
    return current


# --- reminders -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _DueReminder:
    credential_id: uuid.UUID
    offset_days: int


def reminder_offsets() -> list[int]:
    """``settings.EXPIRY_REMINDER_DAYS``, most urgent first, without duplicates or non-positive values."""
    return sorted({int(days) for days in settings.EXPIRY_REMINDER_DAYS if int(days) > 0})


def due_reminders(*, as_of: datetime.date) -> list[_DueReminder]:
    """For each credential to remind as of ``as_of``, its most urgent due offset not yet claimed.

    Reminded: active certifications (an attestation follows the membership and is not renewed with CPD)
    without a successor, valid beyond ``as_of`` and beyond the current instant, whose end is at most the
    largest offset away. A credential that already has a reminder for the due offset or a smaller one gets
    nothing: a job that did not run for weeks sends one e-mail, the most urgent, not one per missed offset.
    """
    offsets = reminder_offsets()
    if not offsets:
        return []
    not_expired_after = max(end_of_day(as_of), timezone.now())
    candidates = (
        Credential.objects.filter(
            status=Status.ACTIVE,
            kind=Credential.Kind.CERTIFICATION,
            successor__isnull=True,
            valid_until__gte=not_expired_after,
            valid_until__lt=end_of_day(as_of + datetime.timedelta(days=offsets[-1])),
        )
        .annotate(smallest_reminded=Min("expiry_reminders__offset_days"))
        .values_list("pk", "valid_until", "smallest_reminded")
        .order_by("valid_until", "pk")
    )
    due = []
    for credential_id, valid_until, smallest_reminded in candidates:
        days_left = (local_date(valid_until) - as_of).days
        offset = next((days for days in offsets if days_left <= days), None)
        if offset is None or (smallest_reminded is not None and smallest_reminded <= offset):
            continue
        due.append(_DueReminder(credential_id=credential_id, offset_days=offset))
    return due


def send_expiry_reminders(*, as_of: datetime.date) -> int:
    """E-mail each holder whose credential is due a reminder as of ``as_of`` (:func:`due_reminders`), in
    their preferred language, with the days left, the end date and the renewal link, and tell webhook endpoints
    (``credential.expiring``). Returns how many reminders were written.

    **At most once** per credential and offset, even when two runs overlap or one dies half-way. Each
    reminder is *claimed*: its ``ExpiryReminder`` row (unique per credential and offset) is inserted
    in a transaction of its own, under the credential's row lock, after checking again that the credential
    is still active, not renewed, and has no reminder for this or a smaller offset; the e-mail is written to the
    outbox in the same transaction (``sent_at``: when it was handed over). Only the run that committed the claim
    writes it; the outbox delivers it, once, and retries it while the mail server refuses it
    (outbox/services.py). A claim without ``sent_at`` is the trace of a run that died before the claim's commit
    completed (older versions) or is still in progress; that reminder is not sent again.
    """
    sent = 0
    for due in due_reminders(as_of=as_of):
        message = _claim(due, as_of=as_of)
        if message is None:
            continue  # another run has it, or the credential changed since it was selected
        sent += 1
        if isinstance(message, Message):
            # Delivered at once (the job, like the web, need not wait for a worker); after a failure the outbox
            # retries it. A second try by the task enqueued on commit finds it claimed and does nothing.
            outbox.deliver(message_id=message.pk)
    return sent


def _claim(due: _DueReminder, *, as_of: datetime.date) -> Message | bool | None:
    try:
        with transaction.atomic():
            # The lock serialises two runs deciding about the same credential, so the check below sees the
            # other's committed claim; the unique constraint stays the last word.
            credential = (
                Credential.objects.select_for_update(of=("self",))
                .select_related("holder", "profile")
                .filter(pk=due.credential_id)
                .first()
            )
            if credential is None or credential.status != Status.ACTIVE:
                return None
            if Credential.objects.filter(predecessor_id=due.credential_id).exists():
                return None
            if ExpiryReminder.objects.filter(
                credential_id=due.credential_id, offset_days__lte=due.offset_days
            ).exists():
                return None
            now = timezone.now()
            reminder = ExpiryReminder.objects.create(
                credential_id=due.credential_id, offset_days=due.offset_days, claimed_at=now, sent_at=now
            )
            # Counted from the day the e-mail is written: a replay of a past day must not announce more days than
            # remain.
            days_left = (local_date(credential.valid_until) - max(as_of, timezone.localdate())).days
            message = queue_reminder_email(credential, days_left=days_left, key=f"reminder:{reminder.pk}")
            outbox.emit_resource_event(
                event_type="credential.expiring",
                resource="credential",
                pk=credential.pk,
                extra={"days_left": days_left, "reminder_offset_days": due.offset_days},
            )
            return message or True
    except IntegrityError:
        return None


def renewal_url(credential: Credential) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/credentials/{credential.pk}/renewal/"


def queue_reminder_email(credential: Credential, *, days_left: int, key: str) -> Message | None:
    """Write the expiry reminder e-mail into the outbox, in the holder's language, with the link to renew
    (scheduled or manual), in the caller's transaction. ``key``: written once per key."""
    holder = credential.holder
    with translation.override(holder.preferred_language):
        values = {
            "serial": credential.serial,
            "profile": credential.profile.tr("title"),
            "days": days_left,
            "end": date_format(local_date(credential.valid_until), "DATE_FORMAT"),
            "renewal_url": renewal_url(credential),
            "url": f"{settings.SITE_URL.rstrip('/')}/credentials/{credential.pk}/",
        }
        subject = _("[AIPIA] Your credential %(serial)s expires on %(end)s") % values
        body = (
            _(
                "Your credential %(serial)s (%(profile)s) expires in %(days)d days, on %(end)s.\n\n"
                "To keep your certification, apply for renewal with your continuing professional development "
                "record:\n%(renewal_url)s\n\n"
                "After that date, anyone who verifies the credential is told that it has expired.\n\n%(url)s\n"
            )
            % values
        )
    return outbox.queue_email(
        to=[holder.email],
        subject=subject,
        language=holder.preferred_language,
        context={"body": body},
        dedupe_key=f"credentials.{key}",
    )


# --- expiry --------------------------------------------------------------------------------------------------


def mark_expired(*, as_of: datetime.datetime) -> int:
    """Mark expired every active or suspended credential whose ``valid_until`` lies before the instant
    ``as_of`` (aware); the number marked.

    Each credential, in its own transaction: locked and checked again, status ``expired``, ``expired_at``
    (when it was marked), ``status_version`` + 1, a ``credential.expired`` event (no actor: the system). An
    ended suspension's bit is cleared from the published suspension list; its end date is dropped, as
    nothing is left to lift. Revoked credentials stay revoked. Idempotent: a second run finds nothing.
    """
    if timezone.is_naive(as_of):
        raise ValueError("as_of must be an aware datetime")
    due = Credential.objects.filter(status__in=EXPIRES_FROM, valid_until__lt=as_of).values_list("pk", flat=True)
    expired = 0
    for credential_id in list(due):
        with transaction.atomic():
            row = Credential.objects.select_for_update(of=("self",)).get(pk=credential_id)
            if row.status not in EXPIRES_FROM or row.valid_until >= as_of:
                continue  # revoked, reinstated into a new validity, or expired by another run meanwhile
            _expire_locked(row, as_of=as_of)
        expired += 1
    return expired


def _expire_locked(row: Credential, *, as_of: datetime.datetime) -> None:
    from_status = row.status
    row.status = Status.EXPIRED
    row.expired_at = timezone.now()
    row.suspended_until = None
    row.status_version = F("status_version") + 1  # type: ignore[assignment]
    row.save(update_fields=["status", "expired_at", "suspended_until", "status_version"])
    CredentialEvent.objects.create(
        credential=row,
        action="credential.expired",
        actor=None,
        from_status=from_status,
        to_status=Status.EXPIRED,
        reason=_("validity ended"),
        data={"valid_until": row.valid_until.isoformat(), "as_of": as_of.isoformat()},
    )
    outbox.emit_resource_event(event_type="credential.expired", resource="credential", pk=row.pk)
    if from_status == Status.SUSPENDED:
        _publish(
            StatusList.objects.filter(entries__credential=row, purpose=StatusList.Purpose.SUSPENSION)
            .order_by("pk")
            .distinct()
        )


def _publish(lists: Iterable[StatusList]) -> None:
    for status_list in lists:
        status.publish_status_list(status_list=status_list)


# --- the daily run -------------------------------------------------------------------------------------------


def run_daily(*, as_of: datetime.date | None = None) -> dict:
    """The daily lifecycle as of ``as_of`` (default: today in ``settings.TIME_ZONE``): mark expired what
    ended by then, lift suspensions that ended by then, then send the reminders due.

    A past day is replayed as of its end; today is judged as of now, so that nothing valid later today is
    expired early. Future days are refused (:class:`DomainError`): they would expire and remind too soon.
    Expiry goes first so that a suspended credential whose validity also ended is recorded as expired.
    Law 4/2013 attestations follow their holders' memberships (a membership can lapse by date, without a
    save that would trigger the signal): suspended when it lapsed, reinstated when it was renewed.
    Returns ``{"reminders_sent", "expired", "suspensions_lifted", "attestations_suspended",
    "attestations_reinstated", "as_of", "outbox_messages_pruned"}`` (the day as ``YYYY-MM-DD``).
    """
    now = timezone.now()
    today = local_date(now)
    day = as_of or today
    if day > today:
        raise DomainError(
            _("The lifecycle cannot run as of %(day)s: that day has not come yet (today is %(today)s).")
            % {"day": day.isoformat(), "today": today.isoformat()},
            code="future_day",
        )
    instant = min(end_of_day(day), now)
    expired = mark_expired(as_of=instant)
    lifted = status.lift_ended_suspensions(now=instant)
    attestations = attestation.sync_all_attestations(on=day)
    sent = send_expiry_reminders(as_of=day)
    # The outbox's delivery log older than OUTBOX_LOG_DAYS goes with the daily run.
    pruned = outbox.prune_log()
    return {
        "reminders_sent": sent,
        "expired": expired,
        "suspensions_lifted": lifted,
        "attestations_suspended": attestations["suspended"],
        "attestations_reinstated": attestations["reinstated"],
        "as_of": day.isoformat(),
        "outbox_messages_pruned": pruned,
    }
