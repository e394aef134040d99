from django.urls import path

from . import register_views, views

app_name = "credentials"
urlpatterns = [
    path("", views.credential_list, name="list"),
    path("<uuid:pk>/", views.credential_detail, name="detail"),
    path("<uuid:pk>/download/<str:kind>/", views.credential_download, name="download"),
    path("<uuid:pk>/register-listing/", register_views.credential_register_listing, name="register-listing"),
]
