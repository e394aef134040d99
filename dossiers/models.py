"""Competency dossiers: the applicant's evidence for one profile, its sections, files and lifecycle."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class DossierStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    INFORMATION_REQUESTED = "information_requested", _("Information requested")
    UNDER_ASSESSMENT = "under_assessment", _("Under assessment")
    INTERVIEW = "interview", _("Interview")
    AWAITING_DECISION = "awaiting_decision", _("Awaiting decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    APPEALED = "appealed", _("Appealed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Every status, and the statuses it may move to. The services of each business verb check this table;
# a test makes sure every status has an entry.
TRANSITIONS: dict[str, frozenset[str]] = {
    DossierStatus.DRAFT: frozenset({DossierStatus.SUBMITTED, DossierStatus.WITHDRAWN}),
    DossierStatus.SUBMITTED: frozenset(
        {DossierStatus.INFORMATION_REQUESTED, DossierStatus.UNDER_ASSESSMENT, DossierStatus.WITHDRAWN}
    ),
    DossierStatus.INFORMATION_REQUESTED: frozenset({DossierStatus.SUBMITTED, DossierStatus.WITHDRAWN}),
    DossierStatus.UNDER_ASSESSMENT: frozenset(
        {
            DossierStatus.INFORMATION_REQUESTED,
            DossierStatus.INTERVIEW,
            DossierStatus.AWAITING_DECISION,
            DossierStatus.WITHDRAWN,
        }
    ),
    DossierStatus.INTERVIEW: frozenset({DossierStatus.AWAITING_DECISION, DossierStatus.WITHDRAWN}),
    DossierStatus.AWAITING_DECISION: frozenset(
        {DossierStatus.APPROVED, DossierStatus.REJECTED, DossierStatus.WITHDRAWN}
    ),
    DossierStatus.APPROVED: frozenset(),
    DossierStatus.REJECTED: frozenset({DossierStatus.APPEALED}),
    DossierStatus.APPEALED: frozenset({DossierStatus.APPROVED, DossierStatus.REJECTED}),
    DossierStatus.WITHDRAWN: frozenset(),
}

# The applicant may change content only in these.
EDITABLE_STATUSES = frozenset({DossierStatus.DRAFT, DossierStatus.INFORMATION_REQUESTED})
# A dossier in one of these is "open": one open dossier per applicant and profile.
CLOSED_STATUSES = frozenset({DossierStatus.APPROVED, DossierStatus.REJECTED, DossierStatus.WITHDRAWN})
OPEN_STATUSES = frozenset(DossierStatus.values) - CLOSED_STATUSES


class Dossier(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="dossiers")
    profile = models.ForeignKey("profiles.Profile", on_delete=models.PROTECT, related_name="dossiers")
    # The scheme the dossier is assessed under, fixed when the dossier is started.
    scheme_version = models.CharField(max_length=20)
    status = models.CharField(max_length=30, choices=DossierStatus.choices, default=DossierStatus.DRAFT)
    # CV: the PDF is an EvidenceFile of kind "cv"; the structured summary lives here.
    cv_headline = models.CharField(_("headline"), max_length=200, blank=True)
    cv_summary = models.TextField(_("professional summary"), blank=True)
    years_of_experience = models.PositiveSmallIntegerField(
        _("years of professional experience"), null=True, blank=True, validators=[MaxValueValidator(70)]
    )
    highest_education = models.CharField(_("highest education"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "profile"],
                condition=~models.Q(status__in=sorted(CLOSED_STATUSES)),
                name="one_open_dossier_per_profile",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner} — {self.profile.code} ({self.status})"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


def evidence_upload_to(instance: EvidenceFile, filename: str) -> str:
    # The stored name never comes from the user: a random name with the extension of the detected type.
    return f"evidence/{instance.dossier_id}/{uuid.uuid4().hex}{instance.extension}"


class EvidenceFile(models.Model):
    class Kind(models.TextChoices):
        CV = "cv", _("CV")
        EVIDENCE = "evidence", _("Evidence")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.EVIDENCE)
    file = models.FileField(upload_to=evidence_upload_to, max_length=255)
    original_name = models.CharField(max_length=255)
    description = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=10)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # A file that was part of a submission is never deleted, only removed from the working copy.
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class TrainingEntry(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="training")
    title = models.CharField(_("title"), max_length=200)
    provider = models.CharField(_("provider"), max_length=200)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    hours = models.PositiveIntegerField(_("hours"), validators=[MinValueValidator(1), MaxValueValidator(10000)])
    evidence = models.ManyToManyField(EvidenceFile, blank=True, related_name="training_entries")

    class Meta:
        ordering = ["-start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="training_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ExperienceEntry(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="experience")
    employer = models.CharField(_("employer"), max_length=200)
    role = models.CharField(_("role"), max_length=200)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True, help_text=_("Leave empty if current."))
    description = models.TextField(_("description"))
    competences = models.ManyToManyField("profiles.EcfCompetence", blank=True, related_name="+")
    evidence = models.ManyToManyField(EvidenceFile, blank=True, related_name="experience_entries")

    class Meta:
        ordering = ["-start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="experience_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.role}, {self.employer}"


class ProjectEntry(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="projects")
    title = models.CharField(_("title"), max_length=200)
    role = models.CharField(_("your role"), max_length=200)
    description = models.TextField(_("description"))
    technologies = models.CharField(_("technologies"), max_length=500, blank=True)
    outcomes = models.TextField(_("outcomes"))
    links = models.JSONField(_("links"), default=list, blank=True)
    evidence = models.ManyToManyField(EvidenceFile, blank=True, related_name="project_entries")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title


class SelfAssessment(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="self_assessments")
    competence = models.ForeignKey("profiles.EcfCompetence", on_delete=models.PROTECT, related_name="+")
    claimed_level = models.PositiveSmallIntegerField(
        _("claimed level"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    justification = models.TextField(_("justification"))
    evidence = models.ManyToManyField(EvidenceFile, blank=True, related_name="self_assessments")

    class Meta:
        ordering = ["competence__area", "competence__sort_key"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "competence"], name="one_self_assessment_per_competence"),
            models.CheckConstraint(
                condition=models.Q(claimed_level__gte=1, claimed_level__lte=5), name="claimed_level_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.competence_id}: e-{self.claimed_level}"


class DossierSubmission(models.Model):
    """A frozen version of a dossier: exactly what the committee assesses.

    ``manifest`` holds the whole content and every file's SHA-256; ``manifest_sha256`` is the digest of
    its canonical JSON, so any later change to the stored manifest is detectable.
    """

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="submissions")
    number = models.PositiveSmallIntegerField()
    submitted_at = models.DateTimeField()
    manifest = models.JSONField()
    manifest_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["dossier", "number"], name="submission_number_unique")]

    def __str__(self) -> str:
        return f"{self.dossier_id} #{self.number}"


class DossierEvent(models.Model):
    """Audit trail: one row per state change or notable action, never updated or deleted."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=60)  # dotted name, e.g. "dossier.submitted"
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.from_status}→{self.to_status}"
