from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "desk"
    verbose_name = _("Consumer desk")

    def ready(self) -> None:
        # Register the desk's personal data and the sentences of its cases' events with accounts.
        from . import history, personal_data  # noqa: F401
