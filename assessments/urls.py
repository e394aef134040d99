from django.urls import path

from .views import assignments, completeness, dashboard, decisions, dossiers, interviews

app_name = "committee"
urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("declaration/", dashboard.declaration, name="declaration"),
    path("dossiers/<uuid:pk>/", dossiers.dossier_detail, name="dossier"),
    path("dossiers/<uuid:pk>/completeness/", completeness.completeness_check, name="completeness"),
    path("dossiers/<uuid:pk>/request-information/", dossiers.request_information, name="request_information"),
    path("dossiers/<uuid:pk>/assign/", dossiers.assign, name="assign"),
    path("dossiers/<uuid:pk>/interview/", dossiers.schedule_interview, name="schedule_interview"),
    path("dossiers/<uuid:pk>/interview/reschedule/", dossiers.reschedule_interview, name="reschedule_interview"),
    path("dossiers/<uuid:pk>/appeal-panel/", dossiers.appeal_panel, name="appeal_panel"),
    path("dossiers/<uuid:pk>/decision/", decisions.decide, name="decide"),
    path("dossiers/<uuid:pk>/appeal/", decisions.appeal_decide, name="appeal_decide"),
    path("assignments/<int:pk>/", assignments.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/score/", assignments.score, name="score"),
    path("assignments/<int:pk>/amend/", assignments.amend, name="amend"),
    path("assignments/<int:pk>/files/<int:file_id>/", assignments.file_download, name="file_download"),
    path("interviews/<int:pk>/record/", interviews.interview_record, name="interview_record"),
]
