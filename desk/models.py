"""The consumer desk (Law 4/2013, art. 2(4)) and the complaints it receives (ISO/IEC 17024 §9.8).

Anyone, without an account, asks the association a question or lodges a complaint about a certified professional or
about the association itself. A case exists from the moment it is written, but counts as received only once its
sender has proved their e-mail address by following the link sent to it; the same private link then lets them follow
the case. Staff take a case through the transition table below, with deadlines and an audit row per step.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    QUESTION = "question", _("Request for information")
    COMPLAINT = "complaint", _("Complaint")


class About(models.TextChoices):
    PROFESSIONAL = "professional", _("A certified professional")
    ASSOCIATION = "association", _("The association")


class Status(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("Waiting for the e-mail address to be confirmed")
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    UNDER_REVIEW = "under_review", _("Under review")
    MEDIATION = "mediation", _("In mediation")
    DECIDED = "decided", _("Decided")
    REFERRED = "referred", _("Referred elsewhere")
    ANSWERED = "answered", _("Answered")


# Which status a case may move to from each status. Questions are answered; complaints are decided or referred.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.UNCONFIRMED: frozenset({Status.RECEIVED}),
    Status.RECEIVED: frozenset({Status.ACKNOWLEDGED, Status.REFERRED, Status.ANSWERED}),
    Status.ACKNOWLEDGED: frozenset({Status.UNDER_REVIEW, Status.REFERRED, Status.ANSWERED}),
    Status.UNDER_REVIEW: frozenset({Status.MEDIATION, Status.DECIDED, Status.REFERRED}),
    Status.MEDIATION: frozenset({Status.UNDER_REVIEW, Status.DECIDED, Status.REFERRED}),
    Status.DECIDED: frozenset(),
    Status.REFERRED: frozenset(),
    Status.ANSWERED: frozenset(),
}
OPEN_STATUSES = frozenset({Status.RECEIVED, Status.ACKNOWLEDGED, Status.UNDER_REVIEW, Status.MEDIATION})
CLOSED_STATUSES = frozenset({Status.DECIDED, Status.REFERRED, Status.ANSWERED})


class Outcome(models.TextChoices):
    UPHELD = "upheld", _("Upheld")
    PARTLY_UPHELD = "partly_upheld", _("Partly upheld")
    NOT_UPHELD = "not_upheld", _("Not upheld")


class Case(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=20, unique=True, null=True, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    about = models.CharField(max_length=20, choices=About.choices)
    # The professional as the sender named them, and the credential it was matched to (register, serial or id).
    professional_name = models.CharField(max_length=200, blank=True)
    credential = models.ForeignKey(
        "credentials.Credential", null=True, blank=True, on_delete=models.SET_NULL, related_name="desk_cases"
    )
    sender_name = models.CharField(max_length=200)
    sender_email = models.EmailField()
    language = models.CharField(max_length=10, default="en")
    subject = models.CharField(max_length=200)
    message = models.TextField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNCONFIRMED)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    conclusion = models.TextField(blank=True)  # what the sender is told when the case closes
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="desk_cases"
    )
    handler_declared_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    received_at = models.DateTimeField(null=True, blank=True)
    acknowledge_by = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    decide_by = models.DateTimeField(null=True, blank=True)
    professional_notified_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="decided") | ~models.Q(outcome=""), name="desk_decided_has_outcome"
            ),
        ]

    def __str__(self) -> str:
        return self.reference or str(self.id)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


class Message(models.Model):
    """A message in a case: from or to its sender, from or to the professional, or a staff note nobody else sees."""

    class Party(models.TextChoices):
        SENDER = "sender", _("The sender")
        PROFESSIONAL = "professional", _("The professional")
        STAFF = "staff", _("The association")

    class Audience(models.TextChoices):
        SENDER = "sender", _("To the sender")
        PROFESSIONAL = "professional", _("To the professional")
        INTERNAL = "internal", _("Internal note")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    author_party = models.CharField(max_length=20, choices=Party.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    audience = models.CharField(max_length=20, choices=Audience.choices)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author_party} → {self.audience}"


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    # The stored name never comes from the sender: a random name with the extension of the detected type.
    return f"desk/{instance.case_id}/{uuid.uuid4().hex}{instance.extension}"


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_upload_to, max_length=255)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=10)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class CaseEvent(models.Model):
    """The audit trail of a case: every step, by whom, when. Never edited."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=60)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.action


class ReferenceCounter(models.Model):
    """Yearly counter behind reference numbers (DESK-2026-000001), locked row by row."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
