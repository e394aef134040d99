from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.history import describe
from dossiers.completeness import SECTIONS, dossier_progress
from dossiers.models import (
    Dossier,
    DossierEvent,
    DossierSubmission,
    EvidenceFile,
    ExperienceEntry,
    ProjectEntry,
    SelfAssessment,
    TrainingEntry,
)


class FileSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceFile
        fields = [
            "id",
            "kind",
            "original_name",
            "description",
            "content_type",
            "size",
            "sha256",
            "uploaded_at",
            "download_url",
        ]

    def get_download_url(self, f) -> str:
        return f"/api/v1/dossiers/{f.dossier_id}/files/{f.pk}/download"


class TrainingSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingEntry
        fields = ["id", "title", "provider", "start_date", "end_date", "hours", "evidence"]
        read_only_fields = ["id"]


class ExperienceSerializer(serializers.ModelSerializer):
    competences = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = ExperienceEntry
        fields = [
            "id",
            "employer",
            "role",
            "start_date",
            "end_date",
            "description",
            "competences",
            "evidence",
        ]
        read_only_fields = ["id"]


class ProjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProjectEntry
        fields = ["id", "title", "role", "description", "technologies", "outcomes", "links", "evidence"]
        read_only_fields = ["id"]


class SelfAssessmentSerializer(serializers.ModelSerializer):
    competence = serializers.CharField(source="competence.code")

    class Meta:
        model = SelfAssessment
        fields = ["competence", "claimed_level", "justification", "evidence"]


class EventSerializer(serializers.ModelSerializer):
    action = serializers.CharField(help_text="The event's machine code, a dotted name such as ``dossier.submitted``.")
    description = serializers.SerializerMethodField()
    actor = serializers.SerializerMethodField()

    class Meta:
        model = DossierEvent
        fields = ["action", "description", "from_status", "to_status", "reason", "actor", "created_at"]

    def get_description(self, event) -> str:
        """What the event means, as the pages say it, in the language of the request (``Accept-Language``)."""
        return describe(event.action)

    def get_actor(self, event) -> str:
        """``applicant``, ``committee`` or ``system``: applicants do not see committee members' names."""
        if event.actor_id is None:
            return "system"
        return "applicant" if event.actor_id == event.dossier.owner_id else "committee"


class SubmissionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DossierSubmission
        fields = ["number", "submitted_at", "manifest_sha256"]


class MissingItemSerializer(serializers.Serializer):
    section = serializers.ChoiceField(choices=list(SECTIONS), help_text="The section the item belongs to.")
    text = serializers.CharField(help_text="What is missing, in the caller's language.")
    url = serializers.CharField(
        help_text="Where it is done in the web application: the section's page and the field's anchor."
    )


class SectionProgressSerializer(serializers.Serializer):
    section = serializers.ChoiceField(choices=list(SECTIONS))
    label = serializers.CharField(help_text="The section's name, in the caller's language.")
    done = serializers.BooleanField(help_text="Every rule of the section is met.")
    missing_count = serializers.IntegerField(min_value=0, help_text="How many items of the section are missing.")


class ProgressSerializer(serializers.Serializer):
    """How far along the dossier is, by the same rules that decide whether it can be submitted."""

    percent = serializers.IntegerField(
        min_value=0, max_value=100, help_text="The share of the rules that are met, rounded down: 100 when complete."
    )
    complete = serializers.BooleanField()
    sections = SectionProgressSerializer(many=True, help_text="Every section, in the order of the dossier's pages.")
    missing = MissingItemSerializer(many=True, help_text="What is still missing, in the order of the sections.")


class DossierSummarySerializer(serializers.ModelSerializer):
    profile = serializers.CharField(source="profile.code")

    class Meta:
        model = Dossier
        fields = ["id", "profile", "status", "scheme_version", "created_at", "updated_at", "submitted_at"]


class DossierDetailSerializer(DossierSummarySerializer):
    files = serializers.SerializerMethodField()
    training = TrainingSerializer(many=True)
    experience = ExperienceSerializer(many=True)
    projects = ProjectSerializer(many=True)
    self_assessments = SelfAssessmentSerializer(many=True)
    submissions = SubmissionSerializer(many=True)
    progress = serializers.SerializerMethodField()

    class Meta(DossierSummarySerializer.Meta):
        fields = [
            *DossierSummarySerializer.Meta.fields,
            "cv_headline",
            "cv_summary",
            "years_of_experience",
            "highest_education",
            "files",
            "training",
            "experience",
            "projects",
            "self_assessments",
            "submissions",
            "progress",
        ]

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, dossier) -> dict:
        return ProgressSerializer(dossier_progress(dossier)).data

    def get_files(self, dossier) -> list[dict]:
        return FileSerializer(dossier.files.filter(removed_at__isnull=True), many=True).data
