"""The desk's API: the public submission, the sender's case by its private link, and the staff's case handling.
One thin class per operation; desk/services.py decides."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import get_language
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from aipia.api import BoundedJSONParser
from aipia.errors import NotFound
from aipia.openapi import PROBLEM
from aipia.throttling import DeskSubmissionThrottle
from credentials.documents import categories

from .. import selectors, services
from ..models import About, Case, Kind, Message, Outcome, Status

ACTIONS = [
    "assign",
    "declare",
    "acknowledge",
    "review",
    "mediation",
    "end_mediation",
    "decide",
    "refer",
    "answer",
    "write",
    "credential",
]


class RequestInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    about = serializers.ChoiceField(choices=About.choices)
    professional_name = serializers.CharField(max_length=services.NAME_MAX, required=False, allow_blank=True)
    credential_reference = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="The professional's credential: its id, or its serial (checked against professional_name).",
    )
    sender_name = serializers.CharField(max_length=services.NAME_MAX)
    sender_email = serializers.EmailField()
    subject = serializers.CharField(max_length=services.SUBJECT_MAX)
    message = serializers.CharField(max_length=services.MESSAGE_MAX, min_length=services.MESSAGE_MIN)
    attachments = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class SubmittedSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[Status.UNCONFIRMED])
    detail = serializers.CharField()


class MessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Message
        fields = ["author_party", "audience", "body", "created_at"]


class EventSerializer(serializers.Serializer):
    action = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    created_at = serializers.DateTimeField()


class SenderCaseSerializer(serializers.ModelSerializer):
    messages = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "reference",
            "kind",
            "about",
            "professional_name",
            "subject",
            "message",
            "status",
            "outcome",
            "conclusion",
            "received_at",
            "acknowledge_by",
            "acknowledged_at",
            "decide_by",
            "closed_at",
            "messages",
        ]

    def get_messages(self, case: Case) -> list[dict]:
        return MessageSerializer(selectors.sender_view(case)["messages_shown"], many=True).data


class StaffCaseSerializer(serializers.ModelSerializer):
    handler = serializers.PrimaryKeyRelatedField(read_only=True)
    credential = serializers.PrimaryKeyRelatedField(read_only=True)
    allowed_actions = serializers.SerializerMethodField()
    messages = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "kind",
            "about",
            "professional_name",
            "credential",
            "sender_name",
            "sender_email",
            "subject",
            "message",
            "status",
            "outcome",
            "conclusion",
            "handler",
            "handler_declared_at",
            "created_at",
            "received_at",
            "acknowledge_by",
            "acknowledged_at",
            "decide_by",
            "professional_notified_at",
            "closed_at",
            "allowed_actions",
            "messages",
            "events",
        ]

    def _view(self, case: Case) -> dict:
        return selectors.staff_view(case=case, user=self.context["request"].user)

    def get_allowed_actions(self, case: Case) -> list[str]:
        return sorted(self._view(case)["allowed"])

    def get_messages(self, case: Case) -> list[dict]:
        return MessageSerializer(self._view(case)["messages_shown"], many=True).data

    def get_events(self, case: Case) -> list[dict]:
        return EventSerializer(case.events.all(), many=True).data

    def to_representation(self, case: Case) -> dict:
        data = super().to_representation(case)
        if not self._view(case)["can_read"]:  # a handler before their declaration sees no content
            for field in ("sender_email", "message", "conclusion"):
                data[field] = None
        return data


class DeskRequestApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [DeskSubmissionThrottle]
    parser_classes = [BoundedJSONParser, MultiPartParser]

    @extend_schema(
        operation_id="desk_requests_create",
        summary="Ask the consumer desk for information or lodge a complaint (public, no account)",
        description="The request is received once its sender follows the link e-mailed to them; the answer never "
        "carries that link. Limited per client address (DESK_RATE_LIMIT).",
        request={"application/json": RequestInput, "multipart/form-data": RequestInput},
        responses={202: SubmittedSerializer, 400: OpenApiResponse(PROBLEM)},
    )
    def post(self, request):
        serializer = RequestInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.submit_request(
            kind=data["kind"],
            about=data["about"],
            sender_name=data["sender_name"],
            sender_email=data["sender_email"],
            subject=data["subject"],
            message=data["message"],
            language=get_language() or "",
            professional_name=data.get("professional_name", ""),
            credential_reference=data.get("credential_reference", ""),
            uploads=[services.Upload(file=f, name=f.name) for f in data["attachments"]],
        )
        body = {
            "status": Status.UNCONFIRMED,
            "detail": "We have sent a link to the address given: the request is received once it is followed.",
        }
        return Response(body, status=status.HTTP_202_ACCEPTED)


class _SenderApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [BoundedJSONParser]

    def case(self, case_id, token) -> Case:
        try:
            return services.case_for_link(case_id=case_id, token=token)
        except NotFound as exc:
            raise Http404(exc.message) from exc


class SenderCaseApi(_SenderApi):
    @extend_schema(
        operation_id="desk_case_retrieve",
        summary="The sender's case, by its private link's id and secret",
        responses={200: SenderCaseSerializer, 404: OpenApiResponse(PROBLEM)},
    )
    def get(self, request, case_id, token):
        return Response(SenderCaseSerializer(self.case(case_id, token)).data)


class SenderConfirmApi(_SenderApi):
    @extend_schema(
        operation_id="desk_case_confirm",
        summary="Confirm the sender's e-mail address: the request is received (again: no change)",
        request=None,
        responses={200: SenderCaseSerializer, 404: OpenApiResponse(PROBLEM)},
    )
    def post(self, request, case_id, token):
        case = services.confirm_request(case=self.case(case_id, token))
        return Response(SenderCaseSerializer(case).data)


class SenderMessageApi(_SenderApi):
    class Input(serializers.Serializer):
        body = serializers.CharField(max_length=services.MESSAGE_MAX)

    @extend_schema(
        operation_id="desk_case_messages_create",
        summary="The sender writes to the association about their open case",
        request=Input,
        responses={201: MessageSerializer, 404: OpenApiResponse(PROBLEM), 409: OpenApiResponse(PROBLEM)},
    )
    def post(self, request, case_id, token):
        case = self.case(case_id, token)
        serializer = self.Input(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = services.reply_as_sender(case=case, body=serializer.validated_data["body"])
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)


class StaffCaseListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="desk_staff_cases_list",
        summary="Desk cases: all for the association's staff, their own for a handler",
        parameters=[
            OpenApiParameter(
                "status",
                str,
                enum=["open", "unconfirmed", "closed", "all"],
                required=False,
                description="Which cases (default: open).",
            )
        ],
        responses={
            200: StaffCaseSerializer(many=True),
            400: OpenApiResponse(PROBLEM),
            403: OpenApiResponse(PROBLEM),
            404: OpenApiResponse(PROBLEM),
        },
    )
    def get(self, request):
        if not services.can_handle(request.user):
            raise Http404
        status_filter = request.query_params.get("status", "open")
        if status_filter not in dict(selectors.STATUS_FILTERS):
            raise serializers.ValidationError({"status": ["Choose open, unconfirmed, closed or all."]})
        cases = selectors.cases_for(user=request.user, status=status_filter)[:200]
        return Response(StaffCaseSerializer(cases, many=True, context={"request": request}).data)


class StaffCaseApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="desk_staff_case_retrieve",
        summary="One desk case, as its handler or the staff see it, with the actions open to the caller",
        responses={200: StaffCaseSerializer, 404: OpenApiResponse(PROBLEM)},
    )
    def get(self, request, case_id):
        case = selectors.case_for_staff(user=request.user, case_id=case_id)
        return Response(StaffCaseSerializer(case, context={"request": request}).data)


class StaffActionInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=ACTIONS)
    handler = serializers.IntegerField(required=False, help_text="assign: the handler's user id.")
    has_conflict = serializers.BooleanField(required=False, help_text="declare: whether you have a conflict.")
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=services.MESSAGE_MAX,
        help_text="declare: the conflict; credential: the reason for staff and the holder.",
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=services.MESSAGE_MAX,
        help_text="acknowledge, mediation, end_mediation: a message to the sender.",
    )
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False, help_text="decide: the outcome.")
    conclusion = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=services.MESSAGE_MAX,
        help_text="decide, refer, answer: what the sender reads.",
    )
    audience = serializers.ChoiceField(choices=Message.Audience.choices, required=False, help_text="write: to whom.")
    body = serializers.CharField(required=False, allow_blank=True, default="", max_length=services.MESSAGE_MAX)
    credential_action = serializers.ChoiceField(choices=["suspend", "revoke"], required=False)
    category = serializers.ChoiceField(
        choices=[categories.MISCONDUCT, categories.UNDER_INVESTIGATION],
        required=False,
        help_text="credential: the public reason category.",
    )


class StaffCaseActionApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        operation_id="desk_staff_case_actions_create",
        summary="Take a desk case a step further (assign, declare, acknowledge, review, mediation, decide, refer, "
        "answer, write, or suspend/revoke the professional's credential)",
        request=StaffActionInput,
        responses={
            200: StaffCaseSerializer,
            400: OpenApiResponse(PROBLEM),
            403: OpenApiResponse(PROBLEM),
            404: OpenApiResponse(PROBLEM),
            409: OpenApiResponse(PROBLEM),
        },
    )
    def post(self, request, case_id):
        case = selectors.case_for_staff(user=request.user, case_id=case_id)
        serializer = StaffActionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        action, user = data["action"], request.user
        required = {
            "assign": ["handler"],
            "declare": ["has_conflict"],
            "decide": ["outcome"],
            "write": ["audience"],
            "credential": ["credential_action", "category"],
        }.get(action, [])
        missing = [name for name in required if name not in data]
        if missing:
            raise serializers.ValidationError({name: ["This field is required for this action."] for name in missing})
        if action == "assign":
            handler = User.objects.filter(pk=data["handler"]).first()
            if handler is None:
                raise serializers.ValidationError({"handler": ["No such user."]})
            services.assign_handler(case=case, actor=user, handler=handler)
        elif action == "declare":
            services.declare_conflict(case=case, actor=user, has_conflict=data["has_conflict"], reason=data["reason"])
        elif action == "acknowledge":
            services.acknowledge(case=case, actor=user, message=data["note"])
        elif action == "review":
            services.start_review(case=case, actor=user)
        elif action == "mediation":
            services.start_mediation(case=case, actor=user, note=data["note"])
        elif action == "end_mediation":
            services.end_mediation(case=case, actor=user, note=data["note"])
        elif action == "decide":
            services.decide(case=case, actor=user, outcome=data["outcome"], conclusion=data["conclusion"])
        elif action == "refer":
            services.refer(case=case, actor=user, conclusion=data["conclusion"])
        elif action == "answer":
            services.answer(case=case, actor=user, conclusion=data["conclusion"])
        elif action == "write":
            services.write(case=case, actor=user, audience=data["audience"], body=data["body"])
        else:
            services.act_on_credential(
                case=case,
                actor=user,
                action=data["credential_action"],
                category=data["category"],
                reason=data["reason"],
            )
        case.refresh_from_db()  # a handler who declared a conflict no longer reads its content
        return Response(StaffCaseSerializer(case, context={"request": request}).data)
