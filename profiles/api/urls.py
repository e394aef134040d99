from django.urls import path

from .views import ProfileDetailApi, ProfileListApi

urlpatterns = [
    path("", ProfileListApi.as_view(), name="api-profile-list"),
    path("<slug:code>/", ProfileDetailApi.as_view(), name="api-profile-detail"),
]
