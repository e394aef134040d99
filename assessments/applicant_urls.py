from django.urls import path

from . import applicant_views

app_name = "appeals"
urlpatterns = [path("<uuid:pk>/appeal/", applicant_views.lodge_appeal, name="lodge")]
