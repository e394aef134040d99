from django.urls import path

from . import views

app_name = "quality"

urlpatterns = [
    path("report/", views.report_page, name="report"),
    path("risks/", views.risks, name="risks"),
    path("personnel/", views.personnel_page, name="personnel"),
    path("transparency/", views.transparency_manage, name="transparency-manage"),
]
