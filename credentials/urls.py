from django.urls import path

from credentials.views import holder, staff, wallet

app_name = "credentials"
urlpatterns = [
    path("", holder.credential_list, name="list"),
    path("manage/", staff.manage_list, name="manage-list"),
    path("manage/expiring/", staff.manage_expiring, name="manage-expiring"),
    path("manage/jobs/<uuid:pk>/", staff.manage_job, name="manage-job"),
    path("manage/<uuid:pk>/", staff.manage_detail, name="manage-detail"),
    path("renewals/", staff.renewal_queue, name="renewal-queue"),
    path("renewals/<uuid:application_id>/", staff.renewal_review, name="renewal-review"),
    path("external/", holder.external_list, name="external-list"),
    path("external/review/", staff.external_review, name="external-review"),
    path("external/<uuid:pk>/scan/", holder.external_scan, name="external-scan"),
    path("attestation/", holder.request_attestation, name="attestation-request"),
    path("<uuid:pk>/", holder.credential_detail, name="detail"),
    path("<uuid:pk>/cpd/", holder.cpd_log, name="cpd"),
    path("<uuid:pk>/cpd/<int:activity_id>/delete/", holder.cpd_delete, name="cpd-delete"),
    path("<uuid:pk>/cpd/<int:activity_id>/evidence/", holder.cpd_evidence, name="cpd-evidence"),
    path("<uuid:pk>/renewal/", holder.renewal_page, name="renewal"),
    path("<uuid:pk>/download/<str:kind>/", holder.credential_download, name="download"),
    path("<uuid:pk>/register-listing/", holder.credential_register_listing, name="register-listing"),
    path("<uuid:pk>/public-page/", holder.credential_public_page, name="public-page"),
    path("<uuid:pk>/wallet/", wallet.create_offer, name="wallet-offer"),
    path("<uuid:pk>/wallet/<uuid:offer_id>/revoke/", wallet.revoke_offer, name="wallet-offer-revoke"),
]
