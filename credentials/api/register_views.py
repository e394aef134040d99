"""``GET /api/v1/register?q=…``: the public register of certified persons, searched (never listed whole)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny

from aipia.throttling import PublicEndpointThrottle
from credentials.models import Credential
from credentials.register import (
    MAX_QUERY_LENGTH,
    MIN_QUERY_LENGTH,
    PAGE_SIZE,
    RegisterStatus,
    register_entry,
    search_register,
)


class RegisterPagination(PageNumberPagination):
    page_size = PAGE_SIZE


class RegisterEntrySerializer(serializers.Serializer):
    holder_name = serializers.CharField()
    serial = serializers.CharField(help_text="The serial number printed on the certificate.")
    profile = serializers.CharField(help_text="The profile's code, e.g. ai-ml-engineer.")
    profile_title = serializers.CharField(help_text="The profile's title in the request's language.")
    eqf_level = serializers.IntegerField()
    status = serializers.ChoiceField(
        choices=RegisterStatus.choices, help_text="Today's status; past its validity a credential is expired."
    )
    valid_from = serializers.DateTimeField()
    valid_until = serializers.DateTimeField()
    verify_url = serializers.URLField(help_text="The credential's verification page (its QR code's target).")

    def to_representation(self, instance: Credential):
        return super().to_representation(register_entry(instance))


class RegisterSearchApi(ListAPIView):
    permission_classes = [AllowAny]
    throttle_classes = [PublicEndpointThrottle]
    pagination_class = RegisterPagination
    serializer_class = RegisterEntrySerializer

    @extend_schema(
        operation_id="register_search",
        parameters=[
            OpenApiParameter(
                "q",
                # Some word of MIN_QUERY_LENGTH characters (white space is collapsed before the lengths count).
                {"type": "string", "pattern": rf"\S{{{MIN_QUERY_LENGTH}}}", "maxLength": MAX_QUERY_LENGTH},
                required=True,
                description=f"A name (every word, case and accents ignored), a serial number or a credential id; "
                f"at least {MIN_QUERY_LENGTH} characters, or 400 with code query_too_short.",
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        """Credentials of holders who have not opted out of the public register that match ``q``."""
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Credential.objects.none()
        return search_register(query=self.request.query_params.get("q", ""))
