from django.urls import path

from credentials.api.holder import (
    CpdActivityDetailApi,
    CpdActivityListApi,
    HolderCredentialDetailApi,
    HolderCredentialDownloadApi,
    HolderCredentialListApi,
    HolderPublicPageApi,
    RenewalApplyApi,
)
from credentials.api.public import CredentialVerificationApi
from credentials.api.staff import RevocationApi, SuspensionApi
from credentials.api.wallet import WalletOfferDetailApi, WalletOfferListApi

urlpatterns = [
    path("", HolderCredentialListApi.as_view(), name="api-credential-list"),
    path("<uuid:pk>/", HolderCredentialDetailApi.as_view(), name="api-credential-detail"),
    path("<uuid:pk>/verification", CredentialVerificationApi.as_view(), name="api-credential-verification"),
    path("<uuid:pk>/suspension", SuspensionApi.as_view(), name="api-credential-suspension"),
    path("<uuid:pk>/revocation", RevocationApi.as_view(), name="api-credential-revocation"),
    path("<uuid:pk>/files/<str:kind>", HolderCredentialDownloadApi.as_view(), name="api-credential-download"),
    path("<uuid:pk>/cpd/", CpdActivityListApi.as_view(), name="api-credential-cpd"),
    path("<uuid:pk>/cpd/<int:activity_id>", CpdActivityDetailApi.as_view(), name="api-credential-cpd-activity"),
    path("<uuid:pk>/public-page", HolderPublicPageApi.as_view(), name="api-credential-public-page"),
    path("<uuid:pk>/renewal", RenewalApplyApi.as_view(), name="api-credential-renewal"),
    path("<uuid:pk>/wallet-offers", WalletOfferListApi.as_view(), name="api-credential-wallet-offers"),
    path("<uuid:pk>/wallet-offers/<uuid:offer_id>", WalletOfferDetailApi.as_view(), name="api-credential-wallet-offer"),
]
