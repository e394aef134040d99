from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.models import Membership, User
from accounts.services import membership_problem, obtain_api_token


class TokenApi(APIView):
    """Exchange email and password for an API token, sent afterwards as ``Authorization: Token <token>``."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    class TokenInputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})

    class TokenOutputSerializer(serializers.Serializer):
        token = serializers.CharField()

    @extend_schema(
        request=TokenInputSerializer, responses={200: TokenOutputSerializer}, operation_id="auth_token_create"
    )
    def post(self, request):
        data = self.TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token = obtain_api_token(request=request, **data.validated_data)
        return Response(self.TokenOutputSerializer({"token": token}).data)


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
