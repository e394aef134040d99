from django.urls import path, re_path

from . import views

app_name = "profiles"
urlpatterns = [
    path("", views.profile_list, name="list"),
    path("<slug:code>/", views.profile_detail, name="detail"),
    re_path(r"^(?P<code>[-a-zA-Z0-9_]+)/badge\.(?P<ext>svg|png)$", views.profile_badge, name="badge"),
]
