"""Administrators' API for bulk jobs: ``POST /api/v1/bulk-jobs`` starts one, ``GET /api/v1/bulk-jobs/<uuid>``
tells its progress (the job page's script polls it).

The services decide (credentials/bulk.py); refusals come back as ``{"detail", "code"}``: 401/403 for anybody
but an administrator, 404 for an unknown job, 400 for bad input (unknown credentials are listed in
``missing``).
"""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from aipia.api import StrictUUIDField
from aipia.errors import NotAllowed
from aipia.openapi import PROBLEM
from credentials import bulk
from credentials.models import STATUS_CATEGORY_CHOICES, BulkJob, BulkJobItem
from credentials.status import REASON_MAX_LENGTH

_REFUSALS = {
    403: OpenApiResponse(PROBLEM, description="Only administrators may run bulk jobs."),
}


@extend_schema_field({"type": "string", "enum": BulkJob.Action.values}, component_name="BulkJobAction")
class BulkActionField(serializers.ChoiceField):
    """The job's action, as its own schema component: other APIs have "action" fields with other choices."""

    def __init__(self, **kwargs):
        super().__init__(choices=BulkJob.Action.choices, **kwargs)


class BulkJobProgressSerializer(serializers.Serializer):
    class FailureSerializer(serializers.Serializer):
        credential = serializers.UUIDField()
        serial = serializers.CharField()
        holder = serializers.CharField()
        error = serializers.CharField()

    id = serializers.UUIDField()
    action = BulkActionField()
    status = serializers.ChoiceField(choices=BulkJob.Status.choices)
    params = serializers.DictField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    total = serializers.IntegerField()
    done = serializers.IntegerField(help_text="Items where the action was taken (renewals: credentials renewed).")
    skipped = serializers.IntegerField(
        help_text="Items the rules left alone, e.g. outside the renewal rules without an override, or renewed already."
    )
    failed = serializers.IntegerField()
    pending = serializers.IntegerField()
    percent = serializers.IntegerField(help_text="Items processed (done, skipped or failed), in percent of the total.")
    issued = serializers.IntegerField(
        allow_null=True, help_text="Renewals: new credentials whose sealed documents are ready; null otherwise."
    )
    issuance_failed = serializers.IntegerField(
        allow_null=True, help_text="Renewals: new credentials whose issuance failed (retried); null otherwise."
    )
    failures = FailureSerializer(many=True, help_text=f"The first {bulk.MAX_FAILURES_LISTED} failed items.")


def _require_admin(request) -> None:
    if getattr(request.user, "role", None) != User.Role.ADMIN:
        raise NotAllowed("Only administrators can run bulk jobs.")


class BulkJobListApi(APIView):
    class StartInput(serializers.Serializer):
        class ParamsInput(serializers.Serializer):
            category = serializers.ChoiceField(
                choices=STATUS_CATEGORY_CHOICES,
                required=False,
                help_text="Suspend: required; the category of the reason, which verifiers see.",
            )
            reason = serializers.CharField(
                max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, help_text="Suspend: required."
            )
            note = serializers.CharField(
                max_length=bulk.NOTE_MAX_LENGTH, required=False, allow_blank=True, help_text="Renew: optional."
            )
            override_reason = serializers.CharField(
                max_length=bulk.NOTE_MAX_LENGTH,
                required=False,
                allow_blank=True,
                help_text="Renew: why credentials outside the renewal rules (window, CPD) are renewed too; recorded on "
                "each. Without it they are skipped. See POST /api/v1/bulk-jobs/preview.",
            )

        action = BulkActionField()
        credentials = serializers.ListField(
            child=StrictUUIDField(), allow_empty=False, min_length=1, max_length=bulk.MAX_CREDENTIALS_PER_JOB
        )
        params = ParamsInput(required=False)

    @extend_schema(
        request=StartInput,
        responses={
            201: BulkJobProgressSerializer,
            400: OpenApiResponse(PROBLEM, description="Invalid input or unknown credentials."),
            **_REFUSALS,
        },
        operation_id="bulk_jobs_create",
        summary="Start a bulk action on many credentials (admins)",
        description="Renew, suspend (a category and a reason are required) or send an expiry reminder to each "
        "credential, in the background. Each credential succeeds or fails on its own; follow the job at its "
        "`Location`.",
    )
    def post(self, request):
        _require_admin(request)
        serializer = self.StartInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        job = bulk.start_bulk_job(
            action=data["action"], credential_ids=data["credentials"], actor=request.user, params=data.get("params")
        )
        body = BulkJobProgressSerializer(bulk.bulk_job_progress(job=job)).data
        return Response(
            body, status=status.HTTP_201_CREATED, headers={"Location": reverse("api-bulk-job", kwargs={"pk": job.pk})}
        )


class BulkRenewalPreviewApi(APIView):
    class PreviewInput(serializers.Serializer):
        credentials = serializers.ListField(
            child=StrictUUIDField(), allow_empty=False, min_length=1, max_length=bulk.MAX_CREDENTIALS_PER_JOB
        )

    class RowSerializer(serializers.Serializer):
        credential = serializers.UUIDField(source="credential.pk")
        serial = serializers.CharField(source="credential.serial")
        holder = serializers.CharField(source="credential.holder_name")
        valid_until = serializers.DateTimeField(source="credential.valid_until")
        problems = serializers.ListField(child=serializers.CharField(), help_text="Why, a sentence each.")

    @extend_schema(
        request=PreviewInput,
        responses={
            200: inline_serializer(
                "BulkRenewalPreview",
                {
                    "total": serializers.IntegerField(),
                    "within": serializers.IntegerField(help_text="Within the renewal rules: they will be renewed."),
                    "outside": RowSerializer(many=True, help_text="Renewed only with an override_reason."),
                    "refused": RowSerializer(many=True, help_text="Never renewed by the job."),
                },
            ),
            400: OpenApiResponse(PROBLEM, description="Invalid input."),
            **_REFUSALS,
        },
        operation_id="bulk_jobs_preview_create",
        summary="Before a bulk renewal: which credentials the renewal rules let through, and why not (admins)",
    )
    def post(self, request):
        _require_admin(request)
        serializer = self.PreviewInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        preview = bulk.preview_renewal(credential_ids=serializer.validated_data["credentials"], actor=request.user)
        return Response(
            {
                "total": preview.total,
                "within": len(preview.within),
                "outside": self.RowSerializer(preview.outside, many=True).data,
                "refused": self.RowSerializer(preview.refused, many=True).data,
            }
        )


class BulkJobItemsApi(ListAPIView):
    """Every item of a bulk job and what happened to it (paginated)."""

    class BulkJobItemSerializer(serializers.Serializer):
        credential = serializers.UUIDField(source="credential_id")
        serial = serializers.CharField(source="credential.serial")
        holder = serializers.CharField(source="credential.holder_name")
        outcome = serializers.ChoiceField(source="status", choices=BulkJobItem.Status.choices)
        detail = serializers.CharField(source="error", help_text="Why it was skipped or failed; empty otherwise.")
        new_credential = serializers.UUIDField(
            source="result_credential_id", allow_null=True, help_text="Renewals: the credential this item made."
        )
        new_serial = serializers.CharField(source="result_credential.serial", allow_null=True, default=None)
        finished_at = serializers.DateTimeField(allow_null=True)

    serializer_class = BulkJobItemSerializer

    def get_queryset(self):
        _require_admin(self.request)
        job = BulkJob.objects.filter(pk=self.kwargs["pk"]).first()
        if job is None:
            raise Http404("No such job.")
        return bulk.bulk_job_items(job=job)

    @extend_schema(operation_id="bulk_jobs_items_list", summary="Each credential's outcome in a bulk job (admins)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class BulkJobDetailApi(APIView):
    @extend_schema(
        responses={
            200: BulkJobProgressSerializer,
            404: OpenApiResponse(PROBLEM, description="No such job."),
            **_REFUSALS,
        },
        operation_id="bulk_jobs_retrieve",
        summary="Progress of a bulk job (admins)",
    )
    def get(self, request, pk):
        _require_admin(request)
        job = BulkJob.objects.filter(pk=pk).first()
        if job is None:
            raise Http404("No such job.")
        return Response(BulkJobProgressSerializer(bulk.bulk_job_progress(job=job)).data)
