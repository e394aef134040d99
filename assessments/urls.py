from django.urls import path

from . import views

app_name = "committee"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("declaration/", views.declaration, name="declaration"),
    path("dossiers/<uuid:pk>/", views.dossier_detail, name="dossier"),
    path("dossiers/<uuid:pk>/request-information/", views.request_information, name="request_information"),
    path("dossiers/<uuid:pk>/assign/", views.assign, name="assign"),
    path("dossiers/<uuid:pk>/interview/", views.schedule_interview, name="schedule_interview"),
    path("dossiers/<uuid:pk>/appeal-panel/", views.appeal_panel, name="appeal_panel"),
    path("dossiers/<uuid:pk>/decision/", views.decide, name="decide"),
    path("dossiers/<uuid:pk>/appeal/", views.appeal_decide, name="appeal_decide"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/score/", views.score, name="score"),
    path("assignments/<int:pk>/amend/", views.amend, name="amend"),
    path("assignments/<int:pk>/files/<int:file_id>/", views.file_download, name="file_download"),
    path("interviews/<int:pk>/record/", views.interview_record, name="interview_record"),
]
