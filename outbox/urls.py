from django.urls import path

from . import views

app_name = "outbox"

urlpatterns = [
    path("webhooks/", views.endpoints, name="endpoints"),
    path("webhooks/<uuid:pk>/", views.endpoint, name="endpoint"),
    path(
        "webhooks/<uuid:pk>/<str:action>",
        views.endpoint_action,
        name="endpoint-action",
    ),
    path("messages/<int:message_id>/resend", views.resend, name="resend"),
    path("emails/", views.emails, name="emails"),
]
