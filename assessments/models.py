"""The committee's work on a dossier: people, declarations, assignments, scores, interviews, decisions, appeals.

Rules (who may do what, in which order) live in ``services.py``; the database adds the constraints that
must hold even if a service is bypassed or two requests race.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Committee(models.Model):
    """The technical committee responsible for one or more profiles."""

    name = models.CharField(max_length=200)
    profiles = models.ManyToManyField("profiles.Profile", related_name="committees", blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CommitteeMember(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="committee_memberships")
    is_assessor = models.BooleanField(_("assessor"), default=False)
    is_interviewer = models.BooleanField(_("interviewer"), default=False)
    is_decision_maker = models.BooleanField(_("decision maker"), default=False)
    is_chair = models.BooleanField(_("chair"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["committee", "user"], name="one_membership_per_committee")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.committee}"


class ImpartialityDeclaration(models.Model):
    """A committee member's signed impartiality and confidentiality declaration, valid for one year."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="impartiality_declarations"
    )
    text_version = models.CharField(max_length=20)
    signed_at = models.DateTimeField()
    valid_until = models.DateField()

    class Meta:
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return f"{self.user} until {self.valid_until}"


class Assignment(models.Model):
    """A committee member assigned to a dossier as assessor or interviewer.

    Before seeing anything of the dossier the member declares whether they have a conflict of interest;
    a declared conflict ends the assignment (the declaration is kept) and asks for a replacement.
    """

    class Role(models.TextChoices):
        ASSESSOR = "assessor", _("Assessor")
        INTERVIEWER = "interviewer", _("Interviewer")

    class Status(models.TextChoices):
        AWAITING_DECLARATION = "awaiting_declaration", _("Awaiting conflict-of-interest declaration")
        ACTIVE = "active", _("Active")
        CONFLICTED = "conflicted", _("Conflict declared")
        DONE = "done", _("Done")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.CASCADE, related_name="assignments")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(max_length=20, choices=Role.choices)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.AWAITING_DECLARATION)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    declared_at = models.DateTimeField(null=True, blank=True)
    has_conflict = models.BooleanField(null=True)
    conflict_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["assigned_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "member", "role"],
                condition=~models.Q(status__in=["conflicted", "withdrawn"]),
                name="one_live_assignment_per_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} as {self.role} of {self.dossier_id}"


class Assessment(models.Model):
    """One assessor's scoresheet for one submitted version of a dossier.

    A draft until ``submitted_at`` is set; then immutable. An amendment is a new Assessment that
    ``supersedes`` the previous one, with its reason.
    """

    class Recommendation(models.TextChoices):
        PASS = "pass", _("Certify")
        FAIL = "fail", _("Do not certify")
        INTERVIEW = "interview", _("Interview needed")

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="assessments")
    submission = models.ForeignKey("dossiers.DossierSubmission", on_delete=models.PROTECT, related_name="assessments")
    recommendation = models.CharField(max_length=20, choices=Recommendation.choices, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    amendment_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            # One original sheet per assignment and version; amendments hang off it.
            models.UniqueConstraint(
                fields=["assignment", "submission"],
                condition=models.Q(supersedes__isnull=True),
                name="one_original_assessment_per_version",
            )
        ]

    def __str__(self) -> str:
        return f"Assessment {self.pk} by {self.assignment.member_id}"


class CriterionScore(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey("profiles.AssessmentCriterion", on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["criterion__position"]
        constraints = [models.UniqueConstraint(fields=["assessment", "criterion"], name="one_score_per_criterion")]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.score}"


class InformationRequest(models.Model):
    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.CASCADE, related_name="information_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    questions = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    answered_by_submission = models.ForeignKey(
        "dossiers.DossierSubmission", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Information request on {self.dossier_id}"


class CompletenessCheck(models.Model):
    """The secretariat's completeness check of one submitted version, item by item, before any assessment.

    ``items`` keeps each item's verdict: ``[{"key": "cv", "confirmed": true, "note": ""}, …]`` (the keys are
    those of ``assessments.checklist``). An incomplete check sends the dossier back to the applicant with the
    missing items as the request for information it links to. Never changed once recorded.
    """

    class Outcome(models.TextChoices):
        COMPLETE = "complete", _("Complete")
        INCOMPLETE = "incomplete", _("Incomplete")

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.CASCADE, related_name="completeness_checks")
    submission = models.OneToOneField(
        "dossiers.DossierSubmission", on_delete=models.PROTECT, related_name="completeness_check"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    items = models.JSONField(default=list)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField()
    information_request = models.OneToOneField(
        InformationRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="completeness_check"
    )

    class Meta:
        ordering = ["checked_at", "pk"]

    def __str__(self) -> str:
        return f"Completeness check of {self.submission_id}: {self.outcome}"


class Escalation(models.Model):
    """Assessors disagreed beyond the profile's threshold on a version: a third assessor is needed."""

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.CASCADE, related_name="escalations")
    submission = models.OneToOneField("dossiers.DossierSubmission", on_delete=models.CASCADE, related_name="escalation")
    spread = models.DecimalField(max_digits=4, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Escalation on {self.dossier_id}"


class Interview(models.Model):
    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        VIDEO = "video", _("Video call")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.CASCADE, related_name="interviews")
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=45)
    time_zone = models.CharField(max_length=64, default="Europe/Rome")
    mode = models.CharField(max_length=20, choices=Mode.choices)
    location = models.CharField(max_length=500, help_text=_("Address, or the video link."))
    questions = models.JSONField(default=list)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    uid = models.CharField(max_length=100, unique=True)
    sequence = models.PositiveSmallIntegerField(default=0)
    scheduled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return f"Interview {self.dossier_id} at {self.starts_at}"

    @property
    def location_url(self) -> str:
        """The location when it is a web address (a video link), to show as a link; empty otherwise."""
        return self.location if self.location.startswith(("https://", "http://")) else ""


class InterviewRecord(models.Model):
    """One interviewer's minutes and scores; immutable once submitted."""

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="records")
    interviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(default=list)  # [{"question": …, "notes": …, "score": 0..4}]
    minutes = models.TextField()
    score = models.PositiveSmallIntegerField()
    recommendation = models.CharField(max_length=20, choices=Assessment.Recommendation.choices[:2])
    submitted_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["interview", "interviewer"], name="one_record_per_interviewer")]

    def __str__(self) -> str:
        return f"Record by {self.interviewer_id}"


class Decision(models.Model):
    class Outcome(models.TextChoices):
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")

    class Kind(models.TextChoices):
        INITIAL = "initial", _("Decision")
        APPEAL = "appeal", _("Appeal decision")

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.INITIAL)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    rationale = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    # What the decision maker saw: aggregated scores, agreement, interview.
    record = models.JSONField(default=dict)

    class Meta:
        ordering = ["decided_at"]
        constraints = [
            # Two decision makers racing cannot both decide the same dossier.
            models.UniqueConstraint(fields=["dossier", "kind"], name="one_decision_of_each_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.outcome} on {self.dossier_id}"


class Appeal(models.Model):
    class Status(models.TextChoices):
        LODGED = "lodged", _("Lodged")
        UPHELD = "upheld", _("Rejection upheld")
        OVERTURNED = "overturned", _("Rejection overturned")

    dossier = models.OneToOneField("dossiers.Dossier", on_delete=models.PROTECT, related_name="appeal")
    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="appeal")
    statement = models.TextField()
    lodged_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.LODGED)
    panel = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="appeal_panels", blank=True)

    def __str__(self) -> str:
        return f"Appeal on {self.dossier_id}"
