from django.urls import path

from .renewal_views import CpdActivityDetailApi, CpdActivityListApi, RenewalApplyApi
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
    path("<uuid:pk>/cpd/", CpdActivityListApi.as_view(), name="api-credential-cpd"),
    path("<uuid:pk>/cpd/<int:activity_id>", CpdActivityDetailApi.as_view(), name="api-credential-cpd-activity"),
    path("<uuid:pk>/renewal", RenewalApplyApi.as_view(), name="api-credential-renewal"),
]
