"""What the association publishes (Law 4/2013 art. 5), its impartiality risks (ISO/IEC 17024 §4.3), the competence
records of the people who assess (§6), from which, with the other apps' records, the period report is drawn (§10)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PublishedSection(models.Model):
    """One section of the transparency page, in both languages. Its every version is kept (``SectionRevision``)."""

    class Key(models.TextChoices):
        STATUTE = "statute", _("Statute")
        BODIES = "bodies", _("Governing bodies and structure")
        MEMBERSHIP = "membership", _("Membership requirements")
        STANDARDS = "standards", _("Quality standards per profile")
        GUARANTEES = "guarantees", _("Guarantees to the users of members' services")
        DESK = "desk", _("Consumer desk")
        FEES = "fees", _("Fees")

    key = models.CharField(max_length=20, choices=Key.choices, unique=True)
    title_en = models.CharField(max_length=200)
    title_it = models.CharField(max_length=200)
    body_en = models.TextField()
    body_it = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["position", "key"]

    def __str__(self) -> str:
        return self.title_en


class SectionRevision(models.Model):
    """A published version of a section: the page shows when each section last changed, and its history."""

    section = models.ForeignKey(PublishedSection, on_delete=models.CASCADE, related_name="revisions")
    title_en = models.CharField(max_length=200)
    title_it = models.CharField(max_length=200)
    body_en = models.TextField()
    body_it = models.TextField()
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.section.key} @ {self.changed_at:%Y-%m-%d}"


class ImpartialityRisk(models.Model):
    """An entry of the register of threats to impartiality, with its mitigation and the date it is next reviewed."""

    class Source(models.TextChoices):
        SELF_INTEREST = "self_interest", _("Self-interest")
        SELF_REVIEW = "self_review", _("Self-review")
        FAMILIARITY = "familiarity", _("Familiarity")
        INTIMIDATION = "intimidation", _("Intimidation")
        FINANCIAL = "financial", _("Financial pressure")
        TRAINING = "training", _("Training and certification by the same body")
        OTHER = "other", _("Other")

    class Likelihood(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    threat = models.TextField()
    source = models.CharField(max_length=20, choices=Source.choices)
    likelihood = models.CharField(max_length=10, choices=Likelihood.choices)
    mitigation = models.TextField()
    review_by = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["review_by", "pk"]

    def __str__(self) -> str:
        return self.threat[:60]


class RiskReview(models.Model):
    """A review of a risk: who looked at it, when, what they concluded, and the next review date they set."""

    risk = models.ForeignKey(ImpartialityRisk, on_delete=models.CASCADE, related_name="reviews")
    reviewed_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    likelihood = models.CharField(max_length=10, choices=ImpartialityRisk.Likelihood.choices)
    note = models.TextField()
    next_review_by = models.DateField(null=True, blank=True)  # None: the risk was closed

    class Meta:
        ordering = ["-reviewed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.risk_id} @ {self.reviewed_at:%Y-%m-%d}"


class CompetenceRecord(models.Model):
    """A qualification, training or experience of a person who assesses, interviews, decides or handles cases."""

    class Kind(models.TextChoices):
        QUALIFICATION = "qualification", _("Qualification")
        TRAINING = "training", _("Training")
        EXPERIENCE = "experience", _("Professional experience")
        CALIBRATION = "calibration", _("Assessor calibration")

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="competence_records")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    issuer = models.CharField(max_length=200, blank=True)
    obtained_on = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    hours = models.PositiveIntegerField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["person_id", "-obtained_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=models.F("obtained_on")),
                name="competence_record_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.title}"
