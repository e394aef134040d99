from django.urls import path

from . import privacy_views, views

app_name = "accounts"
urlpatterns = [
    path("", views.profile, name="profile"),
    path("export/", privacy_views.personal_data_export, name="export"),
    path("erasure/", privacy_views.account_erasure, name="erasure"),
    path("tokens/revoke-all/", views.token_revoke_all, name="token-revoke-all"),
    path("tokens/<str:token_id>/revoke/", views.token_revoke, name="token-revoke"),
]
