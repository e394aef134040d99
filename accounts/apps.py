from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("People and membership")

    def ready(self) -> None:
        # Imported here, not at the top: it imports the Sites framework's model, which exists once the apps are loaded.
        from . import sites  # also registers the site's checks

        # The site that allauth's e-mails name is written from the settings on every migrate (accounts/sites.py).
        post_migrate.connect(sites.sync_site_after_migrate, sender=self, dispatch_uid="accounts.sync_site")
