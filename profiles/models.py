"""The UNI 11621-8 catalogue as data: e-CF competences, profiles, assessment criteria, CPD rules.

Lists of bilingual items (tasks, deliverables, knowledge, skills) are JSON arrays of
``{"en": …, "it": …}`` objects; the catalogue JSON format (import/export) is documented in
``docs/catalogue.md``.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .i18n import Bilingual

LEVEL_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


class EcfCompetence(Bilingual, models.Model):
    """One of the 41 competences of the e-CF (EN 16234-1), e.g. ``B.1 Application Development``."""

    class Area(models.TextChoices):
        PLAN = "A", _("Plan")
        BUILD = "B", _("Build")
        RUN = "C", _("Run")
        ENABLE = "D", _("Enable")
        MANAGE = "E", _("Manage")

    code = models.CharField(max_length=5, unique=True)
    area = models.CharField(max_length=1, choices=Area.choices)
    title_en = models.CharField(max_length=200)
    title_it = models.CharField(max_length=200)
    description_en = models.TextField(blank=True)
    description_it = models.TextField(blank=True)
    # The proficiency levels (e-1..e-5) at which the framework defines this competence.
    min_level = models.PositiveSmallIntegerField(validators=LEVEL_VALIDATORS)
    max_level = models.PositiveSmallIntegerField(validators=LEVEL_VALIDATORS)
    sort_key = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["area", "sort_key"]
        verbose_name = _("e-CF competence")
        constraints = [
            models.CheckConstraint(condition=models.Q(min_level__lte=models.F("max_level")), name="ecf_level_range"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title_en}"

    def save(self, *args, **kwargs):
        # "D.10" must sort after "D.9".
        self.sort_key = int(self.code.split(".")[1])
        super().save(*args, **kwargs)


class Profile(Bilingual, models.Model):
    """A UNI 11621-8 professional profile and the certification scheme that assesses it."""

    code = models.SlugField(max_length=40, unique=True, help_text=_("Stable identifier, e.g. ai-ml-engineer."))
    title_en = models.CharField(max_length=200)
    title_it = models.CharField(max_length=200)
    summary_en = models.TextField()
    summary_it = models.TextField()
    mission_en = models.TextField()
    mission_it = models.TextField()
    main_tasks = models.JSONField(default=list, blank=True)
    deliverables = models.JSONField(default=list, blank=True)
    knowledge = models.JSONField(default=list, blank=True)
    technical_skills = models.JSONField(default=list, blank=True)
    cross_functional_skills = models.JSONField(default=list, blank=True)
    eqf_level = models.PositiveSmallIntegerField(
        _("EQF level"), validators=[MinValueValidator(1), MaxValueValidator(8)], default=6
    )
    standard_edition = models.CharField(max_length=50, default="UNI 11621-8:2026")
    scheme_version = models.CharField(max_length=20, default="1.0")
    # Pass rules: {"min_weighted_average": 3.0, "min_assessors": 2, "disagreement_threshold": 1.5}
    pass_rules = models.JSONField(default=dict, blank=True)
    # CPD: {"validity_years": 3, "min_hours_per_year": 20, "min_hours_total": 75, "categories": [...]}
    cpd_rules = models.JSONField(default=dict, blank=True)
    interview_required = models.BooleanField(default=False)
    # Structured interview questions: [{"en": …, "it": …}]
    interview_questions = models.JSONField(default=list, blank=True)
    is_published = models.BooleanField(default=True)
    competences = models.ManyToManyField(EcfCompetence, through="ProfileCompetence", related_name="profiles")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title_en"]
        verbose_name = _("profile")

    def __str__(self) -> str:
        return self.title_en


class ProfileCompetence(models.Model):
    """An e-CF competence a profile requires, at a proficiency level (e-1..e-5)."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="profile_competences")
    competence = models.ForeignKey(EcfCompetence, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(validators=LEVEL_VALIDATORS)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "competence__area", "competence__sort_key"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "competence"], name="profile_competence_unique"),
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5), name="profile_competence_level"),
        ]

    def __str__(self) -> str:
        return f"{self.competence.code} e-{self.level}"


class AssessmentCriterion(Bilingual, models.Model):
    """A criterion the committee scores, with its rubric: ``[{"score": 0..4, "en": …, "it": …}]``."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="criteria")
    code = models.CharField(max_length=20)
    title_en = models.CharField(max_length=200)
    title_it = models.CharField(max_length=200)
    description_en = models.TextField(blank=True)
    description_it = models.TextField(blank=True)
    weight = models.DecimalField(max_digits=4, decimal_places=2, default=1)
    max_score = models.PositiveSmallIntegerField(default=4)
    min_score = models.PositiveSmallIntegerField(default=2, help_text=_("A lower score fails the dossier."))
    rubric = models.JSONField(default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("assessment criterion")
        verbose_name_plural = _("assessment criteria")
        constraints = [
            models.UniqueConstraint(fields=["profile", "code"], name="criterion_code_unique"),
            models.CheckConstraint(condition=models.Q(min_score__lte=models.F("max_score")), name="criterion_scores"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title_en}"
