"""The webhooks API (administrators): endpoints, their secrets, their deliveries; and the e-mails of unknown fate.
One thin class per operation; every rule is in outbox/services.py."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import roles
from aipia.api import BoundedJSONParser
from aipia.openapi import PROBLEM

from .. import events, services
from ..models import Attempt, Message, WebhookEndpoint

EVENT_CHOICES = sorted(events.EVENT_TYPES)
_ADMIN_ONLY = "Only administrators manage webhooks and the outbox."


class EndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_CHOICES))
    secret = serializers.CharField(
        help_text="The signing secret (whsec_…): verify each delivery's webhook-signature with it (Standard Webhooks)."
    )
    previous_secret_until = serializers.DateTimeField(
        allow_null=True, help_text="During a rotation, until when the previous secret still signs beside the new one."
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "enabled",
            "disabled_reason",
            "failing_since",
            "secret",
            "previous_secret_until",
            "created_at",
        ]
        read_only_fields = fields


class EndpointInput(serializers.Serializer):
    url = serializers.CharField(max_length=2000, help_text="https:// (plain http only in development).")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_CHOICES),
        required=False,
        help_text="The events to receive; default: every credential event (dossier.status_changed is opt-in).",
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class EndpointPatch(serializers.Serializer):
    url = serializers.CharField(max_length=2000, required=False)
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_CHOICES), required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    enabled = serializers.BooleanField(required=False)


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attempt
        fields = ["started_at", "duration_ms", "success", "response_status", "response_excerpt", "error"]


class DeliverySerializer(serializers.ModelSerializer):
    attempt_log = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "created_at",
            "next_attempt_at",
            "finished_at",
            "last_error",
            "payload",
            "attempt_log",
        ]


class EmailSerializer(serializers.ModelSerializer):
    class Meta:
        model = Message
        fields = ["id", "status", "recipients", "subject", "attempts", "created_at", "finished_at", "last_error"]


def _endpoint(request, pk) -> WebhookEndpoint:  # type: ignore[no-untyped-def]
    roles.require_admin(request.user, _ADMIN_ONLY)
    try:
        return WebhookEndpoint.objects.get(pk=pk)
    except WebhookEndpoint.DoesNotExist as exc:
        raise Http404("No such webhook endpoint.") from exc


def _status_param(request: Request, choices: list[str], default: str = "") -> str:
    """The list's ``status`` filter (``default`` when not given): one of ``choices``, or a 400 naming them."""
    wanted = request.query_params.get("status") or default
    if wanted and wanted not in choices:
        raise serializers.ValidationError({"status": [f"Choose one of: {', '.join(choices)}."]})
    return wanted


_ERRORS = {400: OpenApiResponse(PROBLEM), 403: OpenApiResponse(PROBLEM)}
_ERRORS_404 = {**_ERRORS, 404: OpenApiResponse(PROBLEM)}


class WebhookListApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        operation_id="webhooks_list",
        summary="The webhook endpoints (administrators)",
        responses={200: EndpointSerializer(many=True), 403: OpenApiResponse(PROBLEM)},
    )
    def get(self, request):
        roles.require_admin(request.user, _ADMIN_ONLY)
        return Response(EndpointSerializer(WebhookEndpoint.objects.all(), many=True).data)

    @extend_schema(
        operation_id="webhooks_create",
        summary="Add a webhook endpoint; the answer carries its signing secret (administrators)",
        request=EndpointInput,
        responses={201: EndpointSerializer, **_ERRORS},
    )
    def post(self, request):
        roles.require_admin(request.user, _ADMIN_ONLY)
        data = EndpointInput(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.create_endpoint(actor=request.user, **data.validated_data)
        return Response(EndpointSerializer(endpoint).data, status=status.HTTP_201_CREATED)


class WebhookDetailApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        operation_id="webhooks_retrieve",
        summary="One webhook endpoint (administrators)",
        responses={200: EndpointSerializer, **_ERRORS_404},
    )
    def get(self, request, pk):
        return Response(EndpointSerializer(_endpoint(request, pk)).data)

    @extend_schema(
        operation_id="webhooks_update",
        summary="Change a webhook endpoint's URL, events or description; enable or disable it (administrators)",
        request=EndpointPatch,
        responses={200: EndpointSerializer, **_ERRORS_404},
    )
    def patch(self, request, pk):
        endpoint = _endpoint(request, pk)
        data = EndpointPatch(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.update_endpoint(endpoint=endpoint, actor=request.user, **data.validated_data)
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(
        operation_id="webhooks_destroy",
        summary="Delete a webhook endpoint and its delivery log (administrators)",
        responses={204: None, **_ERRORS_404},
    )
    def delete(self, request, pk):
        services.delete_endpoint(endpoint=_endpoint(request, pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookSecretRotationApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [BoundedJSONParser]

    class RotationInput(serializers.Serializer):
        grace_hours = serializers.IntegerField(
            required=False,
            min_value=0,
            max_value=24 * 30,
            help_text="How long the current secret keeps signing beside the new one (default: the installation's).",
        )

    @extend_schema(
        operation_id="webhooks_secret_rotate",
        summary="Give the endpoint a new secret; the old one keeps signing during a grace period (administrators)",
        request=RotationInput,
        responses={200: EndpointSerializer, **_ERRORS_404},
    )
    def post(self, request, pk):
        endpoint = _endpoint(request, pk)
        data = self.RotationInput(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.rotate_secret(
            endpoint=endpoint, actor=request.user, grace_hours=data.validated_data.get("grace_hours")
        )
        return Response(EndpointSerializer(endpoint).data)


class WebhookTestApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        operation_id="webhooks_test",
        summary="Send a webhook.test event to this endpoint (administrators)",
        request=None,
        responses={202: DeliverySerializer, **_ERRORS_404},
    )
    def post(self, request, pk):
        message = services.send_test_event(endpoint=_endpoint(request, pk), actor=request.user)
        message.refresh_from_db()
        return Response(DeliverySerializer(message).data, status=status.HTTP_202_ACCEPTED)


class WebhookDeliveriesApi(ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = DeliverySerializer

    @extend_schema(
        operation_id="webhooks_deliveries_list",
        summary="The endpoint's deliveries of the last days, newest first, with each attempt (administrators)",
        parameters=[
            OpenApiParameter("status", str, enum=Message.Status.values, description="Only deliveries in this status.")
        ],
        responses={200: DeliverySerializer(many=True), **_ERRORS_404},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        endpoint = _endpoint(self.request, self.kwargs["pk"])
        rows = endpoint.messages.prefetch_related("attempt_log").order_by("-id")
        wanted = _status_param(self.request, Message.Status.values)
        return rows.filter(status=wanted) if wanted else rows


class WebhookDeliveryResendApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        operation_id="webhooks_deliveries_resend",
        summary="Send a delivery again, with the same event id (administrators)",
        request=None,
        responses={202: DeliverySerializer, **_ERRORS_404, 409: OpenApiResponse(PROBLEM)},
    )
    def post(self, request, pk, delivery_id):
        endpoint = _endpoint(request, pk)
        message = endpoint.messages.filter(pk=delivery_id).first()
        if message is None:
            raise Http404("No such delivery.")
        message = services.send_again(message=message, actor=request.user)
        return Response(DeliverySerializer(message).data, status=status.HTTP_202_ACCEPTED)


class OutboxEmailListApi(ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = EmailSerializer

    @extend_schema(
        operation_id="outbox_emails_list",
        summary="E-mails of unknown fate (their sender stopped mid-send) or failed, newest first (administrators)",
        parameters=[OpenApiParameter("status", str, enum=["unknown", "failed"], description="Default: unknown.")],
        responses={200: EmailSerializer(many=True), **_ERRORS_404},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        roles.require_admin(self.request.user, _ADMIN_ONLY)
        wanted = _status_param(self.request, [Message.Status.UNKNOWN, Message.Status.FAILED], Message.Status.UNKNOWN)
        return Message.objects.filter(kind=Message.Kind.EMAIL, status=wanted).order_by("-id")


class OutboxEmailResendApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        operation_id="outbox_emails_resend",
        summary="Send again an e-mail of unknown fate or failed (administrators)",
        request=None,
        responses={202: EmailSerializer, **_ERRORS_404, 409: OpenApiResponse(PROBLEM)},
    )
    def post(self, request, pk):
        roles.require_admin(request.user, _ADMIN_ONLY)
        message = Message.objects.filter(pk=pk, kind=Message.Kind.EMAIL).first()
        if message is None:
            raise Http404("No such e-mail.")
        message = services.send_again(message=message, actor=request.user)
        return Response(EmailSerializer(message).data, status=status.HTTP_202_ACCEPTED)
