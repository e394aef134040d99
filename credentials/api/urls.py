from django.urls import path

from .views import HolderCredentialDetailApi, HolderCredentialDownloadApi, HolderCredentialListApi

urlpatterns = [
    path("", HolderCredentialListApi.as_view(), name="api-credential-list"),
    path("<uuid:pk>/", HolderCredentialDetailApi.as_view(), name="api-credential-detail"),
    path("<uuid:pk>/files/<str:kind>", HolderCredentialDownloadApi.as_view(), name="api-credential-download"),
]
