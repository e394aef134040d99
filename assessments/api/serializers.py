"""Output serializers of the committee API, shared by several operations.

Every name starts with ``Committee`` because drf-spectacular names schema components after the class and
the names must be unique project-wide.

Status, role and kind are plain strings, not enums: other apps already use those field names for other
choice sets, and spectacular can only name the enums apart with a warning.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from dossiers.models import Dossier, DossierStatus, DossierSubmission

from .. import checklist, selectors
from ..models import (
    Appeal,
    Assessment,
    Assignment,
    CompletenessCheck,
    Decision,
    ImpartialityDeclaration,
    InformationRequest,
    Interview,
    InterviewRecord,
)


def _values(choices) -> str:
    return ", ".join(choices.values)


class CommitteePersonSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = User
        fields = ["id", "name"]


class CommitteeDossierSummarySerializer(serializers.ModelSerializer):
    profile = serializers.CharField(source="profile.code")
    applicant = serializers.CharField(source="owner.__str__")

    class Meta:
        model = Dossier
        fields = ["id", "profile", "status", "applicant", "submitted_at"]


class CommitteeSubmissionSerializer(serializers.ModelSerializer):
    """A frozen version of the dossier: exactly what the committee assesses."""

    class Meta:
        model = DossierSubmission
        fields = ["number", "submitted_at", "manifest_sha256", "manifest"]


class CommitteeAssignmentSerializer(serializers.ModelSerializer):
    member = CommitteePersonSerializer()
    role = serializers.CharField(help_text=_values(Assignment.Role))
    status = serializers.CharField(help_text=_values(Assignment.Status))

    class Meta:
        model = Assignment
        fields = ["id", "member", "role", "status", "assigned_at", "declared_at", "has_conflict", "conflict_reason"]


class CommitteeAssignmentSummarySerializer(serializers.ModelSerializer):
    """One of the caller's assignments, with the applicant's name to judge a conflict of interest."""

    dossier = serializers.UUIDField(source="dossier_id")
    profile = serializers.CharField(source="dossier.profile.code")
    applicant = serializers.CharField(source="dossier.owner.__str__")
    submitted_at = serializers.DateTimeField(source="dossier.submitted_at", allow_null=True)
    role = serializers.CharField(help_text=_values(Assignment.Role))
    status = serializers.CharField(help_text=_values(Assignment.Status))

    class Meta:
        model = Assignment
        fields = [
            "id",
            "dossier",
            "profile",
            "applicant",
            "submitted_at",
            "role",
            "status",
            "assigned_at",
            "declared_at",
        ]


class CommitteeScoreSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    comment = serializers.CharField(allow_blank=True)


class CommitteeSheetSerializer(serializers.ModelSerializer):
    """A scoresheet: a draft until ``submitted_at`` is set; an amendment ``supersedes`` an earlier sheet."""

    assessor = CommitteePersonSerializer(source="assignment.member")
    submission = serializers.IntegerField(source="submission.number")
    scores = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = [
            "id",
            "assessor",
            "submission",
            "scores",
            "recommendation",
            "comment",
            "created_at",
            "submitted_at",
            "supersedes",
            "amendment_reason",
        ]

    @extend_schema_field(serializers.DictField(child=CommitteeScoreSerializer()))
    def get_scores(self, sheet: Assessment) -> dict:
        return {s.criterion.code: {"score": s.score, "comment": s.comment} for s in sheet.scores.all()}


class CommitteeAggregateSerializer(serializers.Serializer):
    """The assessors' scores combined under the profile's pass rules (``scoring.Aggregate``)."""

    criterion_means = serializers.DictField(child=serializers.DecimalField(max_digits=5, decimal_places=2))
    weighted_average = serializers.DecimalField(max_digits=5, decimal_places=2)
    passed = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    spread = serializers.DecimalField(max_digits=5, decimal_places=2)
    assessors = serializers.IntegerField()
    criterion_ranges = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2),
        help_text="Per criterion, the lowest and the highest score the assessors gave.",
    )


class CommitteeAgreementSerializer(serializers.Serializer):
    """Agreement between the assessors of the latest version. A kappa needs many paired scores (2k² for a k-point
    scale, assessments/scoring.py); one dossier has one per criterion and pair of assessors, so ``kappa`` is null
    unless ``paired_scores`` reaches ``min_paired_scores`` (and when undefined): compare ``criterion_ranges``."""

    kappa = serializers.FloatField(allow_null=True)
    assessors = serializers.IntegerField()
    paired_scores = serializers.IntegerField(help_text="Paired scores per pair of assessors: one per criterion.")
    min_paired_scores = serializers.IntegerField(help_text="The fewest paired scores a kappa is reported on.")


class CommitteeInterviewRecordSerializer(serializers.ModelSerializer):
    interviewer = CommitteePersonSerializer()
    recommendation = serializers.CharField(help_text="pass, fail")

    class Meta:
        model = InterviewRecord
        fields = ["id", "interview", "interviewer", "answers", "minutes", "score", "recommendation", "submitted_at"]


class CommitteeInterviewSerializer(serializers.ModelSerializer):
    status = serializers.CharField(help_text=_values(Interview.Status))

    class Meta:
        model = Interview
        fields = [
            "id",
            "starts_at",
            "time_zone",
            "duration_minutes",
            "mode",
            "location",
            "questions",
            "status",
        ]


class CommitteeInterviewWithRecordsSerializer(CommitteeInterviewSerializer):
    records = CommitteeInterviewRecordSerializer(many=True)

    class Meta(CommitteeInterviewSerializer.Meta):
        fields = [*CommitteeInterviewSerializer.Meta.fields, "records"]


class CommitteeDecisionSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(help_text=_values(Decision.Kind))
    decided_by = CommitteePersonSerializer()

    class Meta:
        model = Decision
        fields = ["id", "kind", "outcome", "rationale", "decided_by", "decided_at"]


class CommitteeAppealSerializer(serializers.ModelSerializer):
    status = serializers.CharField(help_text=_values(Appeal.Status))
    deadline = serializers.SerializerMethodField(help_text="When the appeal period of the decision ends.")

    class Meta:
        model = Appeal
        fields = ["id", "status", "statement", "lodged_at", "deadline", "panel"]

    @extend_schema_field(serializers.DateTimeField())
    def get_deadline(self, appeal: Appeal) -> str:
        return serializers.DateTimeField().to_representation(selectors.appeal_deadline(decision=appeal.decision))


class CommitteeInformationRequestSerializer(serializers.ModelSerializer):
    requested_by = CommitteePersonSerializer()

    class Meta:
        model = InformationRequest
        fields = ["id", "questions", "requested_by", "created_at"]


class CommitteeChecklistItemSerializer(serializers.Serializer):
    """An item to check (``checklist.ChecklistItem``) and what the submitted version shows of it."""

    key = serializers.CharField(
        help_text="identity, cv, training, experience, projects, evidence, "
        "self_assessment:<competence code>, declarations"
    )
    label = serializers.CharField()
    found = serializers.CharField(help_text="What the submitted version shows of the item.")
    present = serializers.BooleanField(
        allow_null=True, help_text="False: the version lacks it (it can only be marked missing); null: a person tells."
    )


class CommitteeCheckedItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.SerializerMethodField()
    confirmed = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True)

    def get_label(self, item: dict) -> str:
        return checklist.label(item.get("key", ""))


class CommitteeCompletenessCheckSerializer(serializers.ModelSerializer):
    """A recorded completeness check of one submitted version, with every item's verdict."""

    submission = serializers.IntegerField(source="submission.number", help_text="The version checked.")
    outcome = serializers.CharField(help_text=_values(CompletenessCheck.Outcome))
    items = CommitteeCheckedItemSerializer(many=True)
    checked_by = CommitteePersonSerializer()
    information_request = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The request sent to the applicant when incomplete."
    )

    class Meta:
        model = CompletenessCheck
        fields = ["id", "submission", "outcome", "items", "checked_by", "checked_at", "information_request"]


class CommitteeDashboardRowSerializer(serializers.Serializer):
    """One open dossier on the dashboard (``figures.DashboardRow``)."""

    dossier = serializers.UUIDField(source="dossier.pk")
    profile = serializers.CharField(source="dossier.profile.code")
    applicant = serializers.CharField(source="dossier.owner.__str__")
    status = serializers.ChoiceField(source="dossier.status", choices=DossierStatus.choices)
    held_by = serializers.CharField(help_text="Who has to act: applicant, secretariat, assessor names, …")
    since = serializers.DateTimeField(help_text="When the dossier entered its status.")
    days_in_state = serializers.IntegerField()
    overdue = serializers.BooleanField()


class CommitteeDeclarationSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImpartialityDeclaration
        fields = ["text_version", "signed_at", "valid_until"]


class CommitteeDossierDetailSerializer(serializers.Serializer):
    """Everything the secretariat, the decision maker or the appeal panel sees of one dossier.

    Rendered from a mapping built by the view: ``dossier`` and the parts computed for it.
    """

    id = serializers.UUIDField(source="dossier.id")
    profile = serializers.CharField(source="dossier.profile.code")
    status = serializers.ChoiceField(source="dossier.status", choices=DossierStatus.choices)
    applicant = serializers.CharField(source="dossier.owner.__str__")
    submitted_at = serializers.DateTimeField(source="dossier.submitted_at", allow_null=True)
    submission = CommitteeSubmissionSerializer(allow_null=True, help_text="The latest submitted version.")
    completeness_checks = CommitteeCompletenessCheckSerializer(
        many=True, help_text="One per version checked, oldest first."
    )
    assignments = CommitteeAssignmentSerializer(many=True)
    scores_hidden = serializers.BooleanField(
        help_text="True for a caller who is an assessor of the dossier and has not submitted their own scores: "
        "aggregate and agreement are then null."
    )
    aggregate = CommitteeAggregateSerializer(
        allow_null=True, help_text="Null until an assessor has submitted, and while scores_hidden."
    )
    agreement = CommitteeAgreementSerializer(allow_null=True, help_text="Null while scores_hidden.")
    interviews = CommitteeInterviewWithRecordsSerializer(many=True)
    decisions = CommitteeDecisionSerializer(many=True)
    appeal = CommitteeAppealSerializer(allow_null=True)


class CommitteeAssignmentDetailSerializer(serializers.Serializer):
    """One of the caller's assignments, rendered from a mapping built by the view.

    ``submission`` (the frozen manifest) and ``interviews`` appear only after a declaration of no conflict;
    ``other_sheets`` and ``aggregate`` are null until the caller's own scores are submitted.
    """

    id = serializers.IntegerField(source="assignment.pk")
    dossier = serializers.UUIDField(source="assignment.dossier_id")
    profile = serializers.CharField(source="assignment.dossier.profile.code")
    applicant = serializers.CharField(source="assignment.dossier.owner.__str__")
    dossier_status = serializers.CharField(source="assignment.dossier.status", help_text=_values(DossierStatus))
    role = serializers.CharField(source="assignment.role", help_text=_values(Assignment.Role))
    status = serializers.CharField(source="assignment.status", help_text=_values(Assignment.Status))
    assigned_at = serializers.DateTimeField(source="assignment.assigned_at")
    declared_at = serializers.DateTimeField(source="assignment.declared_at", allow_null=True)
    has_conflict = serializers.BooleanField(source="assignment.has_conflict", allow_null=True)
    conflict_reason = serializers.CharField(source="assignment.conflict_reason")
    submission = CommitteeSubmissionSerializer(allow_null=True)
    interviews = CommitteeInterviewSerializer(many=True)
    sheet = CommitteeSheetSerializer(allow_null=True, help_text="The caller's newest sheet for the latest version.")
    other_sheets = CommitteeSheetSerializer(many=True, allow_null=True)
    aggregate = CommitteeAggregateSerializer(allow_null=True)
