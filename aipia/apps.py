from django.apps import AppConfig


class AipiaConfig(AppConfig):
    name = "aipia"
    verbose_name = "AIPIA Credentials"

    def ready(self) -> None:
        from . import checks  # noqa: F401 — registers the start-up checks
