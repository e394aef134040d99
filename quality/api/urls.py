from django.urls import path

from . import views

urlpatterns = [
    path("reports/period", views.PeriodReportApi.as_view(), name="api-reports-period"),
    path("transparency", views.TransparencyApi.as_view(), name="api-transparency"),
    path("transparency/<str:key>", views.TransparencySectionApi.as_view(), name="api-transparency-section"),
    path("quality/risks", views.RiskListApi.as_view(), name="api-quality-risks"),
    path("quality/risks/<int:risk_id>/reviews", views.RiskReviewApi.as_view(), name="api-quality-risk-reviews"),
    path("quality/personnel", views.PersonnelApi.as_view(), name="api-quality-personnel"),
    path("quality/personnel/<int:user_id>/records", views.CompetenceRecordApi.as_view(), name="api-quality-records"),
]
