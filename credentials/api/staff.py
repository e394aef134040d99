"""The staff's API: suspension, reinstatement and revocation, bulk jobs, renewal decisions and the check of
external certifications. One thin class per operation; the services decide."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import roles
from aipia.api import StrictUUIDField
from aipia.errors import NotAllowed
from aipia.openapi import PROBLEM
from credentials.api.holder import (
    ExternalCertificationSerializer,
    HolderCredentialSerializer,
    RenewalApplicationSerializer,
)
from credentials.models import (
    STATUS_CATEGORY_CHOICES,
    BulkJob,
    BulkJobItem,
    Credential,
    ExternalCertification,
    RenewalApplication,
)
from credentials.services import bulk, external, renewal
from credentials.services import status as status_changes
from credentials.services.clock import end_of_day
from credentials.services.texts import REASON_MAX_LENGTH

DECISION_ACTIONS = ["approve", "more_info", "reject", "reassessment"]


@extend_schema_field({"type": "string", "enum": DECISION_ACTIONS})
class DecisionActionField(serializers.ChoiceField):
    """Described inline, so that its enum does not collide with other components' ``action`` enums."""


def _require_reviewer(request) -> None:
    if not roles.is_association_staff(request.user):
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


class _CheckInput(serializers.Serializer):
    note = serializers.CharField(max_length=external.NOTE_MAX_LENGTH, required=False, allow_blank=True, default="")


def _for_reviewer(request, pk) -> ExternalCertification:
    if not roles.is_association_staff(request.user):
        raise NotAllowed("Only the association's staff can check external certifications.")
    try:
        return ExternalCertification.objects.get(pk=pk)
    except ExternalCertification.DoesNotExist as exc:
        raise Http404("No such certification.") from exc


class ExternalCertificationVerificationApi(APIView):
    @extend_schema(
        request=_CheckInput,
        responses={201: HolderCredentialSerializer, 403: OpenApiResponse(PROBLEM), 409: OpenApiResponse(PROBLEM)},
        operation_id="external_certifications_verification_create",
        summary="Verify an external certification and issue the credential (staff)",
    )
    def post(self, request, pk):
        certification = _for_reviewer(request, pk)
        data = _CheckInput(data=request.data)
        data.is_valid(raise_exception=True)
        credential = external.verify_external_certification(
            certification=certification, actor=request.user, note=data.validated_data["note"]
        )
        return Response(HolderCredentialSerializer(credential).data, status=status.HTTP_201_CREATED)


class ExternalCertificationRejectionApi(APIView):
    @extend_schema(
        request=_CheckInput,
        responses={
            200: ExternalCertificationSerializer,
            403: OpenApiResponse(PROBLEM),
            409: OpenApiResponse(PROBLEM),
        },
        operation_id="external_certifications_rejection_create",
        summary="Reject an external certification, saying why (staff)",
    )
    def post(self, request, pk):
        certification = _for_reviewer(request, pk)
        data = _CheckInput(data=request.data)
        data.is_valid(raise_exception=True)
        certification = external.reject_external_certification(
            certification=certification, actor=request.user, note=data.validated_data["note"]
        )
        return Response(ExternalCertificationSerializer(certification).data)


_STATUS_REFUSALS = {
    400: OpenApiResponse(PROBLEM, description="Missing or invalid reason or end date."),
    403: OpenApiResponse(PROBLEM, description="Only administrators may change a credential's status."),
    404: OpenApiResponse(PROBLEM, description="No such credential."),
    409: OpenApiResponse(PROBLEM, description="The credential's status does not allow this change."),
}


class CredentialStatusSerializer(serializers.ModelSerializer):
    class Meta:
        model = Credential
        fields = [
            "id",
            "serial",
            "status",
            "valid_from",
            "valid_until",
            "suspended_at",
            "suspended_until",
            "suspension_category",
            "suspension_reason",
            "revoked_at",
            "revocation_category",
            "revocation_reason",
            "status_version",
        ]
        read_only_fields = fields


def _admin_credential(request, pk) -> Credential:
    """The credential, for an administrator: 403 for anyone else, then 404 for an unknown id."""
    roles.require_admin(request.user, "Only administrators can suspend, reinstate or revoke a credential.")
    try:
        return Credential.objects.get(pk=pk)
    except Credential.DoesNotExist as exc:
        raise Http404("No such credential.") from exc


def _category_field() -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=STATUS_CATEGORY_CHOICES,
        help_text="The category of the reason, from a fixed list: what verifiers see.",
    )


@extend_schema_field(
    {
        "oneOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}],
        "nullable": True,
    }
)
class SuspensionEnd(serializers.Field):
    """A day (``YYYY-MM-DD``: the suspension ends at the end of that day in the issuer's time zone) or an
    instant (ISO 8601 with a time zone)."""

    def to_internal_value(self, data):
        if isinstance(data, str) and len(data) == 10:
            return end_of_day(serializers.DateField().to_internal_value(data))
        return serializers.DateTimeField().to_internal_value(data)

    def to_representation(self, value):
        return serializers.DateTimeField().to_representation(value)


class SuspensionApi(APIView):
    class SuspendInput(serializers.Serializer):
        category = _category_field()
        reason = serializers.CharField(
            max_length=status_changes.REASON_MAX_LENGTH,
            help_text="Why, in full: for the holder and the staff, never public.",
        )
        until = SuspensionEnd(
            required=False,
            allow_null=True,
            help_text="When the suspension ends by itself: a day (YYYY-MM-DD, to its end in the issuer's time "
            "zone) or an instant (ISO 8601), in the future; without it, until reinstated.",
        )

    class ReinstateInput(serializers.Serializer):
        reason = serializers.CharField(max_length=status_changes.REASON_MAX_LENGTH, required=False, allow_blank=True)

    @extend_schema(
        request=SuspendInput,
        responses={200: CredentialStatusSerializer, **_STATUS_REFUSALS},
        operation_id="credentials_suspension_create",
        summary="Suspend a credential (admins)",
    )
    def post(self, request, pk):
        credential = _admin_credential(request, pk)
        data = self._valid(self.SuspendInput, request.data)
        credential = status_changes.suspend(
            credential=credential,
            actor=request.user,
            category=data["category"],
            reason=data["reason"],
            until=data.get("until"),
        )
        return Response(CredentialStatusSerializer(credential).data)

    @extend_schema(
        request=ReinstateInput,
        responses={200: CredentialStatusSerializer, **_STATUS_REFUSALS},
        operation_id="credentials_suspension_destroy",
        summary="Reinstate a suspended credential (admins)",
        description='Optional JSON body `{"reason": "…"}`, recorded in the audit trail. The credential becomes '
        "active again, or expired if its validity ended during the suspension.",
    )
    def delete(self, request, pk):
        credential = _admin_credential(request, pk)
        data = self._valid(self.ReinstateInput, request.data)
        credential = status_changes.reinstate(credential=credential, actor=request.user, reason=data.get("reason", ""))
        return Response(CredentialStatusSerializer(credential).data)

    @staticmethod
    def _valid(serializer_class, data):
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class RevocationApi(APIView):
    class RevokeInput(serializers.Serializer):
        category = _category_field()
        reason = serializers.CharField(
            max_length=status_changes.REASON_MAX_LENGTH,
            help_text="Why, in full: for the holder and the staff, never public.",
        )

    @extend_schema(
        request=RevokeInput,
        responses={200: CredentialStatusSerializer, **_STATUS_REFUSALS},
        operation_id="credentials_revocation_create",
        summary="Revoke a credential, for good (admins)",
    )
    def post(self, request, pk):
        credential = _admin_credential(request, pk)
        serializer = self.RevokeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        credential = status_changes.revoke(
            credential=credential,
            actor=request.user,
            category=serializer.validated_data["category"],
            reason=serializer.validated_data["reason"],
        )
        return Response(CredentialStatusSerializer(credential).data)


_BULK_REFUSALS = {
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
    roles.require_admin(request.user, "Only administrators can run bulk jobs.")


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
            **_BULK_REFUSALS,
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
            **_BULK_REFUSALS,
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
            **_BULK_REFUSALS,
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
