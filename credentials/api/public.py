"""The public API: verification of an uploaded credential, of a serial and surname, of a credential by id, and
the public register. Verification and its caching are credentials/verification/server.py's."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils.functional import lazy
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.generics import ListAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from aipia.api import BoundedJSONParser, StrictPageNumberPagination
from aipia.errors import DomainError
from aipia.openapi import PROBLEM
from aipia.throttling import PublicEndpointThrottle
from credentials.models import STATUS_CATEGORY_CHOICES, Credential
from credentials.services import register
from credentials.services.register import (
    MAX_QUERY_LENGTH,
    MIN_QUERY_LENGTH,
    PAGE_SIZE,
    RegisterStatus,
    register_entry,
    search_register,
)
from credentials.verification import report, server
from credentials.verification.documents import UnreadableInput
from credentials.verification.uploads import read_upload, upload_problem


def _surname_required_now() -> str:
    return gettext("Enter the holder's surname as printed on the certificate (at least %(count)d characters).") % {
        "count": register.MIN_QUERY_LENGTH
    }


_surname_required = lazy(_surname_required_now, str)  # translated when a request reads it


class VerificationCheckSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=report.CHECK_NAMES)
    result = serializers.ChoiceField(choices=report.RESULTS)
    detail = serializers.CharField(help_text="Why, in words.")


class VerifiedCredentialSerializer(serializers.Serializer):
    id = serializers.CharField(allow_null=True)
    holder = serializers.CharField(allow_null=True)
    profile = serializers.CharField(allow_null=True, help_text="Our profile code, or the title of a foreign claim.")
    valid_from = serializers.CharField(allow_null=True, help_text="ISO 8601, as in the credential.")
    valid_until = serializers.CharField(allow_null=True, help_text="ISO 8601, as in the credential.")
    status_since = serializers.DateTimeField(
        allow_null=True, help_text="Since when the status holds (UTC), when known: docs/verification.md §3."
    )
    status_until = serializers.DateTimeField(
        allow_null=True, help_text="When the status ends by itself (UTC), when known, e.g. a suspension's end."
    )
    status_category = serializers.ChoiceField(
        choices=STATUS_CATEGORY_CHOICES,
        allow_null=True,
        help_text="Why a credential of ours is suspended or revoked, from a fixed list; null otherwise.",
    )


class VerificationReportSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    status = serializers.ChoiceField(choices=report.STATUSES)
    checks = VerificationCheckSerializer(many=True)
    credential = VerifiedCredentialSerializer()


class VerificationUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="A sealed credential (.jsonld), a sealed PDF certificate, an Open Badges 3.0 credential (a "
        ".jwt, or a PNG or SVG badge with one baked in) or an SD-JWT VC; typed by content."
    )


# An Open Badges 3.0 credential (a compact JWS) may be sent as the body itself, with one of these types.
JWT_MEDIA_TYPES = ("application/vc+jwt", "application/jwt", "text/plain")


# Public and read-only in effect: nobody needs to be identified, so no authentication runs — and with it no
# CSRF check, which DRF applies to session-authenticated callers only. The limit is per client address.
_PUBLIC: dict = {
    "authentication_classes": [],
    "permission_classes": [AllowAny],
    "throttle_classes": [PublicEndpointThrottle],
}


# An SD-JWT VC is text: its own media type (SD-JWT VC draft), or plain text as pasted.
SD_JWT_MEDIA_TYPES = ("application/dc+sd-jwt", "application/sd-jwt", "text/plain")


class VerificationApi(APIView):
    authentication_classes = _PUBLIC["authentication_classes"]
    permission_classes = _PUBLIC["permission_classes"]
    throttle_classes = _PUBLIC["throttle_classes"]
    parser_classes = [BoundedJSONParser, MultiPartParser]

    @extend_schema(
        operation_id="verifications_create",
        summary="Verify a sealed credential (JSON), an Open Badge (VC-JWT), an SD-JWT VC, or an uploaded file",
        request={
            "application/json": OpenApiTypes.OBJECT,
            "application/vc+jwt": OpenApiTypes.STR,
            "application/dc+sd-jwt": OpenApiTypes.STR,
            "multipart/form-data": VerificationUploadSerializer,
        },
        responses={
            200: VerificationReportSerializer,
            400: OpenApiResponse(PROBLEM, description="Not JSON, a PDF, a JWT or a badge image, or nothing sent."),
            413: OpenApiResponse(PROBLEM, description="Larger than the upload limit."),
            422: OpenApiResponse(
                PROBLEM, description="Well-formed JSON that is not a sealed credential, or an image with no Open Badge."
            ),
            429: OpenApiResponse(description="Too many requests from this address."),
        },
        examples=[
            OpenApiExample(
                "A sealed credential",
                request_only=True,
                media_type="application/json",
                value={"payload": '{"@context": ["…"], "id": "urn:uuid:…"}', "signatures": [{"protected": "…"}]},
            )
        ],
    )
    def post(self, request):
        """Verify a sealed credential: the body is the sealed JSON itself, an Open Badges 3.0 credential as
        ``application/vc+jwt``, an SD-JWT VC as ``application/dc+sd-jwt`` (as our wallet offers issue it, with or
        without a key binding JWT), or a multipart upload ``file`` (a ``.jsonld``, a PDF certificate, a ``.jwt``, a
        PNG or SVG badge with an Open Badge baked in, or an SD-JWT VC; typed by content). Nothing is stored and no URL
        in the document is fetched. The answer is the report of DESIGN.md §4; an invalid credential is still a 200
        answer."""
        limit = settings.VERIFY_MAX_UPLOAD_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        try:
            # Multipart framing adds a little to the file's own size.
            if length > limit + 64 * 1024:
                raise UnreadableInput("too_large", "too large")
            answer = server.document_answer(self._document(request), max_bytes=limit)
        except UnreadableInput as exc:
            return Response({"detail": upload_problem(exc), "code": exc.code}, status=exc.status_code)
        return _json(answer)

    class SerialQuery(serializers.Serializer):
        serial = serializers.CharField(
            max_length=register.MAX_QUERY_LENGTH, help_text="The serial number printed under the QR code."
        )
        name = serializers.RegexField(
            rf"\S{{{register.MIN_QUERY_LENGTH}}}",  # some word of 3 characters: what find_by_serial asks
            max_length=register.MAX_QUERY_LENGTH,
            help_text="The holder's surname (or more of the name) as printed on the certificate: some word of at "
            "least 3 characters.",
            error_messages={"invalid": _surname_required()},
        )

    @extend_schema(
        operation_id="verifications_retrieve",
        summary="Verify a credential by the serial number and holder's surname printed on its certificate",
        parameters=[SerialQuery],
        responses={
            200: VerificationReportSerializer,
            400: OpenApiResponse(PROBLEM, description="A missing serial, or a name of fewer than 3 characters."),
            404: OpenApiResponse(PROBLEM, description="No credential has this serial and a holder of this name."),
            429: OpenApiResponse(description="Too many requests from this address."),
        },
    )
    def get(self, request):
        """What a person types off a printed certificate: ``?serial=AIPIA-2026-000042&name=Rossi``. The answer is
        the report of the credential (as ``GET /api/v1/credentials/<id>/verification``). The name is required
        because serial numbers can be guessed; a wrong name and an unknown serial give the same 404."""
        query = self.SerialQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            credential = register.find_by_serial(
                serial=query.validated_data["serial"], holder_name=query.validated_data["name"]
            )
        except DomainError as exc:
            return Response({"detail": exc.message, "code": exc.code}, status=400)
        if credential is None:
            return Response(
                {"detail": "No credential matches this serial number and name.", "code": "not_found"}, status=404
            )
        answer = server.issued_answer(credential.pk, load=lambda: credential)
        if answer is None:  # pragma: no cover - found a moment ago
            raise Http404("No such credential.")
        return _json(answer)

    def _document(self, request) -> bytes:
        if request.content_type.startswith("multipart/form-data"):
            upload = request.FILES.get("file")
            if upload is None:
                raise UnreadableInput("empty", 'Send the file in the multipart field "file".')
            return read_upload(upload)
        if request.content_type.startswith(SD_JWT_MEDIA_TYPES + JWT_MEDIA_TYPES):
            return request.body  # an SD-JWT VC or an Open Badge (VC-JWT), sent as it is; typed by content
        if not request.content_type.startswith("application/json"):
            raise ParseError(
                "Send a sealed credential as application/json, an Open Badge as application/vc+jwt, an SD-JWT VC as "
                "application/dc+sd-jwt, or a file as "
                "multipart/form-data."
            )
        return request.body


class CredentialVerificationApi(APIView):
    authentication_classes = _PUBLIC["authentication_classes"]
    permission_classes = _PUBLIC["permission_classes"]
    throttle_classes = _PUBLIC["throttle_classes"]

    @extend_schema(
        operation_id="credentials_verification_retrieve",
        summary="The verification report of a credential we issued",
        responses={200: VerificationReportSerializer, 404: OpenApiResponse(description="No such credential.")},
    )
    def get(self, request, pk):
        """The same report as ``POST /api/v1/verifications`` for a credential we issued: its sealed ``.jsonld``
        verified as a third party would, with the live suspension and revocation status."""
        answer = server.issued_answer(
            pk, load=lambda: Credential.objects.filter(pk=pk).exclude(issuance=Credential.Issuance.PENDING).first()
        )
        if answer is None:
            raise Http404("No such credential.")
        return _json(answer)


def _json(answer: bytes) -> HttpResponse:
    # The remembered answer is already JSON: sent as is, without DRF's content negotiation and renderer.
    return HttpResponse(answer, content_type="application/json")


class RegisterPagination(StrictPageNumberPagination):
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
