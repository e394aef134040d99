"""The holder's API: their credentials and files, CPD and renewal, the third-party route and the attestation.
One thin class per operation; the services under credentials/services/ decide."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Membership
from aipia.api import BoundedJSONParser
from aipia.openapi import PROBLEM
from credentials.files import BAKED_BADGES, DOWNLOAD_KINDS, credential_download_response, linkedin_url
from credentials.models import CPDActivity, Credential, ExternalCertification, RenewalApplication, ShownStatus
from credentials.selectors import get_own_credential, own_credentials
from credentials.services import attestation, cpd, external, renewal
from credentials.services.issuance import verify_url_for
from credentials.services.lifecycle import shown_status
from credentials.services.public_page import public_page_url, set_public_page
from credentials.services.register import set_register_listing
from profiles.badges import badge_url
from profiles.models import Profile


class RenewalOutlookSerializer(serializers.Serializer):
    """Where the credential stands in its renewal window (``credentials.services.renewal.RenewalOutlook``)."""

    state = serializers.ChoiceField(
        choices=["renewed", "unavailable", "not_open", "expiring", "grace", "closed"],
        help_text="renewed: it has a successor; unavailable: revoked, suspended or still being issued; not_open: "
        "before the renewal window; expiring: in the window, still valid; grace: expired, renewal still possible; "
        "closed: expired and the grace period over (only a new dossier certifies again).",
    )
    last_day = serializers.DateField(help_text="The last day of validity (issuer's time zone).")
    opens_on = serializers.DateField(help_text="The first day a renewal application is accepted.")
    closes_on = serializers.DateField(help_text="The last day a renewal application is accepted (end of grace).")
    days_to_close = serializers.IntegerField(help_text="Days from today to closes_on; negative once it has passed.")
    next_step = serializers.ChoiceField(
        choices=["", "apply", "open_application", "answer", "new_dossier"],
        help_text="What the holder can do: apply (POST …/renewal), open_application (one waits for staff), answer "
        "(staff asked for more: POST …/renewal again), new_dossier, or nothing.",
    )
    application = serializers.SerializerMethodField()

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"id": {"type": "string", "format": "uuid"}, "status": {"type": "string"}},
        }
    )
    def get_application(self, outlook) -> dict | None:
        application = outlook.application
        return None if application is None else {"id": str(application.pk), "status": application.status}


class HolderCredentialSerializer(serializers.ModelSerializer):
    profile = serializers.CharField(source="profile.code")
    verify_url = serializers.SerializerMethodField()
    downloads = serializers.SerializerMethodField()
    linkedin_url = serializers.SerializerMethodField()
    badge = serializers.SerializerMethodField(
        help_text="The profile's badge image (absolute addresses of its SVG and PNG), as the credential page shows it; "
        "null for an attestation, which is about no published profile."
    )
    public_page_url = serializers.SerializerMethodField(
        help_text="The credential's public page while its holder has it switched on (…/public-page), else null."
    )
    # Expired once the validity has ended, even before the daily lifecycle job has stored it; not yet valid
    # before it begins (a renewal's successor).
    status = serializers.SerializerMethodField()
    days_to_expiry = serializers.SerializerMethodField(
        help_text="Calendar days from today to the last day of validity: 0 on that day, negative once it has passed."
    )
    renewal = serializers.SerializerMethodField()

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
            "days_to_expiry",
            "renewal",
            "verify_url",
            "linkedin_url",
            "badge",
            "downloads",
            "listed_in_register",
            "public_page_url",
        ]
        # Changed only through PATCH (HolderCredentialDetailApi), which calls the register service.
        read_only_fields = ["listed_in_register"]

    def _ready(self, credential) -> bool:
        return credential.issuance == Credential.Issuance.DONE

    @extend_schema_field(serializers.ChoiceField(choices=ShownStatus.choices))
    def get_status(self, credential) -> str:
        return shown_status(credential).value

    def _outlook(self, credential) -> renewal.RenewalOutlook:
        # Read once per credential for both fields.
        cache = self.context.setdefault("_outlooks", {})
        if credential.pk not in cache:
            cache[credential.pk] = renewal.outlook(credential)
        return cache[credential.pk]

    def get_days_to_expiry(self, credential) -> int:
        return self._outlook(credential).days_to_expiry

    @extend_schema_field(RenewalOutlookSerializer)
    def get_renewal(self, credential) -> dict:
        return RenewalOutlookSerializer(self._outlook(credential)).data

    def get_verify_url(self, credential) -> str | None:
        return verify_url_for(credential.token) if self._ready(credential) else None

    def get_linkedin_url(self, credential) -> str | None:
        return linkedin_url(credential) if self._ready(credential) else None

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"svg": {"type": "string", "format": "uri"}, "png": {"type": "string", "format": "uri"}},
        }
    )
    def get_badge(self, credential) -> dict[str, str] | None:
        if not credential.profile.is_published:
            return None
        return {ext: badge_url(credential.profile.code, ext) for ext in ("svg", "png")}

    def get_public_page_url(self, credential) -> str | None:
        return public_page_url(credential)

    def get_downloads(self, credential) -> dict[str, str]:
        if not self._ready(credential):
            return {}
        kinds = [kind for kind in DOWNLOAD_KINDS if credential.profile.is_published or kind not in BAKED_BADGES]
        return {kind: f"/api/v1/credentials/{credential.pk}/files/{kind}" for kind in kinds}


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


class PublicPageSerializer(serializers.Serializer):
    public_page = serializers.BooleanField(help_text="Whether the credential's public page is switched on.")
    url = serializers.URLField(
        allow_null=True, help_text="The page's address while it is on; the same address each time it is switched on."
    )


def _public_page(credential: Credential) -> dict:
    return {"public_page": credential.public_page, "url": public_page_url(credential)}


class HolderPublicPageApi(APIView):
    """The holder's public page of a credential (``/c/<slug>``): off until switched on. Another holder's
    credential answers 404, as every holder endpoint does."""

    @extend_schema(
        responses={200: PublicPageSerializer, 404: OpenApiResponse(PROBLEM)},
        summary="Whether the credential's public page is on",
    )
    def get(self, request, pk):
        return Response(
            PublicPageSerializer(_public_page(get_own_credential(holder=request.user, credential_id=pk))).data
        )

    @extend_schema(
        request=None,
        responses={
            200: PublicPageSerializer,
            404: OpenApiResponse(PROBLEM),
            409: OpenApiResponse(
                PROBLEM, description="not_issued: still being issued; erased: the holder's personal data was erased."
            ),
        },
        summary="Switch the credential's public page on",
    )
    def post(self, request, pk):
        """Anyone with the address sees the credential and its status today. Writes a credential.public_page_on
        event; switching on a page that is on changes nothing."""
        credential = get_own_credential(holder=request.user, credential_id=pk)
        credential = set_public_page(credential=credential, holder=request.user, shared=True)
        return Response(PublicPageSerializer(_public_page(credential)).data)

    @extend_schema(
        responses={200: PublicPageSerializer, 404: OpenApiResponse(PROBLEM)},
        summary="Switch the credential's public page off",
    )
    def delete(self, request, pk):
        """The address answers 404 from now on (it comes back if the page is switched on again). Writes a
        credential.public_page_off event."""
        credential = get_own_credential(holder=request.user, credential_id=pk)
        credential = set_public_page(credential=credential, holder=request.user, shared=False)
        return Response(PublicPageSerializer(_public_page(credential)).data)


class HolderCredentialDownloadApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "kind",
                str,
                OpenApiParameter.PATH,
                enum=list(DOWNLOAD_KINDS),
                description="pdf, jsonld (the sealed EDC), qr (PNG); openbadge (the Open Badges 3.0 credential, a "
                "VC-JWT, .jwt), openbadge-png and openbadge-svg (the profile's badge with it baked in, OB 3.0 §5.3).",
            )
        ],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The PDF or the sealed .jsonld."
            ),
            (200, "application/vc+jwt"): OpenApiResponse(
                OpenApiTypes.STR, description="The Open Badges 3.0 credential (compact JWS)."
            ),
            (200, "image/png"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The QR code, or the badge with the Open Badge baked in."
            ),
            (200, "image/svg+xml"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The badge with the Open Badge baked in."
            ),
        },
        operation_id="credentials_download",
    )
    def get(self, request, pk, kind: str):
        if kind not in DOWNLOAD_KINDS:
            raise Http404("Unknown download.")
        return credential_download_response(
            get_own_credential(holder=request.user, credential_id=pk), kind, inline=False
        )


class CpdActivitySerializer(serializers.ModelSerializer):
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = CPDActivity
        fields = ["id", "date", "category", "hours", "description", "evidence", "evidence_sha256", "created_at"]
        read_only_fields = fields

    def get_evidence(self, activity) -> str | None:
        if not activity.evidence:
            return None
        return f"/credentials/{activity.credential_id}/cpd/{activity.pk}/evidence/"


class CpdYearSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()
    hours = serializers.DecimalField(max_digits=8, decimal_places=1)
    required = serializers.DecimalField(max_digits=8, decimal_places=1)
    state = serializers.ChoiceField(choices=["past", "current", "future"])
    met = serializers.BooleanField()


class CpdCategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.DictField(child=serializers.CharField())
    hours = serializers.DecimalField(max_digits=8, decimal_places=1)
    counted = serializers.DecimalField(max_digits=8, decimal_places=1)
    cap = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)


class CpdProgressSerializer(serializers.Serializer):
    met = serializers.BooleanField()
    required_total = serializers.DecimalField(max_digits=8, decimal_places=1)
    counted_total = serializers.DecimalField(max_digits=8, decimal_places=1)
    logged_total = serializers.DecimalField(max_digits=8, decimal_places=1)
    uncounted = serializers.DecimalField(max_digits=8, decimal_places=1)
    required_per_year = serializers.DecimalField(max_digits=8, decimal_places=1)
    years = CpdYearSerializer(many=True)
    categories = CpdCategorySerializer(many=True)
    problems = serializers.ListField(child=serializers.CharField())


class CpdRecordSerializer(serializers.Serializer):
    activities = CpdActivitySerializer(many=True)
    progress = CpdProgressSerializer()


class RenewalApplicationSerializer(serializers.ModelSerializer):
    holder = serializers.CharField(source="credential.holder_name")
    serial = serializers.CharField(source="credential.serial")
    cpd_met = serializers.SerializerMethodField()

    class Meta:
        model = RenewalApplication
        fields = [
            "id",
            "credential",
            "serial",
            "holder",
            "status",
            "declaration",
            "submitted_at",
            "reviewed_at",
            "review_note",
            "new_credential",
            "by_policy",
            "cpd_met",
        ]
        read_only_fields = fields

    def get_cpd_met(self, application) -> bool:
        return bool((application.cpd_snapshot or {}).get("progress", {}).get("met"))


def _record(credential) -> dict:
    return {"activities": list(credential.cpd_activities.all()), "progress": cpd.progress_for(credential)}


class CpdActivityListApi(APIView):
    parser_classes = [MultiPartParser, FormParser, BoundedJSONParser]

    class CpdActivityInput(serializers.Serializer):
        date = serializers.DateField()
        category = serializers.CharField(max_length=40, help_text="A category code of the profile's CPD rules.")
        hours = serializers.DecimalField(max_digits=5, decimal_places=1)
        description = serializers.CharField(max_length=cpd.DESCRIPTION_MAX_LENGTH)
        evidence = serializers.FileField(required=False, help_text="PDF, PNG, JPEG or DOCX; checked by content.")

    @extend_schema(responses={200: CpdRecordSerializer, 404: OpenApiResponse(PROBLEM)}, summary="The CPD record")
    def get(self, request, pk):
        credential = get_own_credential(holder=request.user, credential_id=pk)
        return Response(CpdRecordSerializer(_record(credential)).data)

    @extend_schema(
        request={"multipart/form-data": CpdActivityInput, "application/json": CpdActivityInput},
        responses={201: CpdActivitySerializer, 400: OpenApiResponse(PROBLEM), 404: OpenApiResponse(PROBLEM)},
        summary="Log a CPD activity",
    )
    def post(self, request, pk):
        credential = get_own_credential(holder=request.user, credential_id=pk)
        serializer = self.CpdActivityInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = data.get("evidence")
        activity = cpd.log_activity(
            holder=request.user,
            credential=credential,
            date=data["date"],
            category=data["category"],
            hours=data["hours"],
            description=data["description"],
            evidence=upload.file if upload else None,
            evidence_name=upload.name if upload else "",
        )
        return Response(CpdActivitySerializer(activity).data, status=201)


class CpdActivityDetailApi(APIView):
    @extend_schema(
        responses={204: None, 404: OpenApiResponse(PROBLEM), 409: OpenApiResponse(PROBLEM)},
        summary="Delete a CPD activity",
    )
    def delete(self, request, pk, activity_id):
        credential = get_own_credential(holder=request.user, credential_id=pk)
        activity = CPDActivity.objects.filter(pk=activity_id, credential=credential, holder=request.user).first()
        if activity is None:
            raise Http404("No such activity.")
        cpd.delete_activity(holder=request.user, activity=activity)
        return Response(status=204)


class RenewalApplyApi(APIView):
    class RenewalApplicationInput(serializers.Serializer):
        declaration = serializers.CharField(
            max_length=renewal.TEXT_MAX_LENGTH, help_text="The holder's declaration of continued practice."
        )
        acknowledge_cpd_shortfall = serializers.BooleanField(
            required=False,
            default=False,
            help_text="Required (true) only while the CPD rules are not met (GET …/cpd/: progress.met is false): "
            "the holder applies knowing that their CPD is incomplete and that the application may be refused or "
            "sent to a full re-assessment. Ignored when the rules are met.",
        )

    @extend_schema(
        request=RenewalApplicationInput,
        responses={
            200: OpenApiResponse(RenewalApplicationSerializer, description="Resubmitted after a request for more."),
            201: RenewalApplicationSerializer,
            400: OpenApiResponse(
                PROBLEM,
                description="Invalid input, or code cpd_shortfall_not_acknowledged: the CPD rules are not met and "
                "acknowledge_cpd_shortfall is not true (missing: what the CPD still lacks). Nothing is submitted.",
            ),
            404: OpenApiResponse(PROBLEM),
            409: OpenApiResponse(PROBLEM, description="Not in the renewal window, renewed, revoked, already open."),
        },
        summary="Apply for renewal (or resubmit)",
    )
    def post(self, request, pk):
        credential = get_own_credential(holder=request.user, credential_id=pk)
        serializer = self.RenewalApplicationInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        declaration = serializer.validated_data["declaration"]
        acknowledged = serializer.validated_data["acknowledge_cpd_shortfall"]
        waiting = credential.renewal_applications.filter(status=RenewalApplication.Status.MORE_INFO).first()
        if waiting is not None:
            application = renewal.resubmit(
                application=waiting,
                holder=request.user,
                declaration=declaration,
                acknowledge_cpd_shortfall=acknowledged,
            )
            return Response(RenewalApplicationSerializer(application).data)
        application = renewal.apply_for_renewal(
            credential=credential, holder=request.user, declaration=declaration, acknowledge_cpd_shortfall=acknowledged
        )
        return Response(RenewalApplicationSerializer(application).data, status=201)


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
        certification = external.record_external_certification(holder=request.user, **values)
        return Response(ExternalCertificationSerializer(certification).data, status=status.HTTP_201_CREATED)


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
        credential = attestation.issue_attestation(member=member, actor=request.user)
        return Response(HolderCredentialSerializer(credential).data, status=status.HTTP_201_CREATED)
