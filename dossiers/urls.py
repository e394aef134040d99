from django.urls import path

from . import views

app_name = "dossiers"
urlpatterns = [
    path("", views.dossier_list, name="list"),
    path("start/<slug:code>/", views.start, name="start"),
    path("<uuid:pk>/", views.detail, name="detail"),
    path("<uuid:pk>/cv/", views.cv, name="cv"),
    path("<uuid:pk>/training/", views.training, name="training"),
    path("<uuid:pk>/training/<int:entry_id>/", views.training_edit, name="training_edit"),
    path("<uuid:pk>/experience/", views.experience, name="experience"),
    path("<uuid:pk>/experience/<int:entry_id>/", views.experience_edit, name="experience_edit"),
    path("<uuid:pk>/projects/", views.projects, name="projects"),
    path("<uuid:pk>/projects/<int:entry_id>/", views.project_edit, name="project_edit"),
    path("<uuid:pk>/self-assessment/", views.self_assessment, name="self_assessment"),
    path("<uuid:pk>/evidence/", views.evidence, name="evidence"),
    path("<uuid:pk>/upload/", views.upload, name="upload"),
    path("<uuid:pk>/evidence/<int:file_id>/download/", views.evidence_download, name="evidence_download"),
    # Before entry_delete, whose <section> would also match "evidence".
    path("<uuid:pk>/evidence/<int:file_id>/delete/", views.evidence_delete, name="evidence_delete"),
    path("<uuid:pk>/<str:section>/<int:entry_id>/delete/", views.entry_delete, name="entry_delete"),
    path("<uuid:pk>/submit/", views.submit, name="submit"),
    path("<uuid:pk>/withdraw/", views.withdraw, name="withdraw"),
]
