from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from aipia.health import healthz
from credentials import register_views, status_views
from credentials import views as credential_views

# One login for everyone: the admin site's login page sends to the account login, with its two-factor step and
# its limits on failed attempts (the admin's own form has neither).
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("me/", include("accounts.urls")),
    path("profiles/", include("profiles.urls")),
    path("dossiers/", include("dossiers.urls")),
    path("dossiers/", include("assessments.applicant_urls")),
    path("committee/", include("assessments.urls")),
    path("credentials/", include("credentials.urls")),
    path("v/<str:token>", credential_views.verify_token_page, name="verify"),
    path("verify/", credential_views.verify_upload_page, name="verify-upload"),
    path("register/", register_views.register, name="register"),
    path("status/", status_views.status_reference_document, name="status-reference"),
    path("status/<str:purpose>/<int:number>", status_views.status_list_credential, name="status-list"),
    path(".well-known/jwks.json", credential_views.jwks, name="jwks"),
    path(".well-known/seal-certificates.pem", credential_views.seal_certificates_pem, name="seal-certificates"),
    path("api/v1/", include("aipia.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script from a URL, not inline: the CSP allows no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
]
