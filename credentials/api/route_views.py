"""API of the third-party route and of the Law 4/2013 attestation; credentials/routes.py decides.

``GET``/``POST /api/v1/external-certifications`` (the caller's own; multipart to record one),
``POST /api/v1/external-certifications/<id>/verification`` and ``…/rejection`` (staff),
``POST /api/v1/attestations`` (the caller's own, or staff for ``member_number``).
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Membership
from aipia.errors import NotAllowed
from aipia.openapi import PROBLEM
from credentials import routes
from credentials.api.views import HolderCredentialSerializer
from credentials.models import ExternalCertification
from profiles.models import Profile


class ExternalCertificationSerializer(serializers.ModelSerializer):
    profile = serializers.CharField(source="profile.code")
    credential = serializers.SerializerMethodField()

    class Meta:
        model = ExternalCertification
        fields = [
            "id",
            "profile",
            "body",
            "accreditation",
            "scheme",
            "number",
            "issued_on",
            "valid_until",
            "scan_sha256",
            "status",
            "submitted_at",
            "checked_at",
            "check_note",
            "credential",
        ]
        read_only_fields = fields

    def get_credential(self, certification) -> str | None:
        from credentials.models import Credential

        credential_id = Credential.objects.filter(external_certification=certification).values_list("pk", flat=True)
        first = credential_id.first()
        return str(first) if first else None


class ExternalCertificationListApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    class RecordInput(serializers.Serializer):
        profile = serializers.SlugRelatedField(slug_field="code", queryset=Profile.objects.filter(is_published=True))
        body = serializers.CharField(max_length=300)
        accreditation = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
        scheme = serializers.CharField(max_length=300)
        number = serializers.CharField(max_length=100)
        issued_on = serializers.DateField()
        valid_until = serializers.DateField()
        scan = serializers.FileField(help_text="The certificate: PDF, PNG or JPEG, checked by content.")

    @extend_schema(
        responses={200: ExternalCertificationSerializer(many=True)}, operation_id="external_certifications_list"
    )
    def get(self, request):
        """The caller's own external certifications and how they were checked."""
        rows = ExternalCertification.objects.filter(holder=request.user).select_related("profile")
        return Response(ExternalCertificationSerializer(rows, many=True).data)

    @extend_schema(
        request={"multipart/form-data": RecordInput},
        responses={
            201: ExternalCertificationSerializer,
            400: OpenApiResponse(PROBLEM),
            403: OpenApiResponse(PROBLEM),
        },
        operation_id="external_certifications_create",
        summary="Record a certification by an accredited body (ISO/IEC 17024)",
    )
    def post(self, request):
        data = self.RecordInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        certification = routes.record_external_certification(holder=request.user, **values)
        return Response(ExternalCertificationSerializer(certification).data, status=status.HTTP_201_CREATED)


class _CheckInput(serializers.Serializer):
    note = serializers.CharField(max_length=routes.NOTE_MAX_LENGTH, required=False, allow_blank=True, default="")


def _for_reviewer(request, pk) -> ExternalCertification:
    if not routes.is_reviewer(request.user):
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
        credential = routes.verify_external_certification(
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
        certification = routes.reject_external_certification(
            certification=certification, actor=request.user, note=data.validated_data["note"]
        )
        return Response(ExternalCertificationSerializer(certification).data)


class AttestationApi(APIView):
    class AttestationInput(serializers.Serializer):
        member_number = serializers.CharField(
            max_length=30,
            required=False,
            allow_blank=True,
            help_text="Staff only: the member to attest; by default (or blank) the caller.",
        )

    @extend_schema(
        request=AttestationInput,
        responses={
            201: HolderCredentialSerializer,
            403: OpenApiResponse(PROBLEM),
            404: OpenApiResponse(PROBLEM, description="No member has this number."),
            409: OpenApiResponse(PROBLEM),
        },
        operation_id="attestations_create",
        summary="Request a Law 4/2013 art. 7 attestation",
    )
    def post(self, request):
        data = self.AttestationInput(data=request.data)
        data.is_valid(raise_exception=True)
        member = request.user
        number = data.validated_data.get("member_number")
        if number:
            membership = Membership.objects.select_related("user").filter(member_number=number).first()
            if membership is None:
                raise Http404("No member has this number.")
            member = membership.user
        credential = routes.issue_attestation(member=member, actor=request.user)
        return Response(HolderCredentialSerializer(credential).data, status=status.HTTP_201_CREATED)
