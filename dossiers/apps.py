from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Competency dossiers")

    def ready(self) -> None:
        from . import personal_data  # noqa: F401 — registers the dossiers' personal data with accounts
