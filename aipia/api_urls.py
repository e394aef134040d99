"""The REST API, version 1 (``/api/v1/``)."""

from django.urls import include, path

from accounts.api.privacy_views import PersonalDataExportApi
from assessments.api.views import AppealApi, InterviewCalendarApi, NextStepsApi
from credentials.api.holder import AttestationApi, ExternalCertificationListApi
from credentials.api.public import RegisterSearchApi, VerificationApi
from credentials.api.staff import (
    BulkJobDetailApi,
    BulkJobItemsApi,
    BulkJobListApi,
    BulkRenewalPreviewApi,
    ExternalCertificationRejectionApi,
    ExternalCertificationVerificationApi,
    RenewalDecisionApi,
    RenewalQueueApi,
)

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("me/export", PersonalDataExportApi.as_view(), name="api-me-export"),
    path("profiles/", include("profiles.api.urls")),
    path("dossiers/", include("dossiers.api.urls")),
    # The applicant's appeal belongs to the dossier's URL space but to the assessments app's services.
    path("dossiers/<uuid:pk>/appeal", AppealApi.as_view(), name="api-dossier-appeal"),
    path("dossiers/<uuid:pk>/next-steps", NextStepsApi.as_view(), name="api-dossier-next-steps"),
    path("dossiers/<uuid:pk>/interview.ics", InterviewCalendarApi.as_view(), name="api-dossier-interview-calendar"),
    path("committee/", include("assessments.api.urls")),
    path("credentials/", include("credentials.api.urls")),
    path("desk/", include("desk.api.urls")),
    path("", include("quality.api.urls")),
    path("", include("outbox.api.urls")),
    path("verifications", VerificationApi.as_view(), name="api-verifications"),
    path("register", RegisterSearchApi.as_view(), name="api-register"),
    path("renewals/", RenewalQueueApi.as_view(), name="api-renewals"),
    path("renewals/<uuid:application_id>/decision", RenewalDecisionApi.as_view(), name="api-renewal-decision"),
    path("bulk-jobs", BulkJobListApi.as_view(), name="api-bulk-jobs"),
    path("bulk-jobs/preview", BulkRenewalPreviewApi.as_view(), name="api-bulk-jobs-preview"),
    path("bulk-jobs/<uuid:pk>", BulkJobDetailApi.as_view(), name="api-bulk-job"),
    path("bulk-jobs/<uuid:pk>/items", BulkJobItemsApi.as_view(), name="api-bulk-job-items"),
    path("external-certifications", ExternalCertificationListApi.as_view(), name="api-external-certifications"),
    path(
        "external-certifications/<uuid:pk>/verification",
        ExternalCertificationVerificationApi.as_view(),
        name="api-external-certification-verification",
    ),
    path(
        "external-certifications/<uuid:pk>/rejection",
        ExternalCertificationRejectionApi.as_view(),
        name="api-external-certification-rejection",
    ),
    path("attestations", AttestationApi.as_view(), name="api-attestations"),
]
