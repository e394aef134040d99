from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from credentials.lifecycle import shown_status
from credentials.models import Credential, ShownStatus
from credentials.register import set_register_listing
from credentials.selectors import get_own_credential, own_credentials
from credentials.services import verify_url_for
from credentials.views import DOWNLOADS, credential_download_response, linkedin_url


class HolderCredentialSerializer(serializers.ModelSerializer):
    profile = serializers.CharField(source="profile.code")
    verify_url = serializers.SerializerMethodField()
    downloads = serializers.SerializerMethodField()
    linkedin_url = serializers.SerializerMethodField()
    # Expired once the validity has ended, even before the daily lifecycle job has stored it; not yet valid
    # before it begins (a renewal's successor).
    status = serializers.SerializerMethodField()

    class Meta:
        model = Credential
        fields = [
            "id",
            "serial",
            "profile",
            "status",
            "issuance",
            "holder_name",
            "issued_at",
            "valid_from",
            "valid_until",
            "verify_url",
            "linkedin_url",
            "downloads",
            "listed_in_register",
        ]
        # Changed only through PATCH (HolderCredentialDetailApi), which calls the register service.
        read_only_fields = ["listed_in_register"]

    def _ready(self, credential) -> bool:
        return credential.issuance == Credential.Issuance.DONE

    @extend_schema_field(serializers.ChoiceField(choices=ShownStatus.choices))
    def get_status(self, credential) -> str:
        return shown_status(credential).value

    def get_verify_url(self, credential) -> str | None:
        return verify_url_for(credential.token) if self._ready(credential) else None

    def get_linkedin_url(self, credential) -> str | None:
        return linkedin_url(credential) if self._ready(credential) else None

    def get_downloads(self, credential) -> dict[str, str]:
        if not self._ready(credential):
            return {}
        return {kind: f"/api/v1/credentials/{credential.pk}/files/{kind}" for kind in DOWNLOADS}


class HolderCredentialListApi(APIView):
    @extend_schema(responses={200: HolderCredentialSerializer(many=True)}, operation_id="credentials_list")
    def get(self, request):
        """The caller's own credentials (while "issuing", the downloads are not there yet)."""
        return Response(HolderCredentialSerializer(own_credentials(holder=request.user), many=True).data)


class HolderCredentialDetailApi(APIView):
    class RegisterListingInput(serializers.Serializer):
        listed_in_register = serializers.BooleanField(
            help_text="Whether the credential appears in the public register of certified persons."
        )

    @extend_schema(responses={200: HolderCredentialSerializer}, operation_id="credentials_retrieve")
    def get(self, request, pk):
        return Response(HolderCredentialSerializer(get_own_credential(holder=request.user, credential_id=pk)).data)

    @extend_schema(
        request=RegisterListingInput,
        responses={200: HolderCredentialSerializer},
        operation_id="credentials_partial_update",
    )
    def patch(self, request, pk):
        """The holder lists their credential in the public register, or takes it out."""
        credential = get_own_credential(holder=request.user, credential_id=pk)
        data = self.RegisterListingInput(data=request.data)
        data.is_valid(raise_exception=True)
        credential = set_register_listing(
            credential=credential, holder=request.user, listed=data.validated_data["listed_in_register"]
        )
        return Response(HolderCredentialSerializer(credential).data)


class HolderCredentialDownloadApi(APIView):
    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(description="The PDF, the sealed .jsonld or the QR PNG.")
        },
        operation_id="credentials_download",
    )
    def get(self, request, pk, kind: str):
        if kind not in DOWNLOADS:
            raise Http404("Unknown download.")
        return credential_download_response(
            get_own_credential(holder=request.user, credential_id=pk), kind, inline=False
        )
