from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CredentialsConfig(AppConfig):
    name = "credentials"
    verbose_name = _("Credentials")

    def ready(self) -> None:
        from credentials import checks, receivers  # noqa: F401 — start-up checks; an approved dossier starts its issuance
