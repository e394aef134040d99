from rest_framework import serializers

from accounts.history import describe
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
        ]

    def get_files(self, dossier) -> list[dict]:
        return FileSerializer(dossier.files.filter(removed_at__isnull=True), many=True).data
