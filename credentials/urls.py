from django.urls import path

from . import bulk_views, manage_views, register_views, views

app_name = "credentials"
urlpatterns = [
    path("", views.credential_list, name="list"),
    path("manage/", manage_views.manage_list, name="manage-list"),
    path("manage/expiring/", bulk_views.manage_expiring, name="manage-expiring"),
    path("manage/jobs/<uuid:pk>/", bulk_views.manage_job, name="manage-job"),
    path("manage/<uuid:pk>/", manage_views.manage_detail, name="manage-detail"),
    path("<uuid:pk>/", views.credential_detail, name="detail"),
    path("<uuid:pk>/download/<str:kind>/", views.credential_download, name="download"),
    path("<uuid:pk>/register-listing/", register_views.credential_register_listing, name="register-listing"),
]
