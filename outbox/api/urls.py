from django.urls import path

from . import views

urlpatterns = [
    path("webhooks", views.WebhookListApi.as_view(), name="api-webhooks"),
    path("webhooks/<uuid:pk>", views.WebhookDetailApi.as_view(), name="api-webhook"),
    path("webhooks/<uuid:pk>/secret-rotation", views.WebhookSecretRotationApi.as_view(), name="api-webhook-rotation"),
    path("webhooks/<uuid:pk>/test", views.WebhookTestApi.as_view(), name="api-webhook-test"),
    path("webhooks/<uuid:pk>/deliveries", views.WebhookDeliveriesApi.as_view(), name="api-webhook-deliveries"),
    path(
        "webhooks/<uuid:pk>/deliveries/<int:delivery_id>/resend",
        views.WebhookDeliveryResendApi.as_view(),
        name="api-webhook-delivery-resend",
    ),
    path("outbox/emails", views.OutboxEmailListApi.as_view(), name="api-outbox-emails"),
    path("outbox/emails/<int:pk>/resend", views.OutboxEmailResendApi.as_view(), name="api-outbox-email-resend"),
]
