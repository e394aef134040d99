"""The committee's API, mounted at ``/api/v1/committee/``.

``views.AppealApi`` belongs to the applicant and is routed by the dossier API.
"""

from django.urls import path

from . import views

urlpatterns = [
    path("dashboard", views.DashboardApi.as_view(), name="api-committee-dashboard"),
    path("declarations", views.DeclarationApi.as_view(), name="api-committee-declarations"),
    path("agreement", views.AgreementApi.as_view(), name="api-committee-agreement"),
    path("dossiers/", views.CommitteeDossierListApi.as_view(), name="api-committee-dossiers"),
    path("dossiers/<uuid:pk>/", views.CommitteeDossierDetailApi.as_view(), name="api-committee-dossier"),
    path(
        "dossiers/<uuid:pk>/assessor-suggestions",
        views.AssessorSuggestionsApi.as_view(),
        name="api-committee-assessor-suggestions",
    ),
    path(
        "dossiers/<uuid:pk>/information-request",
        views.InformationRequestApi.as_view(),
        name="api-committee-information-request",
    ),
    path(
        "dossiers/<uuid:pk>/completeness-check",
        views.CompletenessCheckApi.as_view(),
        name="api-committee-completeness-check",
    ),
    path("dossiers/<uuid:pk>/assignments", views.AssignAssessorsApi.as_view(), name="api-committee-assign"),
    path("dossiers/<uuid:pk>/interview", views.ScheduleInterviewApi.as_view(), name="api-committee-interview"),
    path("dossiers/<uuid:pk>/decision", views.DecisionApi.as_view(), name="api-committee-decision"),
    path("dossiers/<uuid:pk>/appeal-panel", views.AppealPanelApi.as_view(), name="api-committee-appeal-panel"),
    path("dossiers/<uuid:pk>/appeal-decision", views.AppealDecisionApi.as_view(), name="api-committee-appeal-decision"),
    path("assignments/", views.AssignmentListApi.as_view(), name="api-committee-assignments"),
    path("assignments/<int:pk>/", views.AssignmentDetailApi.as_view(), name="api-committee-assignment"),
    path(
        "assignments/<int:pk>/declaration",
        views.ConflictDeclarationApi.as_view(),
        name="api-committee-conflict-declaration",
    ),
    path("assignments/<int:pk>/scores", views.ScoresApi.as_view(), name="api-committee-scores"),
    path(
        "assignments/<int:pk>/scores/submission",
        views.ScoresSubmissionApi.as_view(),
        name="api-committee-scores-submission",
    ),
    path(
        "assignments/<int:pk>/scores/amendment",
        views.ScoresAmendmentApi.as_view(),
        name="api-committee-scores-amendment",
    ),
    path("interviews/<int:pk>/record", views.InterviewRecordApi.as_view(), name="api-committee-interview-record"),
]
