"""The REST API, version 1 (``/api/v1/``)."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("profiles/", include("profiles.api.urls")),
    path("dossiers/", include("dossiers.api.urls")),
    path("committee/", include("assessments.api.urls")),
]
