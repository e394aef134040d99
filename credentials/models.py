"""Issued credentials, the seal certificates that sealed them, and their status-list positions."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from credentials.documents import categories


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
    # Which device holds the key (settings.SEAL_SIGNER: pkcs12, pkcs11, csc) and, for an HSM or a remote
    # service, where in it: the PKCS#11 key label or the CSC credential ID. Rotation switches to another one.
    signer = models.CharField(max_length=10, default="pkcs12")
    # "seal": a seal certificate (its chain's root is a trust anchor); "token": the software key that signs the QR
    # tokens (docs/verification.md), published beside the seals under a self-signed, non-CA certificate.
    purpose = models.CharField(max_length=10, default="seal")
    device_reference = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=models.Q(is_active=True), name="one_active_seal")
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.kid[:12]}…)"


# Why a credential is suspended or revoked, as verifiers read it: the codes and labels of
# credentials/documents/categories.py (the labels are in the Italian catalogue from there).
STATUS_CATEGORY_CHOICES = [(code, _(label)) for code, label in categories.LABELS.items()]


class Credential(models.Model):
    class Kind(models.TextChoices):
        CERTIFICATION = "certification", _("Certification (UNI 11621-8)")
        ATTESTATION = "attestation", _("Attestation of quality and professional qualification (Law 4/2013, art. 7)")

    class Basis(models.TextChoices):
        ASSESSMENT = "assessment", _("Assessment by the association's committee")
        RENEWAL = "renewal", _("Renewal through continuing professional development")
        THIRD_PARTY = "third_party", _("Certification by an accredited body (ISO/IEC 17024)")
        MEMBERSHIP = "membership", _("Membership in good standing")

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
    # Which run holds the issuance: set by each claim, so that a run whose lease expired and was taken over cannot
    # record its result (credentials/services/issuance.py ``issue_credential``).
    issuance_claim = models.UUIDField(null=True, blank=True, editable=False)
    issuance_finished_at = models.DateTimeField(null=True, blank=True)

    seal = models.ForeignKey(SealCertificate, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sealed_json = models.FileField(upload_to="credentials/", max_length=255, blank=True)
    pdf = models.FileField(upload_to="credentials/", max_length=255, blank=True)
    # When the certificate of the PDF's last document timestamp expires (PAdES B-LTA): extend_ltv adds the next
    # archive timestamp before then. Empty for a PDF sealed without a timestamp (B-B).
    ltv_until = models.DateTimeField(null=True, blank=True, db_index=True)
    qr_png = models.FileField(upload_to="credentials/", max_length=255, blank=True)
    token = models.TextField(blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    # Status changes after issuance (credentials/services/status.py). A suspension may end by itself at
    # ``suspended_until``; a revocation is final. ``status_version`` grows with every change, so caches of
    # verification answers keyed by it are never stale.
    # The public sees the category of a reason; the free text stays with the staff and the holder.
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspended_until = models.DateTimeField(null=True, blank=True)
    suspension_category = models.CharField(max_length=30, choices=STATUS_CATEGORY_CHOICES, blank=True)
    suspension_reason = models.TextField(blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_category = models.CharField(max_length=30, choices=STATUS_CATEGORY_CHOICES, blank=True)
    revocation_reason = models.TextField(blank=True)
    status_version = models.PositiveIntegerField(default=0)
    # ISO/IEC 17024 §7.2 public register of certified persons; the holder may opt out.
    listed_in_register = models.BooleanField(default=True)
    # The holder's public page at /c/<public_slug>: off until the holder switches it on
    # (credentials/services/public_page.py). The slug is drawn once, on the first switch-on, and kept, so a
    # link shared earlier works again when the page is switched back on (docs/decisions/0010-credential-public-page.md).
    public_page = models.BooleanField(default=False)
    public_slug = models.CharField(max_length=32, unique=True, null=True, blank=True, editable=False)

    # How the credential came about, and what it continues. A renewal's credential points at the one it
    # renews (which then expires at its own end date, never revoked); one successor per credential.
    basis = models.CharField(max_length=20, choices=Basis.choices, default=Basis.ASSESSMENT)
    predecessor = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="successor"
    )
    external_certification = models.ForeignKey(
        "credentials.ExternalCertification", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What the credential states beyond its profile, fixed when it is created (credentials/documents/statements.py):
    # {"basis": ...} the external certification of a third-party credential, {"attestation": ...} what an
    # attestation states. Documents are built from it, so a retried issuance seals the same content.
    statement = models.JSONField(null=True, blank=True, editable=False)
    expired_at = models.DateTimeField(null=True, blank=True)  # when the lifecycle job marked it expired

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.serial} {self.holder_name}"


class ShownStatus(models.TextChoices):
    """The status people are shown: the stored one, plus what the dates imply before anything is stored (a
    credential whose validity has not begun, or has ended). Derived, never stored
    (credentials/services/lifecycle.py)."""

    ISSUING = "issuing", _("Being issued")
    ACTIVE = "active", _("Active")
    NOT_YET_VALID = "not_yet_valid", _("Not yet valid")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


class StatusList(models.Model):
    """A W3C Bitstring Status List: one per purpose at a time, published at a stable URL."""

    class Purpose(models.TextChoices):
        REVOCATION = "revocation", _("Revocation")
        SUSPENSION = "suspension", _("Suspension")

    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    number = models.PositiveIntegerField()
    size = models.PositiveIntegerField(default=131072)
    # Entries handed out so far, counted up with each one (credentials/services/issuance.py), so deciding whether the
    # list is half full costs no count of its tens of thousands of entries.
    allocated = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # The published list, rebuilt in the same transaction as every status change (credentials/services/status.py):
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


def cpd_evidence_upload_to(instance: CPDActivity, filename: str) -> str:
    return f"cpd/{instance.holder_id}/{uuid.uuid4().hex}/{filename}"


def external_certificate_upload_to(instance: ExternalCertification, filename: str) -> str:
    return f"external-certifications/{instance.holder_id}/{uuid.uuid4().hex}/{filename}"


class CPDActivity(models.Model):
    """One continuing professional development activity logged by a holder against a credential's cycle."""

    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cpd_activities")
    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="cpd_activities")
    date = models.DateField(_("date"))
    category = models.CharField(_("category"), max_length=40)  # a code from the profile's cpd_rules
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    description = models.TextField(_("description"))
    evidence = models.FileField(_("evidence"), upload_to=cpd_evidence_upload_to, max_length=255, blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        constraints = [models.CheckConstraint(condition=models.Q(hours__gt=0), name="cpd_hours_positive")]

    def __str__(self) -> str:
        return f"{self.date} {self.category} {self.hours} h"


class RenewalApplication(models.Model):
    """A holder's application to renew a credential with their CPD record; reviewed by staff."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        MORE_INFO = "more_info", _("More information requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        REASSESSMENT = "reassessment", _("Sent to a full re-assessment")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    credential = models.ForeignKey(Credential, on_delete=models.PROTECT, related_name="renewal_applications")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    declaration = models.TextField()  # the holder's declaration of continued practice
    cpd_snapshot = models.JSONField(default=dict)  # the CPD record and rule check at submission
    submitted_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    new_credential = models.OneToOneField(
        Credential, null=True, blank=True, on_delete=models.PROTECT, related_name="renewal_application"
    )
    by_policy = models.BooleanField(default=False)  # created by an admin's bulk renewal, not by the holder

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            # At most one open application per credential; the unique one-to-one on the predecessor
            # (Credential.predecessor) makes a second renewal impossible even when two are approved at once.
            models.UniqueConstraint(
                fields=["credential"],
                condition=models.Q(status__in=["submitted", "more_info"]),
                name="one_open_renewal_per_credential",
            )
        ]

    def __str__(self) -> str:
        return f"renewal of {self.credential_id} ({self.status})"


class ExpiryReminder(models.Model):
    """A reminder e-mail before expiry: one row per credential and offset, claimed before it is sent."""

    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="expiry_reminders")
    offset_days = models.PositiveSmallIntegerField()
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["credential", "offset_days"], name="one_reminder_per_offset")]

    def __str__(self) -> str:
        return f"{self.credential_id} -{self.offset_days} d"


class BulkJob(models.Model):
    """An admin's action on many credentials, run by Celery, resumable, with per-credential results."""

    class Action(models.TextChoices):
        RENEW = "renew", _("Renew")
        SUSPEND = "suspend", _("Suspend")
        REMIND = "remind", _("Send reminder")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    action = models.CharField(max_length=20, choices=Action.choices)
    params = models.JSONField(default=dict, blank=True)  # e.g. {"reason": …} for a suspension
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.action} ({self.status})"


class BulkJobItem(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped")  # the rules say no (e.g. outside the renewal window): ``error`` says why
        FAILED = "failed", _("Failed")

    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="items")
    credential = models.ForeignKey(Credential, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    result_credential = models.ForeignKey(Credential, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["job", "credential"], name="one_item_per_credential")]

    def __str__(self) -> str:
        return f"{self.job_id} {self.credential_id} {self.status}"


class ExternalCertification(models.Model):
    """A member's certification by an accredited ISO/IEC 17024 body, recorded by them, checked by staff."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="external_certifications"
    )
    profile = models.ForeignKey("profiles.Profile", on_delete=models.PROTECT, related_name="+")
    body = models.CharField(_("certification body"), max_length=300)
    accreditation = models.CharField(_("accreditation"), max_length=300, blank=True)  # e.g. "ACCREDIA PRS n. 123"
    scheme = models.CharField(_("certification scheme"), max_length=300)
    number = models.CharField(_("certificate number"), max_length=100)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    scan = models.FileField(_("scan of the certificate"), upload_to=external_certificate_upload_to, max_length=255)
    scan_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    submitted_at = models.DateTimeField(auto_now_add=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    check_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [models.UniqueConstraint(fields=["body", "number"], name="external_certificate_unique")]

    def __str__(self) -> str:
        return f"{self.body} {self.number}"


class WalletOffer(models.Model):
    """An OpenID4VCI credential offer of one credential to its holder's wallet (pre-authorized code flow).

    Short-lived and single-use: the pre-authorized code is exchanged once for an access token, which is used once
    for the credential. Secrets are stored hashed: the pre-authorized code and the access token by SHA-256 (they
    are 256 random bits), the transaction code by a keyed HMAC (it has only six digits). The holder may revoke an
    open offer; creating a new one revokes the open ones (credentials/services/wallet.py).
    """

    class Format(models.TextChoices):
        SD_JWT_VC = "dc+sd-jwt", _("SD-JWT VC (EU Digital Identity Wallet)")
        OPEN_BADGE = "jwt_vc_json", _("Open Badges 3.0 (JWT)")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="wallet_offers")
    format = models.CharField(max_length=20, choices=Format.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    pre_authorized_code_hash = models.CharField(max_length=64, unique=True)
    tx_code_hash = models.CharField(max_length=64)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)
    token_issued_at = models.DateTimeField(null=True, blank=True)
    access_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    credential_issued_at = models.DateTimeField(null=True, blank=True)
    holder_key_thumbprint = models.CharField(max_length=64, blank=True)  # RFC 7638 of the key it was bound to

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.format} offer of {self.credential_id}"


class WalletNonce(models.Model):
    """A ``c_nonce`` from the nonce endpoint: used once in a proof of possession, then refused (replay)."""

    value_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.value_hash[:12]
