from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = _("Outbox: e-mails and webhooks")

    def ready(self) -> None:
        # Register the copies of e-mails as personal data with accounts.
        from . import personal_data  # noqa: F401
