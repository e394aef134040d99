from django.urls import path

from . import views

urlpatterns = [
    path("requests", views.DeskRequestApi.as_view(), name="api-desk-requests"),
    path("cases/<uuid:case_id>/<str:token>", views.SenderCaseApi.as_view(), name="api-desk-case"),
    path("cases/<uuid:case_id>/<str:token>/confirm", views.SenderConfirmApi.as_view(), name="api-desk-case-confirm"),
    path("cases/<uuid:case_id>/<str:token>/messages", views.SenderMessageApi.as_view(), name="api-desk-case-messages"),
    path("staff/cases", views.StaffCaseListApi.as_view(), name="api-desk-staff-cases"),
    path("staff/cases/<uuid:case_id>", views.StaffCaseApi.as_view(), name="api-desk-staff-case"),
    path("staff/cases/<uuid:case_id>/actions", views.StaffCaseActionApi.as_view(), name="api-desk-staff-case-actions"),
]
