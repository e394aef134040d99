"""The outbox's services: writing messages (in the caller's transaction), delivering them (after the commit, by a
task or ``manage.py deliver_outbox``), and managing webhook endpoints.

**Writing.** :func:`queue_email` and :func:`emit_event` insert rows in the caller's transaction, so a rolled-back
change sends nothing and a committed one is never forgotten: if the task that should deliver it is lost (no broker
at commit, a worker killed), :func:`deliver_due` finds the row later. Callers pass what to send, already decided:
this app imports no app above it.

**Delivering.** A row is *claimed* by a compare-and-set from ``pending`` to ``sending`` with a fresh token before
anything is sent, so two workers, or a task run twice, never send one row twice; the outcome is recorded only by
the holder of the token. A claim older than ``OUTBOX_CLAIM_TIMEOUT`` means its worker died mid-send
(:func:`recover_stale_claims`): a webhook is tried again (at least once, with the same ``webhook-id``); an e-mail
is marked ``unknown`` and never sent again by itself (at most once) — an administrator sees it and may send it
again (:func:`send_again`).

**Retries** follow ``OUTBOX_RETRY_DELAYS`` (seconds after each failed attempt; the last repeats) until
``OUTBOX_RETRY_HOURS`` after the message was written; then it has failed.

**Order.** Deliveries to one endpoint with the same ``order_key`` (one credential) go out in the order they were
written: a row waits while an earlier one for the same endpoint and key is pending or being sent.
"""

from __future__ import annotations

import base64
import datetime
import http.client
import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from standardwebhooks import Webhook

from accounts import roles
from accounts.models import User
from aipia import clock, queue
from aipia.errors import DomainError, InvalidTransition

from . import events, transport
from .models import Attempt, Message, WebhookEndpoint

logger = logging.getLogger(__name__)

Status = Message.Status
Kind = Message.Kind

DEFAULT_TEMPLATE = "outbox/email/message"

_local = threading.local()


# --- writing -------------------------------------------------------------------------------------------------------


def queue_email(
    *,
    to: Sequence[str],
    subject: str,
    language: str,
    context: dict[str, Any] | None = None,
    template: str = DEFAULT_TEMPLATE,
    attachments: Sequence[dict[str, str]] = (),
    dedupe_key: str | None = None,
) -> Message | None:
    """Write one e-mail to ``to`` into the outbox, rendered now from ``template`` (``<template>.txt`` and
    ``<template>.html``) with ``context`` and ``subject`` in ``language``; delivered after the commit.

    The default template lays out ``context["body"]`` (plain text, paragraphs separated by blank lines) as both
    parts. ``attachments``: ``{"path", "filename", "mimetype"}`` (a file in the default storage, read when sending)
    or ``{"content", "filename", "mimetype"}`` (text). A second call with the same ``dedupe_key`` writes nothing and
    returns None. Returns None as well when there is no recipient.
    """
    recipients = [address for address in to if address]
    if not recipients:
        return None
    values = {"subject": subject, **(context or {})}
    with translation.override(language):
        text = render_to_string(f"{template}.txt", values)
        html = render_to_string(f"{template}.html", values)
    row = Message(
        kind=Kind.EMAIL,
        recipients=recipients,
        subject=subject[:500],
        body_text=text,
        body_html=html,
        attachments=[_attachment(item) for item in attachments],
        language=language,
        dedupe_key=dedupe_key,
        created_at=clock.now(),
        next_attempt_at=clock.now(),
    )
    if dedupe_key is not None:
        if Message.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            return None  # written meanwhile by a concurrent run
    else:
        row.save()
    _dispatch([row.pk])
    return row


def _attachment(item: dict[str, str]) -> dict[str, str]:
    if "content" in item:
        content = item["content"]
        return {
            "content_b64": base64.b64encode(content.encode() if isinstance(content, str) else content).decode(),
            "filename": item["filename"],
            "mimetype": item["mimetype"],
        }
    return {"path": item["path"], "filename": item["filename"], "mimetype": item["mimetype"]}


def new_event_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


# How each app represents its resources in webhook payloads (as its API does), registered by the app itself at
# start-up: this app imports none of them.
_representations: dict[str, Callable[..., dict[str, Any]]] = {}


def register_representation(resource: str, build: Callable[..., dict[str, Any]]) -> None:
    """``build(pk, instance=None)`` gives the resource ``resource`` as the API represents it, with a link to it;
    from ``instance`` when the caller has the row at hand (read by ``pk`` otherwise)."""
    _representations[resource] = build


def emit_resource_event(
    *, event_type: str, resource: str, pk: Any, instance: Any = None, extra: dict[str, Any] | None = None
) -> list[Message]:
    """:func:`emit_event` for one resource (``"credential"``, ``"dossier"``): the payload's data is its registered
    representation (plus ``extra``), built now, only when some endpoint wants the event; ordered by resource.
    ``instance``: the resource's row as the caller just wrote it, which saves reading it again."""
    targets = [e for e in _enabled_endpoints() if event_type in e.events]
    if not targets:
        return []
    data = {**_representations[resource](pk, instance), **(extra or {})}
    return emit_event(event_type=event_type, data=data, order_key=f"{resource}:{pk}", endpoints=targets)


def emit_event(
    *, event_type: str, data: dict[str, Any], order_key: str = "", endpoints: Iterable[WebhookEndpoint] | None = None
) -> list[Message]:
    """Write one delivery of the event ``event_type`` (payload: ``{"type", "timestamp", "data"}``) for each
    enabled endpoint subscribed to it (or for ``endpoints``), all with the same event id; delivered after the
    commit. ``order_key`` names the resource whose events must arrive in order (a credential's id)."""
    if event_type not in events.EVENT_TYPES:
        raise ValueError(f"unknown webhook event {event_type}")
    if endpoints is None:
        endpoints = [e for e in _enabled_endpoints() if event_type in e.events]
    targets = list(endpoints)
    if not targets:
        return []
    now = clock.now()
    event_id = new_event_id()
    # Plain JSON now (ids, dates as the API writes them), so the bytes signed at each attempt are the same.
    payload = json.loads(
        json.dumps({"type": event_type, "timestamp": now.isoformat(), "data": data}, cls=DjangoJSONEncoder)
    )
    rows = Message.objects.bulk_create(
        [
            Message(
                kind=Kind.WEBHOOK,
                endpoint=endpoint,
                event_id=event_id,
                event_type=event_type,
                payload=payload,
                order_key=order_key[:100],
                created_at=now,
                next_attempt_at=now,
            )
            for endpoint in targets
        ]
    )
    _dispatch([row.pk for row in rows if row.pk is not None], after_response=True)
    return rows


# The enabled endpoints, read at most every ENDPOINTS_TTL seconds by each process (a bulk job asks for every item):
# a change made in this process is seen at once (forget_endpoints), one made in another within the TTL.
ENDPOINTS_TTL = 5.0
_endpoints: tuple[float, list[WebhookEndpoint]] | None = None


def _enabled_endpoints() -> list[WebhookEndpoint]:
    global _endpoints
    now = time.monotonic()
    if _endpoints is None or _endpoints[0] < now:
        _endpoints = (now + ENDPOINTS_TTL, list(WebhookEndpoint.objects.filter(enabled=True).only("id", "events")))
    return _endpoints[1]


def forget_endpoints(**kwargs: Any) -> None:
    """Read the endpoints again next time (connected to their saves and deletions, and called after updates)."""
    global _endpoints
    _endpoints = None


def _dispatch(ids: list[int], *, after_response: bool = False) -> None:
    if not ids or not settings.OUTBOX_DISPATCH_ON_COMMIT or _deferred_depth() > 0:
        return
    transaction.on_commit(partial(_committed, ids, after_response=after_response), robust=True)


def _deferred_depth() -> int:
    return int(getattr(_local, "deferred", 0))


def _committed(ids: list[int], *, after_response: bool) -> None:
    collected = getattr(_local, "after_response", None)
    if after_response and collected is not None and settings.CELERY_TASK_ALWAYS_EAGER:
        # The embedded default, committed during a request: webhooks are tried once the response has been sent
        # (outbox/middleware.py), so a slow receiver does not hold the page. E-mails go at once: the embedded
        # default writes them to a folder, and the page that says "we sent you an e-mail" should be telling the truth.
        collected.extend(ids)
        return
    queue.enqueue("outbox.deliver", ids)


def collect_after_response() -> None:
    """From now on in this thread, messages written (and committed) are kept for :func:`take_collected` instead of
    being tried on each commit."""
    _local.after_response = []


def take_collected() -> list[int]:
    """The ids kept since :func:`collect_after_response`, which stops collecting."""
    ids: list[int] = getattr(_local, "after_response", None) or []
    _local.after_response = None
    return ids


def deliver_after_response(message_ids: list[int]) -> None:
    """Try the messages once, with the embedded default's short timeout; never raises (the response is gone)."""
    try:
        deliver_messages(message_ids=message_ids, timeout=settings.WEBHOOKS_EAGER_TIMEOUT)
    except Exception:
        logger.exception("outbox: delivery after the response failed; manage.py deliver_outbox retries it")


@contextmanager
def deferred_dispatch() -> Iterator[None]:
    """Inside, written messages are not sent one by one on each commit; once the block ends, one task delivers
    everything due. For jobs that write many messages (a bulk renewal): the job does not wait for deliveries."""
    depth = _deferred_depth()
    _local.deferred = depth + 1
    try:
        yield
    finally:
        _local.deferred = depth
        if depth == 0 and settings.OUTBOX_DISPATCH_ON_COMMIT:
            queue.enqueue_on_commit("outbox.deliver_due", robust=True)


# --- delivering ----------------------------------------------------------------------------------------------------


def deliver_messages(*, message_ids: Iterable[int], timeout: float | None = None) -> int:
    """Try each message once now (those due and not waiting for an earlier one); how many were sent."""
    return sum(deliver(message_id=pk, timeout=timeout) for pk in message_ids)


def deliver_due(*, limit: int | None = None, timeout: float | None = None) -> int:
    """Deliver every message due now, oldest first (after recovering claims of dead workers); how many were sent.
    Safe to run in several processes at once: each row is claimed before it is sent."""
    recover_stale_claims()
    sent, after, seen = 0, 0, 0
    while limit is None or seen < limit:
        now = clock.now()
        batch = list(
            Message.objects.filter(status=Status.PENDING, next_attempt_at__lte=now, pk__gt=after)
            .filter(Q(endpoint__isnull=True) | Q(endpoint__enabled=True))
            .order_by("pk")
            .values_list("pk", flat=True)[:200]
        )
        if not batch:
            break
        for pk in batch:
            sent += deliver(message_id=pk, timeout=timeout)
            seen += 1
            if limit is not None and seen >= limit:
                break
        after = batch[-1]
    return sent


def deliver(*, message_id: int, timeout: float | None = None) -> bool:
    """Claim the message and send it once; record the attempt. True when it was sent now."""
    message = Message.objects.select_related("endpoint").filter(pk=message_id).first()
    if message is None or message.status != Status.PENDING:
        return False
    now = clock.now()
    if message.next_attempt_at > now:
        return False
    if message.kind == Kind.WEBHOOK and (
        message.endpoint is None or not message.endpoint.enabled or _waits_for_earlier(message)
    ):
        return False
    token = uuid.uuid4()
    claimed = Message.objects.filter(pk=message_id, status=Status.PENDING, next_attempt_at__lte=now).update(
        status=Status.SENDING, claimed_at=now, claim_token=token, attempts=F("attempts") + 1
    )
    if not claimed:
        return False  # another worker has it
    message.attempts += 1
    if message.kind == Kind.EMAIL:
        return _send_email(message, token)
    return _send_webhook(message, token, timeout=timeout)


def _waits_for_earlier(message: Message) -> bool:
    if not message.order_key:
        return False
    return Message.objects.filter(
        endpoint_id=message.endpoint_id,
        order_key=message.order_key,
        pk__lt=message.pk,
        status__in=[Status.PENDING, Status.SENDING],
    ).exists()


def _send_email(message: Message, token: uuid.UUID) -> bool:
    started = clock.now()
    try:
        email = EmailMultiAlternatives(message.subject, message.body_text, to=message.recipients)
        if message.body_html:
            email.attach_alternative(message.body_html, "text/html")
        for item in message.attachments:
            email.attach(item["filename"], _attachment_bytes(item), item["mimetype"])
        email.send()
    except Exception as exc:
        # The server refused it or could not be reached: it did not take the message, so a retry is safe.
        logger.warning("outbox: e-mail %s not sent (%s); retried later", message.pk, exc)
        _record_attempt(message, started=started, success=False, error=f"{type(exc).__name__}: {exc}")
        _retry_or_fail(message, token, error=f"{type(exc).__name__}: {exc}")
        return False
    _record_attempt(message, started=started, success=True)
    _finish(message, token, status=Status.SENT)
    return True


def _attachment_bytes(item: dict[str, str]) -> bytes:
    if "content_b64" in item:
        return base64.b64decode(item["content_b64"])
    with default_storage.open(item["path"], "rb") as handle:
        return handle.read()


def signature_header(endpoint: WebhookEndpoint, *, event_id: str, at: datetime.datetime, body: bytes) -> str:
    """``webhook-signature``: ``v1,<base64 HMAC-SHA256>`` with the current secret, and during a rotation's grace
    period with the previous one too (space-separated, as Standard Webhooks allows)."""
    signatures = [Webhook(endpoint.secret).sign(event_id, at, body)]
    if endpoint.previous_secret and endpoint.previous_secret_until and endpoint.previous_secret_until > clock.now():
        signatures.append(Webhook(endpoint.previous_secret).sign(event_id, at, body))
    return " ".join(signatures)


def webhook_body(message: Message) -> bytes:
    return json.dumps(message.payload, separators=(",", ":"), ensure_ascii=False).encode()


def _send_webhook(message: Message, token: uuid.UUID, *, timeout: float | None) -> bool:
    endpoint = message.endpoint
    assert endpoint is not None
    started = clock.now()
    # The signature's timestamp is the real time of sending: receivers compare it with their own clock.
    signed_at = timezone.now()
    body = webhook_body(message)
    headers = {
        "content-type": "application/json",
        "user-agent": "AIPIA-Credentials-Webhooks/1",
        "webhook-id": message.event_id,
        "webhook-timestamp": str(int(signed_at.timestamp())),
        "webhook-signature": signature_header(endpoint, event_id=message.event_id, at=signed_at, body=body),
    }
    logged = {key: value for key, value in headers.items() if key != "webhook-signature"}
    try:
        answer = transport.post(
            endpoint.url,
            body=body,
            headers=headers,
            timeout=timeout or settings.WEBHOOKS_TIMEOUT,
            allow_private=settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES,
        )
    except (OSError, ValueError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        _record_attempt(message, started=started, success=False, error=error, headers=logged)
        _endpoint_failed(endpoint, now=started)
        _retry_or_fail(message, token, error=error)
        return False
    ok = 200 <= answer.status < 300
    _record_attempt(
        message,
        started=started,
        success=ok,
        status=answer.status,
        excerpt=answer.body_excerpt,
        headers=logged,
        duration_ms=answer.duration_ms,
    )
    if ok:
        _finish(message, token, status=Status.SENT)
        WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=False).update(failing_since=None)
        return True
    if answer.status == 410:
        _finish(message, token, status=Status.FAILED, error=_("The receiver answered 410 Gone."))
        disable_endpoint(endpoint=endpoint, reason=_("The receiver answered 410 Gone: it no longer wants events."))
        return False
    error = _("The receiver answered %(status)d.") % {"status": answer.status}
    if 300 <= answer.status < 400:
        error = _("The receiver answered with a redirect (%(status)d), which is not followed.") % {
            "status": answer.status
        }
    _endpoint_failed(endpoint, now=started)
    _retry_or_fail(message, token, error=error)
    return False


def _record_attempt(
    message: Message,
    *,
    started: datetime.datetime,
    success: bool,
    error: str = "",
    status: int | None = None,
    excerpt: str = "",
    headers: dict | None = None,
    duration_ms: int | None = None,
) -> None:
    if duration_ms is None:
        duration_ms = max(0, int((clock.now() - started).total_seconds() * 1000))
    Attempt.objects.create(
        message=message,
        started_at=started,
        duration_ms=duration_ms,
        success=success,
        response_status=status,
        response_excerpt=excerpt[:1000],
        error=error[:2000],
        request_headers=headers or {},
    )


def _finish(message: Message, token: uuid.UUID, *, status: str, error: str = "") -> None:
    # Only the holder of the claim records the outcome; a claim given up as stale may still finish (its e-mail,
    # shown as "unknown", then becomes "sent").
    Message.objects.filter(pk=message.pk, claim_token=token).update(
        status=status, finished_at=clock.now(), last_error=error[:2000]
    )


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long after its ``attempts``-th failed attempt a message is tried again."""
    delays = [int(seconds) for seconds in settings.OUTBOX_RETRY_DELAYS] or [60]
    return datetime.timedelta(seconds=delays[min(attempts, len(delays)) - 1])


def _retry_or_fail(message: Message, token: uuid.UUID, *, error: str) -> None:
    now = clock.now()
    next_at = now + retry_delay(message.attempts)
    if next_at > message.created_at + datetime.timedelta(hours=settings.OUTBOX_RETRY_HOURS):
        _finish(message, token, status=Status.FAILED, error=error)
        if message.endpoint_id is not None:
            _gave_up(message, now=now)
        return
    Message.objects.filter(pk=message.pk, claim_token=token).update(
        status=Status.PENDING, next_attempt_at=next_at, last_error=error[:2000], claim_token=None, claimed_at=None
    )


def _endpoint_failed(endpoint: WebhookEndpoint, *, now: datetime.datetime) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
    since = WebhookEndpoint.objects.filter(pk=endpoint.pk).values_list("failing_since", flat=True).first()
    if since is not None and now - since >= datetime.timedelta(hours=settings.OUTBOX_RETRY_HOURS):
        disable_endpoint(
            endpoint=endpoint,
            reason=_("Every delivery failed for %(hours)d hours.") % {"hours": settings.OUTBOX_RETRY_HOURS},
        )


def _gave_up(message: Message, *, now: datetime.datetime) -> None:
    """A delivery failed for its whole retry period: if every delivery to its endpoint has failed since this one's
    first attempt, the endpoint has been failing for that long too, and is disabled."""
    if message.endpoint_id is None:
        return
    first = message.attempt_log.order_by("started_at", "id").values_list("started_at", flat=True).first()
    since = WebhookEndpoint.objects.filter(pk=message.endpoint_id).values_list("failing_since", flat=True).first()
    if first is not None and since is not None and since <= first:
        hours = int((now - since).total_seconds() // 3600)
        disable_endpoint(
            endpoint=WebhookEndpoint(pk=message.endpoint_id, url=message.endpoint.url if message.endpoint else ""),
            reason=_("Every delivery failed for %(hours)d hours.") % {"hours": hours},
        )


def recover_stale_claims() -> int:
    """Claims older than ``OUTBOX_CLAIM_TIMEOUT`` seconds belong to workers that died while sending: webhooks go
    back to the queue (the receiver de-duplicates by id), e-mails are marked ``unknown``. How many were found."""
    now = clock.now()
    cutoff = now - datetime.timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT)
    stale = Message.objects.filter(status=Status.SENDING, claimed_at__lt=cutoff)
    webhooks = stale.filter(kind=Kind.WEBHOOK).update(
        status=Status.PENDING, next_attempt_at=now, claim_token=None, claimed_at=None, last_error="worker stopped"
    )
    emails = stale.filter(kind=Kind.EMAIL).update(
        status=Status.UNKNOWN,
        finished_at=now,
        last_error=_("The sender stopped while sending this e-mail: it may or may not have been delivered."),
    )
    if emails:
        logger.warning("outbox: %d e-mail(s) of unknown fate (their worker died while sending)", emails)
    return webhooks + emails


def send_again(*, message: Message, actor: Any) -> Message:
    """An administrator sends ``message`` again: an e-mail of unknown fate or failed, or any webhook delivery
    (same event id). It is queued now, as a new attempt of the same row."""
    _require_admin(actor)
    resendable = [Status.UNKNOWN, Status.FAILED]
    if message.kind == Kind.WEBHOOK:
        resendable.append(Status.SENT)
    with transaction.atomic():
        updated = Message.objects.filter(pk=message.pk, status__in=resendable).update(
            status=Status.PENDING,
            next_attempt_at=clock.now(),
            claim_token=None,
            claimed_at=None,
            finished_at=None,
            # The retry period starts again: a message sent again by hand gets its full chance.
            created_at=clock.now(),
        )
        if not updated:
            raise InvalidTransition(_("This message cannot be sent again now (it is waiting or being sent)."))
        _dispatch([message.pk], after_response=message.kind == Kind.WEBHOOK)
    message.refresh_from_db()
    return message


def prune_log(*, days: int | None = None) -> int:
    """Delete the delivery log older than ``OUTBOX_LOG_DAYS`` days: attempts, and finished messages. How many
    messages were deleted. Messages of unknown fate stay until an administrator deals with them."""
    cutoff = clock.now() - datetime.timedelta(days=days if days is not None else settings.OUTBOX_LOG_DAYS)
    Attempt.objects.filter(started_at__lt=cutoff).delete()
    deleted, _per_model = Message.objects.filter(
        status__in=[Status.SENT, Status.FAILED], finished_at__lt=cutoff
    ).delete()
    return deleted


def unknown_emails() -> list[Message]:
    """E-mails whose fate is unknown, for administrators to check and send again."""
    return list(Message.objects.filter(kind=Kind.EMAIL, status=Status.UNKNOWN).order_by("-created_at"))


# --- endpoints -----------------------------------------------------------------------------------------------------


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _require_admin(actor: Any) -> None:
    roles.require_admin(actor, _("Only administrators manage webhooks and the outbox."))


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url.startswith(("https://", "http://")):
        raise DomainError(_("The URL must start with https://."), code="invalid_url")
    # Plain http only in development (DEBUG, or the local receivers that WEBHOOKS_ALLOW_PRIVATE_ADDRESSES allows,
    # itself honoured only with DEBUG).
    if url.startswith("http://") and not (settings.DEBUG or settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES):
        raise DomainError(_("The URL must start with https:// (plain http is allowed only in development)."))
    if len(url) > 2000:
        raise DomainError(_("The URL is too long."))
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise DomainError(_("This is not a valid URL."), code="invalid_url") from None
    return url


def _clean_events(values: Iterable[str] | None) -> list[str]:
    if values is None:
        return list(events.DEFAULT_EVENTS)
    chosen = list(dict.fromkeys(values))
    unknown = [value for value in chosen if value not in events.EVENT_TYPES]
    if unknown:
        raise DomainError(_("Unknown events: %(events)s.") % {"events": ", ".join(unknown)}, code="unknown_event")
    if not chosen:
        raise DomainError(_("Choose at least one event."), code="no_event")
    return chosen


def create_endpoint(
    *, actor: Any, url: str, events: Iterable[str] | None = None, description: str = ""
) -> WebhookEndpoint:
    """A new endpoint, enabled, with a fresh secret (shown to the administrator)."""
    _require_admin(actor)
    return WebhookEndpoint.objects.create(
        url=_clean_url(url),
        events=_clean_events(events),
        description=description.strip()[:200],
        secret=new_secret(),
        created_by=actor,
        created_at=clock.now(),
    )


def update_endpoint(
    *,
    endpoint: WebhookEndpoint,
    actor: Any,
    url: str | None = None,
    events: Iterable[str] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    """Change what is given. Enabling again clears the reason it was disabled and its run of failures."""
    _require_admin(actor)
    with transaction.atomic():
        row = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        fields: list[str] = []
        if url is not None:
            row.url, fields = _clean_url(url), [*fields, "url"]
        if events is not None:
            row.events, fields = _clean_events(events), [*fields, "events"]
        if description is not None:
            row.description, fields = description.strip()[:200], [*fields, "description"]
        if enabled is not None and enabled != row.enabled:
            row.enabled = enabled
            row.disabled_reason = "" if enabled else _("Disabled by an administrator.")
            row.failing_since = None
            fields += ["enabled", "disabled_reason", "failing_since"]
        if fields:
            row.save(update_fields=fields)
        if enabled:
            transaction.on_commit(partial_deliver_due, robust=True)
    return row


def partial_deliver_due() -> None:
    if settings.OUTBOX_DISPATCH_ON_COMMIT:
        queue.enqueue("outbox.deliver_due")


def delete_endpoint(*, endpoint: WebhookEndpoint, actor: Any) -> None:
    """Delete the endpoint with its deliveries and their log."""
    _require_admin(actor)
    endpoint.delete()


def rotate_secret(*, endpoint: WebhookEndpoint, actor: Any, grace_hours: int | None = None) -> WebhookEndpoint:
    """A new secret; the current one keeps signing beside it for ``grace_hours`` (``WEBHOOKS_SECRET_GRACE_HOURS``),
    so receivers can switch without losing a delivery."""
    _require_admin(actor)
    hours = settings.WEBHOOKS_SECRET_GRACE_HOURS if grace_hours is None else grace_hours
    with transaction.atomic():
        row = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        row.previous_secret = row.secret
        row.previous_secret_until = clock.now() + datetime.timedelta(hours=hours)
        row.secret = new_secret()
        row.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    return row


def disable_endpoint(*, endpoint: WebhookEndpoint, reason: str) -> None:
    """Disable ``endpoint`` (the system does, after 410 Gone or three days of failures) and e-mail the
    administrators, once: only the call that disables it writes the e-mail."""
    with transaction.atomic():
        if not WebhookEndpoint.objects.filter(pk=endpoint.pk, enabled=True).update(
            enabled=False, disabled_reason=reason[:500]
        ):
            return
        forget_endpoints()
        site = settings.SITE_URL.rstrip("/")
        for admin in User.objects.filter(role=User.Role.ADMIN, is_active=True).exclude(email="").order_by("pk"):
            with translation.override(admin.preferred_language):
                subject = _("[AIPIA] Webhook endpoint disabled: %(url)s") % {"url": endpoint.url}
                body = _(
                    "The webhook endpoint %(url)s has been disabled.\n\nWhy: %(reason)s\n\n"
                    "Deliveries wait until it is enabled again: %(link)s\n"
                ) % {"url": endpoint.url, "reason": reason, "link": f"{site}/outbox/webhooks/{endpoint.pk}/"}
            queue_email(to=[admin.email], subject=subject, language=admin.preferred_language, context={"body": body})


def send_test_event(*, endpoint: WebhookEndpoint, actor: Any) -> Message:
    """Queue a ``webhook.test`` event for this endpoint alone."""
    _require_admin(actor)
    with transaction.atomic():
        rows = emit_event(
            event_type=events.TEST_EVENT,
            data={"endpoint": str(endpoint.pk), "message": "This is a test event from AIPIA Credentials."},
            endpoints=[endpoint],
        )
    return rows[0]
