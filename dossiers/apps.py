from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Competency dossiers")

    def ready(self) -> None:
        # Register the dossiers' personal data and the sentences of their history's events with accounts.
        from . import history, personal_data, webhooks  # noqa: F401
