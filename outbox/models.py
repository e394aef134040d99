"""The outbox: every message to the outside world (an e-mail, a webhook delivery) is a row here, written in the
same transaction as the change that causes it and delivered after the commit (outbox/services.py).

A row is claimed before it is sent (compare-and-set from ``pending`` to ``sending`` with a fresh claim token), so two
workers never send the same row; its attempts and their outcomes are kept (``Attempt``) for the delivery log.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WebhookEndpoint(models.Model):
    """A receiver of webhooks, managed by administrators: its URL, the events it wants, its signing secrets."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list)
    # Standard Webhooks secrets, ``whsec_`` + base64 of the key. During a rotation the previous one still signs
    # (a second signature in the header) until ``previous_secret_until``.
    secret = models.CharField(max_length=200)
    previous_secret = models.CharField(max_length=200, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=500, blank=True)
    # The first failure of the current run of failures; cleared by a success. Three days of failures disable.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("webhook endpoint")

    def __str__(self) -> str:
        return self.url


class Message(models.Model):
    class Kind(models.TextChoices):
        EMAIL = "email", _("E-mail")
        WEBHOOK = "webhook", _("Webhook")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        # An e-mail whose worker died after claiming it: it may or may not have left. Never sent again by itself
        # (at most once); an administrator may send it again.
        UNKNOWN = "unknown", _("Unknown: the sender stopped while sending")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # Writing the same message twice (a retried task, a replayed job) leaves one row.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    # An e-mail, rendered when written (in the recipient's language).
    recipients = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    # [{"path": name in default storage, "filename", "mimetype"}] or [{"content_b64", "filename", "mimetype"}].
    attachments = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=10, blank=True)

    # A webhook delivery: one row per event and endpoint; the event id is the same for every endpoint and every
    # attempt (``webhook-id``), for receivers to de-duplicate.
    endpoint = models.ForeignKey(
        WebhookEndpoint, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    event_id = models.CharField(max_length=64, blank=True, db_index=True)
    event_type = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    # Deliveries to one endpoint with the same key (a resource) go out in the order they were written.
    order_key = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["endpoint", "order_key", "id"], name="outbox_order"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} ({self.status})"


class Attempt(models.Model):
    """One try at delivering a message: the delivery log (kept ``OUTBOX_LOG_DAYS`` days)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attempt_log")
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    success = models.BooleanField(default=False)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.TextField(blank=True)
    request_headers = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"attempt {self.pk} of message {self.message_id}"
