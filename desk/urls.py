from django.urls import path

from . import views

app_name = "desk"

urlpatterns = [
    path("", views.desk, name="desk"),
    path("sent/", views.sent, name="sent"),
    path("cases/<uuid:case_id>/<str:token>/", views.case, name="case"),
    path("answers/<uuid:case_id>/", views.professional_case, name="professional-case"),
    path("staff/", views.staff_list, name="staff-list"),
    path("staff/<uuid:case_id>/", views.staff_case, name="staff-case"),
    path("staff/<uuid:case_id>/files/<int:attachment_id>/", views.staff_attachment, name="staff-attachment"),
]
