"""Dossier API: one thin class per operation; every rule lives in dossiers.services.

Only the owner sees a dossier: anybody else's answers 404 (selectors.get_own_dossier).
"""

from __future__ import annotations

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.services import membership_problem
from dossiers import services
from dossiers.completeness import missing_items
from dossiers.downloads import evidence_file_response
from dossiers.models import EvidenceFile, ExperienceEntry, ProjectEntry, TrainingEntry
from dossiers.selectors import applicant_timeline, current_files, get_downloadable_file, get_own_dossier, own_dossiers
from profiles.models import EcfCompetence
from profiles.selectors import published_profiles

from .serializers import (
    DossierDetailSerializer,
    DossierSummarySerializer,
    EventSerializer,
    ExperienceSerializer,
    FileSerializer,
    ProjectSerializer,
    SelfAssessmentSerializer,
    SubmissionSerializer,
    TrainingSerializer,
)


def _files(dossier, ids: list[int]) -> list[EvidenceFile]:
    files = list(current_files(dossier=dossier).filter(pk__in=ids))
    if len(files) != len(set(ids)):
        raise serializers.ValidationError({"evidence": ["Unknown file id for this dossier."]})
    return files


class DossierListApi(APIView):
    class DossierCreateSerializer(serializers.Serializer):
        profile = serializers.SlugRelatedField(
            slug_field="code",
            queryset=published_profiles(),
            help_text="Code of a published profile, e.g. ai-ml-engineer.",
        )

    @extend_schema(responses={200: DossierSummarySerializer(many=True)}, operation_id="dossiers_list")
    def get(self, request):
        """The caller's own dossiers."""
        return Response(DossierSummarySerializer(own_dossiers(owner=request.user), many=True).data)

    @extend_schema(
        request=DossierCreateSerializer,
        responses={201: DossierDetailSerializer},
        operation_id="dossiers_create",
    )
    def post(self, request):
        """Start a draft dossier for a profile (one open dossier per profile)."""
        data = self.DossierCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dossier = services.start_dossier(owner=request.user, profile=data.validated_data["profile"])
        return Response(DossierDetailSerializer(dossier).data, status=status.HTTP_201_CREATED)


class DossierDetailApi(APIView):
    class CvSummarySerializer(serializers.Serializer):
        cv_headline = serializers.CharField(max_length=200, allow_blank=True)
        cv_summary = serializers.CharField(allow_blank=True)
        years_of_experience = serializers.IntegerField(min_value=0, max_value=70, allow_null=True)
        highest_education = serializers.CharField(max_length=200, allow_blank=True)

    @extend_schema(responses={200: DossierDetailSerializer}, operation_id="dossiers_retrieve")
    def get(self, request, pk):
        """One of the caller's dossiers with every section."""
        return Response(DossierDetailSerializer(get_own_dossier(owner=request.user, dossier_id=pk)).data)

    @extend_schema(
        request=CvSummarySerializer,
        responses={200: DossierDetailSerializer},
        operation_id="dossiers_cv_update",
    )
    def patch(self, request, pk):
        """Update the CV's structured summary (fields not sent are kept)."""
        dossier = get_own_dossier(owner=request.user, dossier_id=pk)
        current = {name: getattr(dossier, name) for name in self.CvSummarySerializer().fields}
        data = self.CvSummarySerializer(data={**current, **request.data})
        data.is_valid(raise_exception=True)
        dossier = services.update_cv_summary(dossier=dossier, actor=request.user, **data.validated_data)
        return Response(DossierDetailSerializer(dossier).data)


class CompletenessApi(APIView):
    class CompletenessSerializer(serializers.Serializer):
        complete = serializers.BooleanField()
        missing = serializers.ListField(child=serializers.CharField())
        membership_problem = serializers.CharField(allow_null=True)
        can_submit = serializers.BooleanField()

    @extend_schema(responses={200: CompletenessSerializer}, operation_id="dossiers_completeness")
    def get(self, request, pk):
        """What is still missing before the dossier can be submitted."""
        dossier = get_own_dossier(owner=request.user, dossier_id=pk)
        missing = missing_items(dossier)
        problem = membership_problem(user=request.user)
        return Response(
            {
                "complete": not missing,
                "missing": missing,
                "membership_problem": problem,
                "can_submit": not missing and not problem and dossier.is_editable,
            }
        )


class SubmissionApi(APIView):
    @extend_schema(request=None, responses={201: SubmissionSerializer}, operation_id="dossiers_submit")
    def post(self, request, pk):
        """Submit (or resubmit) the dossier; 400 with ``missing`` when incomplete, 403 for non-members."""
        dossier = get_own_dossier(owner=request.user, dossier_id=pk)
        submission = services.submit_dossier(dossier=dossier, actor=request.user)
        return Response(SubmissionSerializer(submission).data, status=status.HTTP_201_CREATED)


class WithdrawalApi(APIView):
    class WithdrawalSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(
        request=WithdrawalSerializer,
        responses={200: DossierSummarySerializer},
        operation_id="dossiers_withdraw",
    )
    def post(self, request, pk):
        """Withdraw the dossier (possible until a decision)."""
        dossier = get_own_dossier(owner=request.user, dossier_id=pk)
        data = self.WithdrawalSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dossier = services.withdraw_dossier(dossier=dossier, actor=request.user, **data.validated_data)
        return Response(DossierSummarySerializer(dossier).data)


class EventListApi(APIView):
    @extend_schema(responses={200: EventSerializer(many=True)}, operation_id="dossiers_events")
    def get(self, request, pk):
        """The dossier's status timeline (audit events)."""
        dossier = get_own_dossier(owner=request.user, dossier_id=pk)
        return Response(EventSerializer(applicant_timeline(dossier=dossier), many=True).data)


# --- sections with entries: training, experience, projects -----------------------------------------------


class _EntryInput(serializers.Serializer):
    evidence = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)


class TrainingInput(_EntryInput):
    title = serializers.CharField(max_length=200)
    provider = serializers.CharField(max_length=200)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    hours = serializers.IntegerField(min_value=1, max_value=10000)


class ExperienceInput(_EntryInput):
    employer = serializers.CharField(max_length=200)
    role = serializers.CharField(max_length=200)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    description = serializers.CharField()
    competences = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class ProjectInput(_EntryInput):
    title = serializers.CharField(max_length=200)
    role = serializers.CharField(max_length=200)
    description = serializers.CharField()
    technologies = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    outcomes = serializers.CharField()
    links = serializers.ListField(child=serializers.URLField(), required=False, default=list)


def _save_experience(*, dossier, actor, entry=None, competences, **fields):
    found = list(EcfCompetence.objects.filter(code__in=competences, profiles=dossier.profile))
    if len(found) != len(set(competences)):
        raise serializers.ValidationError({"competences": ["Use codes of this profile's e-CF competences."]})
    return services.save_experience_entry(dossier=dossier, actor=actor, entry=entry, competences=found, **fields)


SECTIONS = {
    "training": (TrainingEntry, TrainingInput, TrainingSerializer, services.save_training_entry),
    "experience": (ExperienceEntry, ExperienceInput, ExperienceSerializer, _save_experience),
    "projects": (ProjectEntry, ProjectInput, ProjectSerializer, services.save_project_entry),
}


class EntryListApi(APIView):
    section = ""

    def get(self, request, pk):
        model, _input, output, _save = SECTIONS[self.section]
        dossier = get_own_dossier(owner=request.user, dossier_id=pk)
        return Response(output(model.objects.filter(dossier=dossier), many=True).data)

    def post(self, request, pk):
        _model, input_serializer, output, save = SECTIONS[self.section]
        dossier = get_own_dossier(owner=request.user, dossier_id=pk)
        data = input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields["evidence"] = _files(dossier, fields.get("evidence", []))
        entry = save(dossier=dossier, actor=request.user, **fields)
        return Response(output(entry).data, status=status.HTTP_201_CREATED)


class EntryDetailApi(APIView):
    section = ""

    def _entry(self, request, pk, entry_id):
        model = SECTIONS[self.section][0]
        dossier = get_own_dossier(owner=request.user, dossier_id=pk)
        return dossier, get_object_or_404(model, dossier=dossier, pk=entry_id)

    def get(self, request, pk, entry_id):
        _dossier, entry = self._entry(request, pk, entry_id)
        return Response(SECTIONS[self.section][2](entry).data)

    def put(self, request, pk, entry_id):
        _model, input_serializer, output, save = SECTIONS[self.section]
        dossier, entry = self._entry(request, pk, entry_id)
        data = input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields["evidence"] = _files(dossier, fields.get("evidence", []))
        entry = save(dossier=dossier, actor=request.user, entry=entry, **fields)
        return Response(output(entry).data)

    def delete(self, request, pk, entry_id):
        dossier, entry = self._entry(request, pk, entry_id)
        services.delete_entry(dossier=dossier, actor=request.user, entry=entry)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _entry_views(section: str) -> tuple[type[APIView], type[APIView]]:
    """The list and detail API classes of one entry section, each with its own schema."""
    _model, input_serializer, output, _save = SECTIONS[section]
    op = f"dossiers_{section}"
    list_view = extend_schema_view(
        get=extend_schema(responses={200: output(many=True)}, operation_id=f"{op}_list"),
        post=extend_schema(request=input_serializer, responses={201: output}, operation_id=f"{op}_create"),
    )(type(f"{section.title()}ListApi", (EntryListApi,), {"section": section}))
    detail_view = extend_schema_view(
        get=extend_schema(responses={200: output}, operation_id=f"{op}_retrieve"),
        put=extend_schema(request=input_serializer, responses={200: output}, operation_id=f"{op}_update"),
        delete=extend_schema(responses={204: None}, operation_id=f"{op}_destroy"),
    )(type(f"{section.title()}DetailApi", (EntryDetailApi,), {"section": section}))
    return list_view, detail_view


# --- self-assessment ---------------------------------------------------------------------------------------


class SelfAssessmentListApi(APIView):
    @extend_schema(responses={200: SelfAssessmentSerializer(many=True)}, operation_id="dossiers_self_assessments_list")
    def get(self, request, pk):
        """The self-assessment, one row per competence already rated."""
        dossier = get_own_dossier(owner=request.user, dossier_id=pk)
        return Response(SelfAssessmentSerializer(dossier.self_assessments.select_related("competence"), many=True).data)


class SelfAssessmentDetailApi(APIView):
    class SelfAssessmentInputSerializer(serializers.Serializer):
        claimed_level = serializers.IntegerField(min_value=1, max_value=5)
        justification = serializers.CharField()
        evidence = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)

    @extend_schema(
        request=SelfAssessmentInputSerializer,
        responses={200: SelfAssessmentSerializer},
        operation_id="dossiers_self_assessments_update",
    )
    def put(self, request, pk, code: str):
        """Rate yourself on one of the profile's competences (``code`` such as ``B.1``)."""
        dossier = get_own_dossier(owner=request.user, dossier_id=pk)
        competence = get_object_or_404(EcfCompetence, code=code)
        data = self.SelfAssessmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields["evidence"] = _files(dossier, fields.get("evidence", []))
        assessment = services.save_self_assessment(dossier=dossier, actor=request.user, competence=competence, **fields)
        return Response(SelfAssessmentSerializer(assessment).data)


# --- files ---------------------------------------------------------------------------------------------------


class FileListApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    class FileUploadSerializer(serializers.Serializer):
        file = serializers.FileField(allow_empty_file=True)
        kind = serializers.ChoiceField(choices=EvidenceFile.Kind.choices, default=EvidenceFile.Kind.EVIDENCE)
        description = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")

    @extend_schema(responses={200: FileSerializer(many=True)}, operation_id="dossiers_files_list")
    def get(self, request, pk):
        """The dossier's current files."""
        dossier = get_own_dossier(owner=request.user, dossier_id=pk)
        return Response(FileSerializer(current_files(dossier=dossier), many=True).data)

    @extend_schema(
        request={"multipart/form-data": FileUploadSerializer},
        responses={201: FileSerializer},
        operation_id="dossiers_files_upload",
    )
    def post(self, request, pk):
        """Upload a CV (PDF) or an evidence file (PDF, PNG, JPEG, DOCX), checked by content."""
        dossier = get_own_dossier(owner=request.user, dossier_id=pk)
        data = self.FileUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        evidence = services.upload_evidence(
            dossier=dossier,
            actor=request.user,
            upload=upload,
            original_name=upload.name,
            kind=data.validated_data["kind"],
            description=data.validated_data["description"],
        )
        return Response(FileSerializer(evidence).data, status=status.HTTP_201_CREATED)


class FileDetailApi(APIView):
    @extend_schema(responses={200: FileSerializer}, operation_id="dossiers_files_retrieve")
    def get(self, request, pk, file_id):
        return Response(FileSerializer(get_downloadable_file(user=request.user, dossier_id=pk, file_id=file_id)).data)

    @extend_schema(responses={204: None}, operation_id="dossiers_files_destroy")
    def delete(self, request, pk, file_id):
        evidence = get_downloadable_file(user=request.user, dossier_id=pk, file_id=file_id)
        services.delete_evidence(dossier=evidence.dossier, actor=request.user, evidence=evidence)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FileDownloadApi(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): bytes}, operation_id="dossiers_files_download")
    def get(self, request, pk, file_id):
        """The file's bytes, as uploaded."""
        evidence = get_downloadable_file(user=request.user, dossier_id=pk, file_id=file_id)
        return file_response(evidence)


def file_response(evidence: EvidenceFile) -> FileResponse:
    return evidence_file_response(evidence)
