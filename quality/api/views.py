"""The quality API: the transparency page (public to read, administrators write), the impartiality risks, the
personnel records and the period report (the association's staff). One thin class per operation."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import roles
from accounts.models import User
from aipia.api import BoundedJSONParser
from aipia.openapi import PROBLEM

from .. import exports, personnel, report, services
from ..models import CompetenceRecord, ImpartialityRisk, PublishedSection, RiskReview


class SectionSerializer(serializers.ModelSerializer):
    changes = serializers.SerializerMethodField(help_text="When each version was published, newest first.")

    class Meta:
        model = PublishedSection
        fields = ["key", "title_en", "title_it", "body_en", "body_it", "position", "updated_at", "changes"]

    def get_changes(self, section: PublishedSection) -> list[str]:
        return [revision.changed_at.isoformat() for revision in section.revisions.all()]


class SectionInput(serializers.Serializer):
    title_en = serializers.CharField(max_length=services.TITLE_MAX)
    title_it = serializers.CharField(max_length=services.TITLE_MAX)
    body_en = serializers.CharField(max_length=services.TEXT_MAX)
    body_it = serializers.CharField(max_length=services.TEXT_MAX)
    position = serializers.IntegerField(required=False, min_value=0, max_value=100)


class TransparencyApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="transparency_list",
        summary="What the association publishes (Law 4/2013 art. 5), both languages, with the date of each change",
        responses={200: SectionSerializer(many=True)},
    )
    def get(self, request):
        return Response(SectionSerializer(PublishedSection.objects.prefetch_related("revisions"), many=True).data)


class TransparencySectionApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        operation_id="transparency_section_update",
        summary="Publish a new version of a transparency section (administrators)",
        request=SectionInput,
        responses={
            200: SectionSerializer,
            400: OpenApiResponse(PROBLEM),
            403: OpenApiResponse(PROBLEM),
            404: OpenApiResponse(PROBLEM),
        },
    )
    def put(self, request, key):
        if key not in PublishedSection.Key.values:
            raise Http404
        serializer = SectionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        section = services.publish_section(actor=request.user, key=key, **serializer.validated_data)
        return Response(SectionSerializer(section).data)


def _require_staff(request) -> None:  # type: ignore[no-untyped-def]
    if not roles.is_association_staff(request.user):
        raise Http404


class RiskReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskReview
        fields = ["reviewed_at", "reviewed_by", "likelihood", "note", "next_review_by"]


class RiskSerializer(serializers.ModelSerializer):
    reviews = RiskReviewSerializer(many=True, read_only=True)

    class Meta:
        model = ImpartialityRisk
        fields = [
            "id",
            "threat",
            "source",
            "likelihood",
            "mitigation",
            "review_by",
            "created_at",
            "closed_at",
            "reviews",
        ]


class RiskInput(serializers.Serializer):
    threat = serializers.CharField(max_length=services.TEXT_MAX)
    source = serializers.ChoiceField(choices=ImpartialityRisk.Source.choices)
    likelihood = serializers.ChoiceField(choices=ImpartialityRisk.Likelihood.choices)
    mitigation = serializers.CharField(max_length=services.TEXT_MAX)
    review_by = serializers.DateField()


class ReviewInput(serializers.Serializer):
    likelihood = serializers.ChoiceField(choices=ImpartialityRisk.Likelihood.choices)
    note = serializers.CharField(max_length=services.TEXT_MAX)
    mitigation = serializers.CharField(max_length=services.TEXT_MAX, required=False, allow_blank=True, default="")
    next_review_by = serializers.DateField(allow_null=True, help_text="null closes the risk.")


class RiskListApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        operation_id="quality_risks_list",
        summary="The register of impartiality risks (the association's staff)",
        responses={200: RiskSerializer(many=True), 404: OpenApiResponse(PROBLEM)},
    )
    def get(self, request):
        _require_staff(request)
        return Response(RiskSerializer(ImpartialityRisk.objects.prefetch_related("reviews"), many=True).data)

    @extend_schema(
        operation_id="quality_risks_create",
        summary="Record an impartiality risk (administrators)",
        request=RiskInput,
        responses={
            201: RiskSerializer,
            400: OpenApiResponse(PROBLEM),
            403: OpenApiResponse(PROBLEM),
            404: OpenApiResponse(PROBLEM),
        },
    )
    def post(self, request):
        _require_staff(request)
        serializer = RiskInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        risk = services.record_risk(actor=request.user, **serializer.validated_data)
        return Response(RiskSerializer(risk).data, status=status.HTTP_201_CREATED)


class RiskReviewApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        operation_id="quality_risk_reviews_create",
        summary="Record a review of an impartiality risk (administrators)",
        request=ReviewInput,
        responses={
            201: RiskSerializer,
            400: OpenApiResponse(PROBLEM),
            403: OpenApiResponse(PROBLEM),
            404: OpenApiResponse(PROBLEM),
            409: OpenApiResponse(PROBLEM),
        },
    )
    def post(self, request, risk_id):
        _require_staff(request)
        risk = get_object_or_404(ImpartialityRisk, pk=risk_id)
        serializer = ReviewInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.review_risk(risk=risk, actor=request.user, **serializer.validated_data)
        risk.refresh_from_db()
        return Response(RiskSerializer(risk).data, status=status.HTTP_201_CREATED)


class CompetenceRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = CompetenceRecord
        fields = ["id", "kind", "title", "issuer", "obtained_on", "valid_until", "hours", "recorded_at"]


class CompetenceInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CompetenceRecord.Kind.choices)
    title = serializers.CharField(max_length=services.TITLE_MAX)
    issuer = serializers.CharField(max_length=services.TITLE_MAX, required=False, allow_blank=True, default="")
    obtained_on = serializers.DateField()
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)
    hours = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=10_000)


PERIOD_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, required=True, description="The period's first day (YYYY-MM-DD)."),
    OpenApiParameter("to", OpenApiTypes.DATE, required=True, description="The period's last day, included."),
]


class PeriodInput(serializers.Serializer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"] = serializers.DateField()
        self.fields["to"] = serializers.DateField()

    def validate(self, data: dict) -> dict:
        if data["to"] < data["from"]:
            raise serializers.ValidationError({"to": ["The period must end on or after its first day."]})
        if (data["to"] - data["from"]).days > report.MAX_DAYS:
            raise serializers.ValidationError({"to": ["A report covers at most three years."]})
        return data


def _period(request) -> report.Period:  # type: ignore[no-untyped-def]
    serializer = PeriodInput(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return report.Period(serializer.validated_data["from"], serializer.validated_data["to"])


class MonitoringSerializer(serializers.Serializer):
    sheets_submitted = serializers.IntegerField()
    median_days_to_submit = serializers.FloatField(allow_null=True)
    agreement = serializers.DictField(help_text="pairs, kappa (null with too few pairs), min_pairs")
    conflicts_declared = serializers.IntegerField()


class PersonEntrySerializer(serializers.Serializer):
    user = serializers.IntegerField()
    name = serializers.CharField()
    committees = serializers.ListField(child=serializers.CharField())
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=["assessor", "interviewer", "decision_maker", "chair"])
    )
    declaration_valid_until = serializers.DateField(allow_null=True)
    records = CompetenceRecordSerializer(many=True)
    monitoring = MonitoringSerializer()


class PersonnelApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="quality_personnel_list",
        summary="Committee members' roles, declarations, competence records and monitoring over a period (staff)",
        parameters=PERIOD_PARAMETERS,
        responses={
            200: PersonEntrySerializer(many=True),
            400: OpenApiResponse(PROBLEM),
            404: OpenApiResponse(PROBLEM),
        },
    )
    def get(self, request):
        _require_staff(request)
        period = _period(request)
        return Response(
            [
                {
                    "user": record.person.pk,
                    "name": str(record.person),
                    "committees": record.committees,
                    "roles": record.roles,
                    "declaration_valid_until": record.declaration_valid_until,
                    "records": CompetenceRecordSerializer(record.records, many=True).data,
                    "monitoring": record.monitoring,
                }
                for record in personnel.personnel(period=period)
            ]
        )


class CompetenceRecordApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        operation_id="quality_personnel_records_create",
        summary="Add a competence record to a person (administrators)",
        request=CompetenceInput,
        responses={
            201: CompetenceRecordSerializer,
            400: OpenApiResponse(PROBLEM),
            403: OpenApiResponse(PROBLEM),
            404: OpenApiResponse(PROBLEM),
        },
    )
    def post(self, request, user_id):
        _require_staff(request)
        person = get_object_or_404(User, pk=user_id)
        serializer = CompetenceInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = services.record_competence(actor=request.user, person=person, **serializer.validated_data)
        return Response(CompetenceRecordSerializer(record).data, status=status.HTTP_201_CREATED)


class CSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):  # type: ignore[no-untyped-def]
        if isinstance(data, dict) and set(data) == set(report.SECTIONS):
            return exports.report_csv(data).encode()
        # A refusal.
        return f"detail\n{data.get('detail', data) if isinstance(data, dict) else data}\n".encode()


class PDFRenderer(renderers.BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):  # type: ignore[no-untyped-def]
        if not (isinstance(data, dict) and set(data) == set(report.SECTIONS)):
            return str(data).encode()
        return exports.report_pdf_bytes(renderer_context["period"], data)


class PeriodReportApi(APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [renderers.JSONRenderer, CSVRenderer, PDFRenderer]

    @extend_schema(
        operation_id="reports_period_retrieve",
        summary="The period report (staff): JSON, one object per section; format=csv (section,measure,value) or "
        "format=pdf",
        parameters=[
            *PERIOD_PARAMETERS,
            OpenApiParameter("format", str, enum=["json", "csv", "pdf"], required=False),
        ],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/pdf"): OpenApiTypes.BINARY,
            400: OpenApiResponse(PROBLEM),
            404: OpenApiResponse(PROBLEM),
        },
    )
    def get(self, request):
        _require_staff(request)
        period = _period(request)
        data = report.period_report(first_day=period.first_day, last_day=period.last_day)
        response = Response(data)
        fmt = getattr(request, "accepted_renderer", None)
        if fmt is not None and fmt.format in {"csv", "pdf"}:
            response["Content-Disposition"] = f'attachment; filename="{exports.file_name(period, fmt.format)}"'
        return response

    def get_renderer_context(self) -> dict:
        context = super().get_renderer_context()
        try:
            context["period"] = _period(self.request)
        except serializers.ValidationError:
            context["period"] = None
        return context
