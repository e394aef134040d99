from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.models import AuthToken
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.models import Membership, User
from accounts.services import membership_problem
from accounts.tokens import live_tokens, obtain_api_token, revoke_api_token, revoke_api_tokens
from aipia.openapi import PROBLEM


class TokenApi(APIView):
    """Exchange email, password and (for an account with an authenticator app) the one-time code for an API
    token, sent afterwards as ``Authorization: Token <token>`` until it expires or is revoked."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    class TokenInputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
        otp = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=64,
            help_text="The code the authenticator app shows, or an unused recovery code (accounts with 2FA).",
        )

    class TokenOutputSerializer(serializers.Serializer):
        token = serializers.CharField()
        expires_at = serializers.DateTimeField()

    @extend_schema(
        request=TokenInputSerializer,
        responses={
            200: TokenOutputSerializer,
            400: OpenApiResponse(description="A field is missing or malformed."),
            401: OpenApiResponse(
                PROBLEM,
                description="code: bad_credentials (wrong address or password), mfa_required (send otp), "
                "mfa_invalid_code, or mfa_enrollment_required (staff and committee members: set up two-factor "
                "authentication on the website first).",
            ),
            403: OpenApiResponse(PROBLEM, description="code: email_unverified."),
            429: OpenApiResponse(description="Too many attempts for this account or from this address."),
        },
        operation_id="auth_token_create",
        summary="Obtain an API token",
    )
    def post(self, request):
        data = self.TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = obtain_api_token(request=request._request, **data.validated_data)
        return Response(self.TokenOutputSerializer(issued).data)


class ApiTokenSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="token_key", help_text="The token's first characters, which name it.")
    created_at = serializers.DateTimeField(source="created")
    expires_at = serializers.DateTimeField(source="expiry")
    current = serializers.SerializerMethodField(help_text="Whether this request was made with this token.")

    class Meta:
        model = AuthToken
        fields = ["id", "created_at", "expires_at", "current"]

    def get_current(self, token) -> bool:
        auth = self.context["request"].auth
        return isinstance(auth, AuthToken) and auth.digest == token.digest


class TokenListApi(APIView):
    """The caller's API tokens that have not expired; DELETE revokes them all."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: ApiTokenSerializer(many=True)}, operation_id="auth_tokens_list")
    def get(self, request):
        tokens = live_tokens(user=request.user)
        return Response(ApiTokenSerializer(tokens, many=True, context={"request": request}).data)

    @extend_schema(responses={204: None}, operation_id="auth_tokens_revoke_all", summary="Revoke all my tokens")
    def delete(self, request):
        revoke_api_tokens(user=request.user)
        return Response(status=204)


class TokenDetailApi(APIView):
    """Revoke one of the caller's API tokens (DELETE), named by its id."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={204: None, 404: OpenApiResponse(PROBLEM, description="You have no such token.")},
        operation_id="auth_token_revoke",
        summary="Revoke one of my tokens",
    )
    def delete(self, request, token_id: str):
        revoke_api_token(user=request.user, token_id=token_id)
        return Response(status=204)


class MeApi(APIView):
    """The caller: identity, role and membership (with the reason they cannot submit, if any)."""

    permission_classes = [IsAuthenticated]

    class MembershipSerializer(serializers.ModelSerializer):
        class Meta:
            model = Membership
            fields = ["member_number", "status", "valid_until"]

    class MeSerializer(serializers.ModelSerializer):
        membership = serializers.SerializerMethodField()
        membership_problem = serializers.SerializerMethodField()

        class Meta:
            model = User
            fields = [
                "id",
                "email",
                "first_name",
                "last_name",
                "role",
                "preferred_language",
                "membership",
                "membership_problem",
            ]

        def get_membership(self, user) -> dict | None:
            m = Membership.objects.filter(user=user).first()
            return MeApi.MembershipSerializer(m).data if m else None

        def get_membership_problem(self, user) -> str | None:
            return membership_problem(user=user)

    @extend_schema(responses={200: MeSerializer}, operation_id="me_retrieve")
    def get(self, request):
        return Response(self.MeSerializer(request.user).data)
