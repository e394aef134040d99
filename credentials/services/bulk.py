"""Administrators' actions on many credentials at once: renew, suspend, send an expiry reminder; the list of
credentials expiring in a period and its CSV export.

A bulk job is a ``BulkJob`` row and one ``BulkJobItem`` per credential, written in one transaction by
:func:`start_bulk_job`, which enqueues the Celery task ``credentials.run_bulk_job`` when it commits.

:func:`run_bulk_job` (the task's body) works through the items one at a time. Each item is claimed and
processed in its own transaction:

1. the next pending item is locked with ``SELECT … FOR UPDATE SKIP LOCKED``, so several runners of the same
   job (a redelivered task, the sweeper's re-enqueue, a second worker) share the items and never take one
   that another runner holds;
2. the action runs inside a savepoint, so a refused or crashing action leaves nothing behind but its error;
3. the item is saved as ``done`` (with the new credential of a renewal) or ``failed`` (with the error), and
   the transaction commits the action's writes and the item's status together.

So a worker killed half-way rolls back the item it held, which is still ``pending`` for the next run; an
item that is ``done`` is never selected again; and one failing credential never stops the batch. The
actions are idempotent by themselves as well: a credential has at most one successor (a database
constraint), and a suspension locks the credential and checks its status first.

Side effects that leave the database — the renewed credential's issuance, the holder's e-mail about a
suspension — are enqueued on commit, never for an item whose transaction rolled back. The reminder e-mail
is sent just before its item commits: a worker killed in between may send it twice, never zero times.

Renewals only create rows here (serial, dates, status-list positions); the new credentials' documents are
built by the normal issuance pipeline (``credentials.issue`` tasks), which starts on each item's commit and
so runs on the other workers while this job goes on.
"""

from __future__ import annotations

import csv
import datetime
import logging
import math
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from aipia import queue
from aipia.errors import DomainError
from credentials.documents import categories
from credentials.models import BulkJob, BulkJobItem, Credential, CredentialEvent
from credentials.services import status, texts
from credentials.services.clock import local_date
from credentials.services.lifecycle import queue_reminder_email
from credentials.services.renewal import OutsideRenewalRules, renew_by_policy_once, rule_problems, status_refusal
from outbox import services as outbox
from profiles.models import Profile

logger = logging.getLogger(__name__)

MAX_CREDENTIALS_PER_JOB = 5000
NOTE_MAX_LENGTH = texts.NOTE_MAX_LENGTH
MAX_FAILURES_LISTED = 500
# A job with pending items and no progress for this long has lost its task: the sweeper enqueues it again.
STALLED_AFTER = datetime.timedelta(minutes=5)


# --- starting a job ------------------------------------------------------------------------------------------


def start_bulk_job(
    *, action: str, credential_ids: Iterable[Any], actor: User, params: dict[str, Any] | None = None
) -> BulkJob:
    """Record a bulk ``action`` on ``credential_ids`` and run it in the background once this commits.

    ``params``: ``{"category", "reason"}`` (required) for a suspension, ``{"note", "override_reason"}`` (optional)
    for a renewal — with an override reason, credentials outside the renewal rules are renewed too, the reason
    recorded on each; without it they are skipped (:func:`preview_renewal` tells which beforehand); nothing
    for a reminder. Duplicated ids count once. Raises ``NotAllowed`` for anybody but an administrator and
    ``DomainError`` for an unknown action, an empty or too long list, unknown credentials or missing
    parameters; nothing is written then.
    """
    _require_admin(actor)
    if action not in BulkJob.Action.values:
        raise DomainError(_("Unknown bulk action."), code="invalid_action")
    ids = _parse_ids(credential_ids)
    if not ids:
        raise DomainError(_("Select at least one credential."), code="no_credentials")
    if len(ids) > MAX_CREDENTIALS_PER_JOB:
        raise DomainError(
            _("A bulk action takes at most %(max)d credentials.") % {"max": MAX_CREDENTIALS_PER_JOB},
            code="too_many_credentials",
        )
    clean_params = _clean_params(action, params or {})
    with transaction.atomic():
        known = set(Credential.objects.filter(pk__in=ids).values_list("pk", flat=True))
        unknown = [str(i) for i in ids if i not in known]
        if unknown:
            raise DomainError(_("Some credentials do not exist."), code="unknown_credentials", details=unknown[:50])
        job = BulkJob.objects.create(action=action, params=clean_params, created_by=actor)
        BulkJobItem.objects.bulk_create([BulkJobItem(job=job, credential_id=i) for i in ids], batch_size=1000)
        transaction.on_commit(partial(enqueue_bulk_job, job.pk), robust=True)
    logger.info("bulk.job_started %s %s on %d credentials by %s", job.pk, action, len(ids), actor.pk)
    return job


def enqueue_bulk_job(job_id: uuid.UUID) -> None:
    queue.enqueue("credentials.run_bulk_job", str(job_id))


def _parse_ids(values: Iterable[Any]) -> list[uuid.UUID]:
    ids: dict[uuid.UUID, None] = {}  # ordered and without duplicates
    for value in values:
        try:
            ids[value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))] = None
        except ValueError as exc:
            raise DomainError(_("“%(value)s” is not a credential id.") % {"value": value}, code="invalid_id") from exc
    return list(ids)


def _clean_params(action: str, params: dict[str, Any]) -> dict[str, Any]:
    if action == BulkJob.Action.SUSPEND:
        return {
            "category": texts.checked_category(str(params.get("category") or "")),
            "reason": texts.checked_text(
                str(params.get("reason") or ""),
                kind="reason",
                max_length=status.REASON_MAX_LENGTH,
                required=_("A suspension needs a reason."),
            ),
        }
    if action == BulkJob.Action.RENEW:
        note, override = (
            texts.checked_text(str(params.get(key) or ""), kind="note", max_length=NOTE_MAX_LENGTH)
            for key in ("note", "override_reason")
        )
        return {"note": note, "override_reason": override} if override else {"note": note}
    return {}


def _require_admin(actor: User | None) -> None:
    roles.require_admin(actor, _("Only administrators can act on many credentials at once."))


# --- running a job -------------------------------------------------------------------------------------------


def run_bulk_job(*, job_id: Any) -> int:
    """Process the job's pending items, one transaction each; return how many this call processed.

    Safe to run twice, and in parallel: items are claimed with ``SKIP LOCKED`` and a ``done`` or ``failed``
    item is never taken again. The job is marked ``done`` by whichever runner finds no pending item left.
    """
    job = BulkJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.status == BulkJob.Status.DONE:
        return 0
    BulkJob.objects.filter(pk=job.pk, status=BulkJob.Status.PENDING).update(
        status=BulkJob.Status.RUNNING, started_at=timezone.now()
    )
    processed, after = 0, 0
    # The items' e-mails and webhooks are written in their transactions; one task delivers them all once the
    # batch ends (deferred_dispatch), so that the job never waits for a receiver or a mail server.
    with outbox.deferred_dispatch():
        processed, after = _run_items(job, processed, after)
    _finish_if_complete(job.pk)
    return processed


def _run_items(job: BulkJob, processed: int, after: int) -> tuple[int, int]:
    while True:
        with transaction.atomic():
            # Items before ``after`` were processed by this run or held by another runner, so each claim starts
            # where the previous one ended instead of scanning the finished items again. An item another runner
            # held and then rolled back stays pending: the job is then not closed, and the next run takes it.
            item = (
                BulkJobItem.objects.select_for_update(skip_locked=True)
                .filter(job_id=job.pk, status=BulkJobItem.Status.PENDING, pk__gt=after)
                .order_by("pk")
                .first()
            )
            if item is None:
                break
            _process(job, item)
        processed, after = processed + 1, item.pk
    return processed, after


def _process(job: BulkJob, item: BulkJobItem) -> None:
    """Run the job's action on the locked ``item`` and record its outcome, in the caller's transaction."""
    # Every action locks and reads the credential's row itself: the id is all it needs here.
    credential = Credential(pk=item.credential_id)
    result: Credential | None = None
    error = ""
    outcome = BulkJobItem.Status.DONE
    try:
        with transaction.atomic():  # a savepoint: a failed action leaves nothing behind
            result = ACTIONS[job.action](job=job, credential=credential)
    except Skip as exc:
        outcome, error = BulkJobItem.Status.SKIPPED, exc.message
    except DomainError as exc:
        outcome, error = BulkJobItem.Status.FAILED, exc.message
    except Exception as exc:
        # Never stop the batch for one credential: record what went wrong and go on with the next one.
        logger.exception("bulk job %s: %s of credential %s failed", job.pk, job.action, credential.pk)
        outcome, error = BulkJobItem.Status.FAILED, f"{type(exc).__name__}: {exc}"
    item.status = outcome
    item.error = error[:2000]
    item.result_credential = result
    item.finished_at = timezone.now()
    item.save(update_fields=["status", "error", "result_credential", "finished_at"])


def _finish_if_complete(job_id: Any) -> None:
    # An item held by another runner is still pending here, so only the runner that commits the last item
    # sees none left and closes the job.
    if not BulkJobItem.objects.filter(job_id=job_id, status=BulkJobItem.Status.PENDING).exists():
        BulkJob.objects.filter(pk=job_id).exclude(status=BulkJob.Status.DONE).update(
            status=BulkJob.Status.DONE, finished_at=timezone.now()
        )


def resume_stalled_bulk_jobs(*, now: datetime.datetime | None = None) -> int:
    """Enqueue again every unfinished job that has made no progress for :data:`STALLED_AFTER` (its task was
    lost with a killed worker or a broker hiccup); return how many. Enqueuing a job that is in fact still
    running is harmless: the runners share its items."""
    cutoff = (now or timezone.now()) - STALLED_AFTER
    recent_progress = BulkJobItem.objects.filter(job=OuterRef("pk"), finished_at__gte=cutoff)
    stalled = list(
        BulkJob.objects.exclude(status=BulkJob.Status.DONE)
        .filter(created_at__lt=cutoff)
        .filter(Q(started_at__isnull=True) | Q(started_at__lt=cutoff))
        .filter(~Exists(recent_progress))
        .values_list("pk", flat=True)
    )
    for job_id in stalled:
        enqueue_bulk_job(job_id)
    return len(stalled)


# --- the actions ---------------------------------------------------------------------------------------------


class Skip(DomainError):
    """An item the rules leave alone: recorded as skipped, with why (not a failure to retry)."""


def _renew(*, job: BulkJob, credential: Credential) -> Credential:
    try:
        new, made = renew_by_policy_once(
            credential=credential,
            actor=job.created_by,
            note=job.params.get("note", ""),
            override_reason=job.params.get("override_reason", ""),
        )
    except OutsideRenewalRules as exc:
        raise Skip(_("Outside the renewal rules: %(problems)s") % {"problems": exc.message}, code=exc.code) from exc
    if not made:  # renewed meanwhile, by the holder's approved application or another job
        raise Skip(_("Already renewed: %(serial)s.") % {"serial": new.serial}, code="already_renewed")
    return new


def _suspend(*, job: BulkJob, credential: Credential) -> None:
    # Jobs started before categories existed carry none: "other", as migration 0005 gave their kind.
    category = job.params.get("category") or categories.OTHER
    status.suspend(credential=credential, actor=job.created_by, category=category, reason=job.params["reason"])
    return None


def _remind(*, job: BulkJob, credential: Credential) -> None:
    send_expiry_reminder(credential=credential, actor=job.created_by)
    return None


ACTIONS: dict[str, Callable[..., Credential | None]] = {
    BulkJob.Action.RENEW: _renew,
    BulkJob.Action.SUSPEND: _suspend,
    BulkJob.Action.REMIND: _remind,
}


def send_expiry_reminder(*, credential: Credential, actor: User | None) -> CredentialEvent:
    """E-mail the holder now that their credential expires on its end date, with the link to renew it, in
    their language and in the words of the scheduled reminders (credentials/services/lifecycle.py); audited as
    ``credential.reminder_sent``. Independent of the scheduled reminders (90, 30 and 7 days), which it neither
    replaces nor consumes. Only for active, not yet expired credentials."""
    with transaction.atomic():
        row = (
            Credential.objects.select_for_update(of=("self",)).select_related("holder", "profile").get(pk=credential.pk)
        )
        if row.status != Credential.Status.ACTIVE or row.valid_until <= timezone.now():
            raise DomainError(
                _("Only an active credential that has not expired gets a reminder; this one is %(status)s.")
                % {"status": row.get_status_display().lower()},
                code="not_active",
            )
        event = CredentialEvent.objects.create(
            credential=row, action="credential.reminder_sent", actor=actor, data={"manual": True}
        )
        # Written to the outbox with the event: the e-mail leaves once the item commits.
        days_left = (local_date(row.valid_until) - timezone.localdate()).days
        queue_reminder_email(row, days_left=days_left, key=f"manual-reminder:{event.pk}")
    return event


# --- progress ------------------------------------------------------------------------------------------------


def bulk_job_progress(*, job: BulkJob) -> dict[str, Any]:
    """Where ``job`` stands: counts by item outcome (``done``: the action was taken, e.g. a credential renewed;
    ``skipped``: the rules left it alone, and why; ``failed``), the percentage processed, and the failures (the
    first :data:`MAX_FAILURES_LISTED`, each with the credential, its serial and holder, and the error).

    For a renewal also ``issued`` and ``issuance_failed``: how many of the credentials this job made (one per
    ``done`` item) have their sealed documents (the issuance pipeline runs after each item), else both ``None``.
    Every item's outcome is :func:`bulk_job_items`.
    """
    counts = dict(
        BulkJobItem.objects.filter(job=job)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    done = counts.get(BulkJobItem.Status.DONE, 0)
    skipped = counts.get(BulkJobItem.Status.SKIPPED, 0)
    failed = counts.get(BulkJobItem.Status.FAILED, 0)
    pending = counts.get(BulkJobItem.Status.PENDING, 0)
    total = done + skipped + failed + pending
    failures = [
        {"credential": str(item["credential_id"]), "serial": item["credential__serial"],
         "holder": item["credential__holder_name"], "error": item["error"]}
        for item in BulkJobItem.objects.filter(job=job, status=BulkJobItem.Status.FAILED)
        .order_by("pk")
        .values("credential_id", "credential__serial", "credential__holder_name", "error")[:MAX_FAILURES_LISTED]
    ]  # fmt: skip
    issued = issuance_failed = None
    if job.action == BulkJob.Action.RENEW:
        issuance = dict(
            Credential.objects.filter(
                pk__in=BulkJobItem.objects.filter(job=job, status=BulkJobItem.Status.DONE).values("result_credential")
            )
            .order_by()
            .values_list("issuance")
            .annotate(n=Count("pk"))
            .values_list("issuance", "n")
        )
        issued = issuance.get(Credential.Issuance.DONE, 0)
        issuance_failed = issuance.get(Credential.Issuance.FAILED, 0)
    return {
        "id": str(job.pk),
        "action": job.action,
        "status": job.status,
        "params": job.params,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "total": total,
        "done": done,
        "skipped": skipped,
        "failed": failed,
        "pending": pending,
        "percent": math.floor(100 * (done + skipped + failed) / total) if total else 100,
        "issued": issued,
        "issuance_failed": issuance_failed,
        "failures": failures,
    }


def bulk_job_items(*, job: BulkJob) -> QuerySet[BulkJobItem]:
    """Every item of ``job`` in order, with its credential and, for a renewal, the credential it made."""
    return (
        BulkJobItem.objects.filter(job=job)
        .select_related("credential", "result_credential")
        .only(
            "pk",
            "status",
            "error",
            "finished_at",
            "credential__serial",
            "credential__holder_name",
            "result_credential__serial",
            "result_credential__issuance",
        )
        .order_by("pk")
    )


# --- before a bulk renewal: who the rules let through ---------------------------------------------------------


@dataclass(frozen=True)
class PreviewRow:
    credential: Credential
    problems: list[str]


@dataclass(frozen=True)
class RenewalPreview:
    """What a bulk renewal of some credentials would do: ``within`` the rules (renewed), ``outside`` them
    (renewed only with an override reason, otherwise skipped: :func:`renewal.rule_problems` says why), and
    ``refused`` (revoked, suspended, being issued, renewed already: never renewed by the job)."""

    within: list[PreviewRow]
    outside: list[PreviewRow]
    refused: list[PreviewRow]

    @property
    def total(self) -> int:
        return len(self.within) + len(self.outside) + len(self.refused)


def preview_renewal(*, credential_ids: Iterable[Any], actor: User) -> RenewalPreview:
    """Sort ``credential_ids`` as a bulk renewal started now would treat them (see :class:`RenewalPreview`).
    Reads only; administrators only."""
    _require_admin(actor)
    ids = _parse_ids(credential_ids)
    if len(ids) > MAX_CREDENTIALS_PER_JOB:
        raise DomainError(
            _("A bulk action takes at most %(max)d credentials.") % {"max": MAX_CREDENTIALS_PER_JOB},
            code="too_many_credentials",
        )
    now = timezone.now()
    within: list[PreviewRow] = []
    outside: list[PreviewRow] = []
    refused: list[PreviewRow] = []
    credentials = (
        Credential.objects.filter(pk__in=ids)
        .select_related("profile", "holder")
        .prefetch_related("cpd_activities")
        .annotate(successor_serial=Subquery(Credential.objects.filter(predecessor=OuterRef("pk")).values("serial")[:1]))
        .order_by("valid_until", "serial")
    )
    for credential in credentials:
        refusal = (
            _("Already renewed: %(serial)s.") % {"serial": credential.successor_serial}  # type: ignore[attr-defined]
            if credential.successor_serial  # type: ignore[attr-defined]
            else status_refusal(credential)
        )
        if refusal:
            refused.append(PreviewRow(credential, [refusal]))
            continue
        problems = rule_problems(credential, now=now)
        (outside if problems else within).append(PreviewRow(credential, problems))
    return RenewalPreview(within=within, outside=outside, refused=refused)


# --- the expiring list and its export ------------------------------------------------------------------------


def expiring_credentials(
    *, start: datetime.date, end: datetime.date, profile: Profile | None = None, status_filter: str = ""
) -> QuerySet[Credential]:
    """Credentials whose validity ends between the start of ``start`` and the end of ``end`` (local time),
    soonest first, with ``renewed`` set on those that already have a successor."""
    tz = timezone.get_current_timezone()
    lower = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    upper = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    credentials = (
        Credential.objects.filter(valid_until__gte=lower, valid_until__lt=upper)
        .select_related("holder", "profile")
        .annotate(renewed=Exists(Credential.objects.filter(predecessor=OuterRef("pk"))))
        .order_by("valid_until", "serial")
    )
    if profile is not None:
        credentials = credentials.filter(profile=profile)
    if status_filter:
        credentials = credentials.filter(status=status_filter)
    return credentials


CSV_HEADER = ("serial", "holder_name", "email", "profile", "status", "valid_from", "valid_until")
# Cells a spreadsheet would read as a formula (OWASP "CSV injection"); tab and carriage return too.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> str:
    """``value`` as a CSV cell that no spreadsheet evaluates: a leading quote before a formula character."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_csv(credentials: QuerySet[Credential]) -> Iterator[str]:
    """The CSV lines of ``credentials`` (header first), read in chunks, for a streaming response."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for credential in credentials.select_related("holder", "profile").iterator(chunk_size=500):
        yield writer.writerow(
            [
                csv_safe(cell)
                for cell in (
                    credential.serial,
                    credential.holder_name,
                    credential.holder.email,
                    credential.profile.code,
                    credential.status,
                    timezone.localtime(credential.valid_from).isoformat(),
                    timezone.localtime(credential.valid_until).isoformat(),
                )
            ]
        )
