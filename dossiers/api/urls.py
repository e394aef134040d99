from django.urls import path

from . import views

training_list, training_detail = views._entry_views("training")
experience_list, experience_detail = views._entry_views("experience")
project_list, project_detail = views._entry_views("projects")

urlpatterns = [
    path("", views.DossierListApi.as_view(), name="api-dossier-list"),
    path("<uuid:pk>/", views.DossierDetailApi.as_view(), name="api-dossier-detail"),
    path("<uuid:pk>/completeness", views.CompletenessApi.as_view(), name="api-dossier-completeness"),
    path("<uuid:pk>/submission", views.SubmissionApi.as_view(), name="api-dossier-submission"),
    path("<uuid:pk>/withdrawal", views.WithdrawalApi.as_view(), name="api-dossier-withdrawal"),
    path("<uuid:pk>/events", views.EventListApi.as_view(), name="api-dossier-events"),
    path("<uuid:pk>/training/", training_list.as_view()),
    path("<uuid:pk>/training/<int:entry_id>/", training_detail.as_view()),
    path("<uuid:pk>/experience/", experience_list.as_view()),
    path("<uuid:pk>/experience/<int:entry_id>/", experience_detail.as_view()),
    path("<uuid:pk>/projects/", project_list.as_view()),
    path("<uuid:pk>/projects/<int:entry_id>/", project_detail.as_view()),
    path("<uuid:pk>/self-assessments/", views.SelfAssessmentListApi.as_view()),
    path("<uuid:pk>/self-assessments/<str:code>", views.SelfAssessmentDetailApi.as_view()),
    path("<uuid:pk>/files/", views.FileListApi.as_view(), name="api-dossier-files"),
    path("<uuid:pk>/files/<int:file_id>/", views.FileDetailApi.as_view()),
    path("<uuid:pk>/files/<int:file_id>/download", views.FileDownloadApi.as_view()),
]
