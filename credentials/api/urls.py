from django.urls import path

from .status_views import RevocationApi, SuspensionApi
from .verification_views import CredentialVerificationApi
from .views import HolderCredentialDetailApi, HolderCredentialDownloadApi, HolderCredentialListApi

urlpatterns = [
    path("", HolderCredentialListApi.as_view(), name="api-credential-list"),
    path("<uuid:pk>/", HolderCredentialDetailApi.as_view(), name="api-credential-detail"),
    path("<uuid:pk>/verification", CredentialVerificationApi.as_view(), name="api-credential-verification"),
    path("<uuid:pk>/suspension", SuspensionApi.as_view(), name="api-credential-suspension"),
    path("<uuid:pk>/revocation", RevocationApi.as_view(), name="api-credential-revocation"),
    path("<uuid:pk>/files/<str:kind>", HolderCredentialDownloadApi.as_view(), name="api-credential-download"),
]
