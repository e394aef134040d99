from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path
from django.views import defaults
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from aipia.health import healthz
from assessments.applicant_views import interview_calendar_download
from credentials.api import wallet as credential_wallet
from credentials.views import public as credential_public
from credentials.views import public_page as credential_public_page
from profiles import views as profile_views
from quality import views as quality_views

# One login for everyone: the admin site's login page sends to the account login, with its two-factor step and
# its limits on failed attempts (the admin's own form has neither).
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", profile_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("me/", include("accounts.urls")),
    path("profiles/", include("profiles.urls")),
    path("dossiers/", include("dossiers.urls")),
    path("dossiers/", include("assessments.applicant_urls")),
    path("dossiers/<uuid:pk>/interview.ics", interview_calendar_download, name="interview_calendar"),
    path("committee/", include("assessments.urls")),
    path("credentials/", include("credentials.urls")),
    path("v/<str:token>", credential_public.verify_token_page, name="verify"),
    path("c/<slug:slug>", credential_public_page.credential_page, name="credential-page"),
    path("verify/", credential_public.verify_upload_page, name="verify-upload"),
    path("register/", credential_public.register, name="register"),
    path("desk/", include("desk.urls")),
    path("transparency/", quality_views.transparency, name="transparency"),
    path("quality/", include("quality.urls")),
    path("outbox/", include("outbox.urls")),
    path("status/", credential_public.status_reference_document, name="status-reference"),
    path("status/tokens/<path:number>", credential_wallet.StatusListTokenApi.as_view(), name="status-list-token"),
    path("status/<str:purpose>/<int:number>", credential_public.status_list_credential, name="status-list"),
    path("status/<str:purpose>/<int:number>.jwt", credential_public.status_list_jwt, name="status-list-jwt"),
    path(".well-known/jwks.json", credential_public.jwks, name="jwks"),
    # Wallets (OpenID4VCI 1.0, docs/wallets.md). The issuer identifier is SITE_URL, without a path: its metadata
    # is at the well-known address; a client that keeps the identifier's "/" path asks with a trailing slash too
    # (the same views, left out of the OpenAPI schema).
    path(
        ".well-known/openid-credential-issuer",
        credential_wallet.CredentialIssuerMetadataApi.as_view(),
        name="openid-credential-issuer",
    ),
    path(".well-known/openid-credential-issuer/", credential_wallet.CredentialIssuerMetadataApi.as_view(schema=None)),
    path(
        ".well-known/oauth-authorization-server",
        credential_wallet.AuthorizationServerMetadataApi.as_view(),
        name="oauth-authorization-server",
    ),
    path(
        ".well-known/oauth-authorization-server/", credential_wallet.AuthorizationServerMetadataApi.as_view(schema=None)
    ),
    path(".well-known/jwt-vc-issuer", credential_wallet.JwtVcIssuerMetadataApi.as_view(), name="jwt-vc-issuer"),
    path(".well-known/jwt-vc-issuer/", credential_wallet.JwtVcIssuerMetadataApi.as_view(schema=None)),
    path("wallet/offers/<path:code>", credential_wallet.CredentialOfferApi.as_view(), name="wallet-offer"),
    path("wallet/token", credential_wallet.TokenApi.as_view(), name="wallet-token"),
    path("wallet/nonce", credential_wallet.NonceApi.as_view(), name="wallet-nonce"),
    path("wallet/credential", credential_wallet.CredentialApi.as_view(), name="wallet-credential"),
    path("wallet/types/<path:kind>", credential_wallet.TypeMetadataApi.as_view(), name="wallet-type"),
    path(".well-known/seal-certificates.pem", credential_public.seal_certificates_pem, name="seal-certificates"),
    path("api/v1/", include("aipia.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script from a URL, not inline: the CSP allows no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
]


# Errors Django answers before or around a view (an unknown address, a request it cannot read, a crash): under
# /api/ in the API's JSON, {"detail", "code"}, like every other API refusal; elsewhere Django's pages.
def _api_error(request, status: int, detail: str, code: str) -> JsonResponse | None:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail, "code": code}, status=status)
    return None


def bad_request(request, exception):
    return _api_error(request, 400, "The request could not be read.", "bad_request") or defaults.bad_request(
        request, exception
    )


def permission_denied(request, exception):
    return _api_error(request, 403, "You do not have permission to do this.", "permission_denied") or (
        defaults.permission_denied(request, exception)
    )


def not_found(request, exception):
    return _api_error(request, 404, "Not found.", "not_found") or defaults.page_not_found(request, exception)


def server_error(request):
    return _api_error(request, 500, "A server error occurred.", "server_error") or defaults.server_error(request)


handler400 = bad_request
handler403 = permission_denied
handler404 = not_found
handler500 = server_error
