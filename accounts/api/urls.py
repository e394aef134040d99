from django.urls import path

from .views import MeApi, TokenApi, TokenDetailApi, TokenListApi

urlpatterns = [
    path("auth/token", TokenApi.as_view(), name="api-auth-token"),
    path("auth/tokens", TokenListApi.as_view(), name="api-auth-tokens"),
    path("auth/tokens/<str:token_id>", TokenDetailApi.as_view(), name="api-auth-token-detail"),
    path("me", MeApi.as_view(), name="api-me"),
]
