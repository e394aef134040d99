"""Wallets: the OpenID4VCI 1.0 issuer's endpoints (metadata, offer, token, nonce, credential), the SD-JWT VC type
metadata and Token Status List tokens, and the holder's offers in the REST API. One thin class per operation;
credentials/services/wallet.py decides. The protocol endpoints answer errors in the protocol's shape,
``{"error", "error_description"}``, not the REST API's ``{"detail", "code"}``."""

from __future__ import annotations

import math

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError, Throttled, UnsupportedMediaType
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from aipia.api import BoundedJSONParser
from aipia.openapi import PROBLEM
from aipia.throttling import PublicEndpointThrottle
from credentials.documents import sd_jwt_vc, token_status_list
from credentials.models import Credential, WalletOffer
from credentials.selectors import get_own_credential
from credentials.services import token_status, wallet
from credentials.services.wallet import WalletError


class ProtocolErrorSerializer(serializers.Serializer):
    """An OAuth 2.0 / OpenID4VCI error (RFC 6749 §5.2, OpenID4VCI 1.0 §8.3.1)."""

    error = serializers.CharField(
        help_text="invalid_request, invalid_grant, unsupported_grant_type, invalid_token, invalid_credential_request, "
        "unknown_credential_configuration, invalid_proof, invalid_nonce or credential_request_denied."
    )
    error_description = serializers.CharField()


PROTOCOL_ERROR = OpenApiResponse(ProtocolErrorSerializer, description="Refused, in the protocol's terms.")


class _ProtocolView(APIView):
    """A public protocol endpoint: no session or API token (so no CSRF), the public rate limit, errors as
    ``{"error", "error_description"}``."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicEndpointThrottle]
    invalid_request = "invalid_request"

    def handle_exception(self, exc):
        if isinstance(exc, WalletError):
            response = Response(exc.as_dict(), status=exc.status_code)
            for name, value in exc.headers.items():
                response[name] = value
            return response
        if isinstance(exc, ParseError):
            return Response({"error": self.invalid_request, "error_description": str(exc.detail)}, status=400)
        if isinstance(exc, Throttled):
            response = Response(
                {"error": "invalid_request", "error_description": "Too many requests from this address."}, status=429
            )
            if exc.wait is not None:
                response["Retry-After"] = str(max(1, math.ceil(exc.wait)))
            return response
        return super().handle_exception(exc)

    def perform_content_negotiation(self, request, force=False):
        # Clients of these endpoints ask for their own media types (application/statuslist+jwt, say); the answer
        # is what the protocol defines whatever the Accept header, never a 406.
        return super().perform_content_negotiation(request, force=True)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response


def _json_object_schema(description: str) -> OpenApiResponse:
    return OpenApiResponse(OpenApiTypes.OBJECT, description=description)


class CredentialIssuerMetadataApi(_ProtocolView):
    @extend_schema(
        responses={200: _json_object_schema("OpenID4VCI 1.0 Credential Issuer Metadata (§12.2)."), 429: PROTOCOL_ERROR},
        summary="OpenID4VCI Credential Issuer Metadata",
        operation_id="wallet_credential_issuer_metadata",
        tags=["wallets"],
    )
    def get(self, request):
        """The issuer's endpoints, names and logos in Italian and English, and the credential configurations."""
        response = Response(wallet.credential_issuer_metadata())
        response["Cache-Control"] = "public, max-age=300"
        return response


class AuthorizationServerMetadataApi(_ProtocolView):
    @extend_schema(
        responses={200: _json_object_schema("RFC 8414 Authorization Server Metadata."), 429: PROTOCOL_ERROR},
        summary="OAuth Authorization Server Metadata",
        operation_id="wallet_authorization_server_metadata",
        tags=["wallets"],
    )
    def get(self, request):
        """The token endpoint and the one grant offered: the pre-authorized code."""
        response = Response(wallet.authorization_server_metadata())
        response["Cache-Control"] = "public, max-age=300"
        return response


class JwtVcIssuerMetadataApi(_ProtocolView):
    @extend_schema(
        responses={
            200: _json_object_schema("SD-JWT VC issuer metadata: the issuer and its JWKS address."),
            429: PROTOCOL_ERROR,
        },
        summary="SD-JWT VC issuer metadata",
        operation_id="wallet_jwt_vc_issuer_metadata",
        tags=["wallets"],
    )
    def get(self, request):
        """Where verifiers of our SD-JWT VCs find the keys (the same JWKS as every seal)."""
        base = wallet.issuer_identifier()
        response = Response({"issuer": base, "jwks_uri": f"{base}/.well-known/jwks.json"})
        response["Cache-Control"] = "public, max-age=300"
        return response


class CredentialOfferApi(_ProtocolView):
    @extend_schema(
        responses={
            200: _json_object_schema("A Credential Offer (OpenID4VCI 1.0 §4.1.1)."),
            404: PROTOCOL_ERROR,
            429: PROTOCOL_ERROR,
        },
        summary="A credential offer, by reference",
        tags=["wallets"],
    )
    def get(self, request, code: str):
        """What ``credential_offer_uri`` points to, while the offer is open (404 once used, revoked or expired)."""
        document = wallet.offer_document(pre_authorized_code=code)
        if document is None:
            raise WalletError("invalid_request", "This offer is no longer open.", status_code=404)
        response = Response(document)
        response["Cache-Control"] = "no-store"
        return response


class TokenRequestSerializer(serializers.Serializer):
    grant_type = serializers.CharField(help_text="urn:ietf:params:oauth:grant-type:pre-authorized_code")
    pre_authorized_code = serializers.CharField(help_text="The offer's pre-authorized code.")
    tx_code = serializers.CharField(help_text="The transaction code shown to the holder.")


class TokenResponseSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    token_type = serializers.CharField()
    expires_in = serializers.IntegerField()


class _Address(BaseThrottle):
    pass


class TokenApi(_ProtocolView):
    parser_classes = [FormParser]

    @extend_schema(
        request={"application/x-www-form-urlencoded": TokenRequestSerializer},
        responses={200: TokenResponseSerializer, 400: PROTOCOL_ERROR, 429: PROTOCOL_ERROR},
        summary="Token endpoint (pre-authorized code grant)",
        tags=["wallets"],
    )
    def post(self, request):
        """Exchange the offer's pre-authorized code and transaction code for an access token, once. Wrong
        transaction codes close the offer after WALLET_TX_CODE_ATTEMPTS, and are limited per client address."""
        data = request.data
        answer = wallet.exchange_pre_authorized_code(
            grant_type=data.get("grant_type", ""),
            pre_authorized_code=data.get("pre-authorized_code", ""),
            tx_code=data.get("tx_code") or None,
            address=_Address().get_ident(request) or "unknown",
        )
        response = Response(answer)
        response["Cache-Control"] = "no-store"
        return response

    def handle_exception(self, exc):
        if isinstance(exc, UnsupportedMediaType):
            exc = WalletError("invalid_request", "The token request must be application/x-www-form-urlencoded.")
        return super().handle_exception(exc)


class NonceResponseSerializer(serializers.Serializer):
    c_nonce = serializers.CharField()
    c_nonce_expires_in = serializers.IntegerField()


class NonceApi(_ProtocolView):
    @extend_schema(
        request=None,
        responses={200: NonceResponseSerializer, 429: PROTOCOL_ERROR},
        summary="Nonce endpoint",
        tags=["wallets"],
    )
    def post(self, request):
        """A fresh nonce for one proof of possession (never cached)."""
        response = Response(wallet.create_nonce())
        response["Cache-Control"] = "no-store"
        return response


class CredentialResponseSerializer(serializers.Serializer):
    credentials = serializers.ListField(child=serializers.DictField(), help_text='[{"credential": "<the credential>"}]')


class CredentialApi(_ProtocolView):
    parser_classes = [BoundedJSONParser]
    invalid_request = "invalid_credential_request"

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: CredentialResponseSerializer, 400: PROTOCOL_ERROR, 401: PROTOCOL_ERROR, 429: PROTOCOL_ERROR},
        summary="Credential endpoint",
        tags=["wallets"],
    )
    def post(self, request):
        """The credential, bound to the key proven by a JWT proof (``typ`` openid4vci-proof+jwt, ``aud`` the
        issuer, a fresh ``nonce``), with the Bearer access token of the token endpoint."""
        answer = wallet.issue_to_wallet(authorization=request.headers.get("Authorization", ""), body=request.data)
        response = Response(answer)
        response["Cache-Control"] = "no-store"
        return response

    def handle_exception(self, exc):
        if isinstance(exc, UnsupportedMediaType):
            exc = WalletError("invalid_credential_request", "The credential request must be application/json.")
        return super().handle_exception(exc)


class TypeMetadataApi(_ProtocolView):
    @extend_schema(
        responses={200: _json_object_schema("SD-JWT VC Type Metadata."), 404: PROTOCOL_ERROR, 429: PROTOCOL_ERROR},
        summary="SD-JWT VC type metadata (the vct)",
        tags=["wallets"],
    )
    def get(self, request, kind: str):
        """Names and claim labels, in Italian and English, of a credential kind's SD-JWT VC."""
        if kind not in sd_jwt_vc.TYPE_NAMES:
            raise WalletError("invalid_request", "No such credential type.", status_code=404)
        vct = sd_jwt_vc.vct_url(wallet.issuer_identifier(), kind)
        response = Response(sd_jwt_vc.type_metadata(vct=vct, kind=kind))
        response["Cache-Control"] = "public, max-age=3600"
        return response


class StatusListTokenApi(_ProtocolView):
    # Like the W3C lists (credentials/views/public.py), not rate-limited: verifiers behind one address read it
    # often, and HTTP caching (max-age, ETag) is what keeps the load down.
    throttle_classes: list = []

    @extend_schema(
        responses={
            (200, token_status_list.MEDIA_TYPE): OpenApiResponse(
                OpenApiTypes.STR, description="The signed status list token (typ statuslist+jwt), 2 bits an entry."
            ),
            304: OpenApiResponse(description="Not modified (If-None-Match)."),
            404: PROTOCOL_ERROR,
        },
        summary="Token Status List (for SD-JWT VCs)",
        parameters=[OpenApiParameter("number", int, OpenApiParameter.PATH, description="The list's number.")],
        tags=["wallets"],
    )
    def get(self, request, number: str):
        """The status of every SD-JWT VC whose ``status.status_list.uri`` is this address: 0 valid, 1 revoked,
        2 suspended, at its ``idx``. Built from the same records as the W3C status lists."""
        # Any text reaches this view, so that a wrong address is answered in the protocol's JSON, not a page.
        valid = number.isascii() and number.isdigit() and int(number) < 2**31
        published = token_status.status_list_token(number=int(number)) if valid else None
        if published is None:
            raise WalletError("invalid_request", "No such status list.", status_code=404)
        etags = {tag.removeprefix("W/") for tag in parse_etags(request.headers.get("If-None-Match", ""))}
        if published.etag.removeprefix("W/") in etags:
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(published.token, content_type=token_status_list.MEDIA_TYPE)
        response["ETag"] = published.etag
        response["Cache-Control"] = f"public, max-age={settings.STATUS_LIST_MAX_AGE}"
        response["Access-Control-Expose-Headers"] = "ETag"
        return response


# --- the holder's offers (REST API) ----------------------------------------------------------------------------


class WalletOfferInputSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=WalletOffer.Format.choices)


class WalletOfferSerializer(serializers.ModelSerializer):
    state = serializers.SerializerMethodField(help_text="open, used (a wallet received it), revoked or expired.")

    class Meta:
        model = WalletOffer
        fields = ["id", "format", "created_at", "expires_at", "state", "credential_issued_at"]

    def get_state(self, offer) -> str:
        return offer_state(offer)


def offer_state(offer: WalletOffer) -> str:
    if offer.credential_issued_at is not None:
        return "used"
    if offer.revoked_at is not None:
        return "revoked"
    if wallet.is_open(offer):
        return "open"
    return "expired" if offer.token_issued_at is None else "used"


class CreatedWalletOfferSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    offer = serializers.CharField(help_text="openid-credential-offer://?credential_offer_uri=… (also the QR code).")
    credential_offer_uri = serializers.URLField()
    tx_code = serializers.CharField(help_text="Six digits the wallet asks for; shown to the holder apart from the QR.")
    expires_at = serializers.DateTimeField()
    format = serializers.CharField()


def created_offer_data(created: wallet.CreatedOffer) -> dict:
    return {
        "id": created.offer.pk,
        "offer": created.link,
        "credential_offer_uri": created.offer_uri,
        "tx_code": created.tx_code,
        "expires_at": created.offer.expires_at,
        "format": created.offer.format,
    }


class WalletOfferListApi(APIView):
    """The holder's wallet offers of one of their credentials. Another holder's credential answers 404."""

    @extend_schema(responses={200: WalletOfferSerializer(many=True), 404: OpenApiResponse(PROBLEM)}, tags=["wallets"])
    def get(self, request, pk):
        credential = get_own_credential(holder=request.user, credential_id=pk)
        return Response(WalletOfferSerializer(wallet.offers_of(credential), many=True).data)

    @extend_schema(
        request=WalletOfferInputSerializer,
        responses={
            201: CreatedWalletOfferSerializer,
            400: OpenApiResponse(PROBLEM, description="unknown_format."),
            404: OpenApiResponse(PROBLEM),
            409: OpenApiResponse(PROBLEM, description="not_issued, not_active: the credential cannot be offered."),
        },
        summary="Offer the credential to a wallet (OpenID4VCI)",
        tags=["wallets"],
    )
    def post(self, request, pk):
        """A new offer, open for WALLET_OFFER_TTL seconds; open offers of the credential are revoked. The answer
        is the only time the transaction code is shown. Writes a credential.wallet_offer_created event."""
        credential = get_own_credential(holder=request.user, credential_id=pk)
        serializer = WalletOfferInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = wallet.create_offer(
            credential=credential, holder=request.user, format=serializer.validated_data["format"]
        )
        return Response(CreatedWalletOfferSerializer(created_offer_data(created)).data, status=status.HTTP_201_CREATED)


class WalletOfferDetailApi(APIView):
    @extend_schema(
        request=None,
        responses={
            200: WalletOfferSerializer,
            404: OpenApiResponse(PROBLEM),
            409: OpenApiResponse(PROBLEM, description="offer_closed: used, revoked or expired."),
        },
        summary="Revoke an open wallet offer",
        tags=["wallets"],
    )
    def delete(self, request, pk, offer_id):
        """Its codes stop working at once. Writes a credential.wallet_offer_revoked event."""
        credential = get_own_credential(holder=request.user, credential_id=pk)
        offer = _own_offer(credential, offer_id)
        return Response(WalletOfferSerializer(wallet.revoke_offer(offer=offer, holder=request.user)).data)


def _own_offer(credential: Credential, offer_id) -> WalletOffer:
    try:
        return wallet.offers_of(credential).select_related("credential").get(pk=offer_id)
    except (WalletOffer.DoesNotExist, ValueError) as exc:
        raise Http404("No such offer.") from exc
