"""Admins' API to suspend, reinstate and revoke a credential (DESIGN §4).

``POST /api/v1/credentials/<uuid>/suspension`` {"category", "reason", "until"?}, ``DELETE …/suspension``
{"reason"?}, ``POST /api/v1/credentials/<uuid>/revocation`` {"category", "reason"}. ``category`` is a code of
credentials/categories.py, which verifiers see; ``reason`` is for the holder and the staff. Each answers the
credential's status fields.
The services decide (credentials/status.py); refusals come back as ``{"detail", "code"}``: 403 for
non-admins, 404 for an unknown credential, 400 for bad input, 409 for a change the status does not allow.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from aipia.errors import NotAllowed
from aipia.openapi import PROBLEM
from credentials import status
from credentials.lifecycle import end_of_day
from credentials.models import STATUS_CATEGORY_CHOICES, Credential

_REFUSALS = {
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
    if getattr(request.user, "role", None) != User.Role.ADMIN:
        raise NotAllowed("Only administrators can suspend, reinstate or revoke a credential.")
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
            max_length=status.REASON_MAX_LENGTH, help_text="Why, in full: for the holder and the staff, never public."
        )
        until = SuspensionEnd(
            required=False,
            allow_null=True,
            help_text="When the suspension ends by itself: a day (YYYY-MM-DD, to its end in the issuer's time "
            "zone) or an instant (ISO 8601), in the future; without it, until reinstated.",
        )

    class ReinstateInput(serializers.Serializer):
        reason = serializers.CharField(max_length=status.REASON_MAX_LENGTH, required=False, allow_blank=True)

    @extend_schema(
        request=SuspendInput,
        responses={200: CredentialStatusSerializer, **_REFUSALS},
        operation_id="credentials_suspension_create",
        summary="Suspend a credential (admins)",
    )
    def post(self, request, pk):
        credential = _admin_credential(request, pk)
        data = self._valid(self.SuspendInput, request.data)
        credential = status.suspend(
            credential=credential,
            actor=request.user,
            category=data["category"],
            reason=data["reason"],
            until=data.get("until"),
        )
        return Response(CredentialStatusSerializer(credential).data)

    @extend_schema(
        request=ReinstateInput,
        responses={200: CredentialStatusSerializer, **_REFUSALS},
        operation_id="credentials_suspension_destroy",
        summary="Reinstate a suspended credential (admins)",
        description='Optional JSON body `{"reason": "…"}`, recorded in the audit trail. The credential becomes '
        "active again, or expired if its validity ended during the suspension.",
    )
    def delete(self, request, pk):
        credential = _admin_credential(request, pk)
        data = self._valid(self.ReinstateInput, request.data)
        credential = status.reinstate(credential=credential, actor=request.user, reason=data.get("reason", ""))
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
            max_length=status.REASON_MAX_LENGTH, help_text="Why, in full: for the holder and the staff, never public."
        )

    @extend_schema(
        request=RevokeInput,
        responses={200: CredentialStatusSerializer, **_REFUSALS},
        operation_id="credentials_revocation_create",
        summary="Revoke a credential, for good (admins)",
    )
    def post(self, request, pk):
        credential = _admin_credential(request, pk)
        serializer = self.RevokeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        credential = status.revoke(
            credential=credential,
            actor=request.user,
            category=serializer.validated_data["category"],
            reason=serializer.validated_data["reason"],
        )
        return Response(CredentialStatusSerializer(credential).data)
