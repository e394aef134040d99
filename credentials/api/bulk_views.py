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
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from aipia.errors import NotAllowed
from credentials import bulk
from credentials.models import STATUS_CATEGORY_CHOICES, BulkJob
from credentials.status import REASON_MAX_LENGTH

_PROBLEM = inline_serializer("BulkJobProblem", {"detail": serializers.CharField(), "code": serializers.CharField()})
_REFUSALS = {
    403: OpenApiResponse(_PROBLEM, description="Only administrators may run bulk jobs."),
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
    done = serializers.IntegerField()
    failed = serializers.IntegerField()
    pending = serializers.IntegerField()
    percent = serializers.IntegerField(help_text="Items processed (done or failed), in percent of the total.")
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

        action = BulkActionField()
        credentials = serializers.ListField(
            child=serializers.UUIDField(), allow_empty=False, max_length=bulk.MAX_CREDENTIALS_PER_JOB
        )
        params = ParamsInput(required=False)

    @extend_schema(
        request=StartInput,
        responses={
            201: BulkJobProgressSerializer,
            400: OpenApiResponse(_PROBLEM, description="Invalid input or unknown credentials."),
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


class BulkJobDetailApi(APIView):
    @extend_schema(
        responses={
            200: BulkJobProgressSerializer,
            404: OpenApiResponse(_PROBLEM, description="No such job."),
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
