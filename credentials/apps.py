from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CredentialsConfig(AppConfig):
    name = "credentials"
    verbose_name = _("Credentials")

    def ready(self) -> None:
        # Start-up checks; an approved dossier starts its issuance; the holders' personal data and the sentences of
        # the credentials' events register with accounts.
        from credentials import checks, history, personal_data, receivers, webhooks  # noqa: F401
