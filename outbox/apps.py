from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = _("Outbox: e-mails and webhooks")

    def ready(self) -> None:
        # Register the copies of e-mails as personal data with accounts.
        from django.db.models.signals import post_delete, post_save

        from . import personal_data  # noqa: F401
        from .models import WebhookEndpoint
        from .services import forget_endpoints

        post_save.connect(forget_endpoints, sender=WebhookEndpoint, dispatch_uid="outbox.forget_endpoints.save")
        post_delete.connect(forget_endpoints, sender=WebhookEndpoint, dispatch_uid="outbox.forget_endpoints.delete")
