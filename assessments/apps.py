from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Committee assessment")

    def ready(self) -> None:
        # Imported here, not at the top: these modules import models, which exist only once the apps are loaded.
        from accounts.landing import register_landing
        from accounts.two_factor import register_privileged_position

        # The committee's personal data and the sentences of its events register with accounts; a resubmission
        # answers the open request.
        from . import history, personal_data, receivers  # noqa: F401
        from .selectors import is_committee_user

        # Committee members read dossiers and scores, whatever their role: two-factor authentication for them.
        register_privileged_position(is_committee_user)
        # Their work is the committee's dashboard: they land there after signing in.
        register_landing(is_committee_user, "committee:dashboard")
