"""Issued credentials, the seal certificates that sealed them, and their status-list positions."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SealCertificate(models.Model):
    """Every seal certificate ever used. Never deleted: old credentials must still verify after rotation."""

    kid = models.CharField(max_length=64, unique=True)  # base64url SHA-256 of the certificate (x5t#S256)
    certificate_pem = models.TextField()
    chain_pem = models.TextField()  # seal certificate first, then the CA chain
    organization_identifier = models.CharField(max_length=100, blank=True)
    subject = models.CharField(max_length=500)
    not_before = models.DateTimeField()
    not_after = models.DateTimeField()
    is_test = models.BooleanField(default=False)
    is_active = models.BooleanField(default=False)  # the one new credentials are sealed with
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=models.Q(is_active=True), name="one_active_seal")
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.kid[:12]}…)"


class Credential(models.Model):
    class Kind(models.TextChoices):
        CERTIFICATION = "certification", _("Certification (UNI 11621-8)")

    class Status(models.TextChoices):
        ISSUING = "issuing", _("Being issued")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    class Issuance(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # One credential per approved dossier, whatever retries, duplicates or races happen.
    dossier = models.OneToOneField("dossiers.Dossier", null=True, on_delete=models.PROTECT, related_name="credential")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credentials")
    profile = models.ForeignKey("profiles.Profile", on_delete=models.PROTECT, related_name="credentials")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CERTIFICATION)
    serial = models.CharField(max_length=30, unique=True)  # printed on the certificate, e.g. AIPIA-2026-000042
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ISSUING)
    holder_name = models.CharField(max_length=300)
    scheme_version = models.CharField(max_length=20)
    # Fixed when the credential row is created, so a retried issuance builds the same document.
    issued_at = models.DateTimeField()
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    decided_at = models.DateTimeField()

    issuance = models.CharField(max_length=10, choices=Issuance.choices, default=Issuance.PENDING)
    issuance_step = models.CharField(max_length=30, blank=True)
    issuance_error = models.TextField(blank=True)
    issuance_attempts = models.PositiveSmallIntegerField(default=0)
    issuance_started_at = models.DateTimeField(null=True, blank=True)
    issuance_finished_at = models.DateTimeField(null=True, blank=True)

    seal = models.ForeignKey(SealCertificate, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sealed_json = models.FileField(upload_to="credentials/", blank=True)
    pdf = models.FileField(upload_to="credentials/", blank=True)
    qr_png = models.FileField(upload_to="credentials/", blank=True)
    token = models.TextField(blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    # Status changes after issuance (credentials/status.py). A suspension may end by itself at
    # ``suspended_until``; a revocation is final. ``status_version`` grows with every change, so caches of
    # verification answers keyed by it are never stale.
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspended_until = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.TextField(blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.TextField(blank=True)
    status_version = models.PositiveIntegerField(default=0)
    # ISO/IEC 17024 §7.2 public register of certified persons; the holder may opt out.
    listed_in_register = models.BooleanField(default=True)

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.serial} {self.holder_name}"


class StatusList(models.Model):
    """A W3C Bitstring Status List: one per purpose at a time, published at a stable URL."""

    class Purpose(models.TextChoices):
        REVOCATION = "revocation", _("Revocation")
        SUSPENSION = "suspension", _("Suspension")

    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    number = models.PositiveIntegerField()
    size = models.PositiveIntegerField(default=131072)
    created_at = models.DateTimeField(auto_now_add=True)
    # The published list, rebuilt in the same transaction as every status change (credentials/status.py):
    # the GZIP + multibase base64url bitstring, the sealed status list credential served at its URL, and
    # the ETag of those bytes.
    encoded_list = models.TextField(blank=True)
    sealed_json = models.BinaryField(blank=True, default=b"")
    etag = models.CharField(max_length=80, blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["purpose", "number"], name="status_list_number_unique")]

    def __str__(self) -> str:
        return f"{self.purpose} list {self.number}"


class StatusListEntry(models.Model):
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="entries")
    index = models.PositiveIntegerField()
    credential = models.ForeignKey(Credential, on_delete=models.PROTECT, related_name="status_entries")
    purpose = models.CharField(max_length=20, choices=StatusList.Purpose.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["status_list", "index"], name="status_index_unique"),
            models.UniqueConstraint(fields=["credential", "purpose"], name="one_entry_per_purpose"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose}#{self.index}"


class CredentialEvent(models.Model):
    """Audit trail of a credential: issuance steps, failures, retries, status changes."""

    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="events")
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


class SerialCounter(models.Model):
    """Yearly counter behind serial numbers; locked row by row, so two issuances never share a serial."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
