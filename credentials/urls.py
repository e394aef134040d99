from django.urls import path

from . import bulk_views, manage_views, register_views, renewal_views, route_views, views

app_name = "credentials"
urlpatterns = [
    path("", views.credential_list, name="list"),
    path("manage/", manage_views.manage_list, name="manage-list"),
    path("manage/expiring/", bulk_views.manage_expiring, name="manage-expiring"),
    path("manage/jobs/<uuid:pk>/", bulk_views.manage_job, name="manage-job"),
    path("manage/<uuid:pk>/", manage_views.manage_detail, name="manage-detail"),
    path("renewals/", renewal_views.renewal_queue, name="renewal-queue"),
    path("renewals/<uuid:application_id>/", renewal_views.renewal_review, name="renewal-review"),
    path("external/", route_views.external_list, name="external-list"),
    path("external/review/", route_views.external_review, name="external-review"),
    path("external/<uuid:pk>/scan/", route_views.external_scan, name="external-scan"),
    path("attestation/", route_views.request_attestation, name="attestation-request"),
    path("<uuid:pk>/", views.credential_detail, name="detail"),
    path("<uuid:pk>/cpd/", renewal_views.cpd_log, name="cpd"),
    path("<uuid:pk>/cpd/<int:activity_id>/delete/", renewal_views.cpd_delete, name="cpd-delete"),
    path("<uuid:pk>/cpd/<int:activity_id>/evidence/", renewal_views.cpd_evidence, name="cpd-evidence"),
    path("<uuid:pk>/renewal/", renewal_views.renewal_page, name="renewal"),
    path("<uuid:pk>/download/<str:kind>/", views.credential_download, name="download"),
    path("<uuid:pk>/register-listing/", register_views.credential_register_listing, name="register-listing"),
]
