from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Committee assessment")

    def ready(self) -> None:
        from . import receivers  # noqa: F401 — resumes the assessment when a dossier is resubmitted
