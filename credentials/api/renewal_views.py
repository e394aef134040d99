"""The CPD log and renewal through the API.

Holders: ``GET``/``POST /api/v1/credentials/<uuid>/cpd/`` (their record and its progress; log an activity,
multipart with an optional ``evidence`` file), ``DELETE …/cpd/<id>``, ``POST /api/v1/credentials/<uuid>/renewal``
``{"declaration"}`` (apply, or answer a request for more information). Reviewers (administrators, staff):
``GET /api/v1/renewals/``, ``POST /api/v1/renewals/<uuid>/decision`` ``{"action", "note"}``.

Another holder's credential or activity answers 404; refusals come back as ``{"detail", "code"}`` (400 bad
input, 403 not a reviewer, 409 a transition the state does not allow). The services decide.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from aipia.api import BoundedJSONParser
from aipia.errors import NotAllowed
from aipia.openapi import PROBLEM
from credentials import cpd, renewal
from credentials.models import CPDActivity, RenewalApplication
from credentials.selectors import get_own_credential


class CpdActivitySerializer(serializers.ModelSerializer):
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = CPDActivity
        fields = ["id", "date", "category", "hours", "description", "evidence", "evidence_sha256", "created_at"]
        read_only_fields = fields

    def get_evidence(self, activity) -> str | None:
        if not activity.evidence:
            return None
        return f"/credentials/{activity.credential_id}/cpd/{activity.pk}/evidence/"


class CpdYearSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()
    hours = serializers.DecimalField(max_digits=8, decimal_places=1)
    required = serializers.DecimalField(max_digits=8, decimal_places=1)
    state = serializers.ChoiceField(choices=["past", "current", "future"])
    met = serializers.BooleanField()


class CpdCategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.DictField(child=serializers.CharField())
    hours = serializers.DecimalField(max_digits=8, decimal_places=1)
    counted = serializers.DecimalField(max_digits=8, decimal_places=1)
    cap = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)


class CpdProgressSerializer(serializers.Serializer):
    met = serializers.BooleanField()
    required_total = serializers.DecimalField(max_digits=8, decimal_places=1)
    counted_total = serializers.DecimalField(max_digits=8, decimal_places=1)
    logged_total = serializers.DecimalField(max_digits=8, decimal_places=1)
    uncounted = serializers.DecimalField(max_digits=8, decimal_places=1)
    required_per_year = serializers.DecimalField(max_digits=8, decimal_places=1)
    years = CpdYearSerializer(many=True)
    categories = CpdCategorySerializer(many=True)
    problems = serializers.ListField(child=serializers.CharField())


class CpdRecordSerializer(serializers.Serializer):
    activities = CpdActivitySerializer(many=True)
    progress = CpdProgressSerializer()


class RenewalApplicationSerializer(serializers.ModelSerializer):
    holder = serializers.CharField(source="credential.holder_name")
    serial = serializers.CharField(source="credential.serial")
    cpd_met = serializers.SerializerMethodField()

    class Meta:
        model = RenewalApplication
        fields = [
            "id",
            "credential",
            "serial",
            "holder",
            "status",
            "declaration",
            "submitted_at",
            "reviewed_at",
            "review_note",
            "new_credential",
            "by_policy",
            "cpd_met",
        ]
        read_only_fields = fields

    def get_cpd_met(self, application) -> bool:
        return bool((application.cpd_snapshot or {}).get("progress", {}).get("met"))


def _record(credential) -> dict:
    return {"activities": list(credential.cpd_activities.all()), "progress": cpd.progress_for(credential)}


class CpdActivityListApi(APIView):
    parser_classes = [MultiPartParser, FormParser, BoundedJSONParser]

    class CpdActivityInput(serializers.Serializer):
        date = serializers.DateField()
        category = serializers.CharField(max_length=40, help_text="A category code of the profile's CPD rules.")
        hours = serializers.DecimalField(max_digits=5, decimal_places=1)
        description = serializers.CharField(max_length=cpd.DESCRIPTION_MAX_LENGTH)
        evidence = serializers.FileField(required=False, help_text="PDF, PNG, JPEG or DOCX; checked by content.")

    @extend_schema(responses={200: CpdRecordSerializer, 404: OpenApiResponse(PROBLEM)}, summary="The CPD record")
    def get(self, request, pk):
        credential = get_own_credential(holder=request.user, credential_id=pk)
        return Response(CpdRecordSerializer(_record(credential)).data)

    @extend_schema(
        request={"multipart/form-data": CpdActivityInput, "application/json": CpdActivityInput},
        responses={201: CpdActivitySerializer, 400: OpenApiResponse(PROBLEM), 404: OpenApiResponse(PROBLEM)},
        summary="Log a CPD activity",
    )
    def post(self, request, pk):
        credential = get_own_credential(holder=request.user, credential_id=pk)
        serializer = self.CpdActivityInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = data.get("evidence")
        activity = cpd.log_activity(
            holder=request.user,
            credential=credential,
            date=data["date"],
            category=data["category"],
            hours=data["hours"],
            description=data["description"],
            evidence=upload.file if upload else None,
            evidence_name=upload.name if upload else "",
        )
        return Response(CpdActivitySerializer(activity).data, status=201)


class CpdActivityDetailApi(APIView):
    @extend_schema(
        responses={204: None, 404: OpenApiResponse(PROBLEM), 409: OpenApiResponse(PROBLEM)},
        summary="Delete a CPD activity",
    )
    def delete(self, request, pk, activity_id):
        credential = get_own_credential(holder=request.user, credential_id=pk)
        activity = CPDActivity.objects.filter(pk=activity_id, credential=credential, holder=request.user).first()
        if activity is None:
            raise Http404("No such activity.")
        cpd.delete_activity(holder=request.user, activity=activity)
        return Response(status=204)


class RenewalApplyApi(APIView):
    class RenewalApplicationInput(serializers.Serializer):
        declaration = serializers.CharField(
            max_length=renewal.TEXT_MAX_LENGTH, help_text="The holder's declaration of continued practice."
        )

    @extend_schema(
        request=RenewalApplicationInput,
        responses={
            200: OpenApiResponse(RenewalApplicationSerializer, description="Resubmitted after a request for more."),
            201: RenewalApplicationSerializer,
            400: OpenApiResponse(PROBLEM),
            404: OpenApiResponse(PROBLEM),
            409: OpenApiResponse(PROBLEM, description="Not in the renewal window, renewed, revoked, already open."),
        },
        summary="Apply for renewal (or resubmit)",
    )
    def post(self, request, pk):
        credential = get_own_credential(holder=request.user, credential_id=pk)
        serializer = self.RenewalApplicationInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        declaration = serializer.validated_data["declaration"]
        waiting = credential.renewal_applications.filter(status=RenewalApplication.Status.MORE_INFO).first()
        if waiting is not None:
            application = renewal.resubmit(application=waiting, holder=request.user, declaration=declaration)
            return Response(RenewalApplicationSerializer(application).data)
        application = renewal.apply_for_renewal(credential=credential, holder=request.user, declaration=declaration)
        return Response(RenewalApplicationSerializer(application).data, status=201)


DECISION_ACTIONS = ["approve", "more_info", "reject", "reassessment"]


@extend_schema_field({"type": "string", "enum": DECISION_ACTIONS})
class DecisionActionField(serializers.ChoiceField):
    """Described inline, so that its enum does not collide with other components' ``action`` enums."""


def _require_reviewer(request) -> None:
    if not renewal.is_reviewer(request.user):
        raise NotAllowed("Only the association's staff can review renewals.")


class RenewalQueueApi(APIView):
    @extend_schema(
        responses={200: RenewalApplicationSerializer(many=True), 403: OpenApiResponse(PROBLEM)},
        summary="Open renewal applications (staff)",
    )
    def get(self, request):
        _require_reviewer(request)
        return Response(RenewalApplicationSerializer(renewal.review_queue(), many=True).data)


class RenewalDecisionApi(APIView):
    class RenewalDecisionInput(serializers.Serializer):
        action = DecisionActionField(choices=DECISION_ACTIONS)
        note = serializers.CharField(max_length=renewal.TEXT_MAX_LENGTH, required=False, allow_blank=True, default="")

    @extend_schema(
        request=RenewalDecisionInput,
        responses={
            200: RenewalApplicationSerializer,
            400: OpenApiResponse(PROBLEM),
            403: OpenApiResponse(PROBLEM),
            404: OpenApiResponse(PROBLEM),
            409: OpenApiResponse(PROBLEM),
        },
        summary="Decide on a renewal application (staff)",
    )
    def post(self, request, application_id):
        _require_reviewer(request)
        application = RenewalApplication.objects.filter(pk=application_id).first()
        if application is None:
            raise Http404("No such application.")
        serializer = self.RenewalDecisionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        action, note = serializer.validated_data["action"], serializer.validated_data["note"]
        reviewer = request.user
        if action == "approve":
            renewal.approve_renewal(application=application, reviewer=reviewer, note=note)
        elif action == "more_info":
            renewal.request_more_information(application=application, reviewer=reviewer, note=note)
        elif action == "reject":
            renewal.reject_renewal(application=application, reviewer=reviewer, note=note)
        else:
            renewal.send_to_reassessment(application=application, reviewer=reviewer, note=note)
        application.refresh_from_db()
        return Response(RenewalApplicationSerializer(application).data)
