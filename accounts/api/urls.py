from django.urls import path

from .views import MeApi, TokenApi

urlpatterns = [
    path("auth/token", TokenApi.as_view(), name="api-auth-token"),
    path("me", MeApi.as_view(), name="api-me"),
]
