"""Start-up checks for what the machine must provide."""

import ctypes.util
import os

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def harfbuzz_subset_installed(app_configs, **kwargs):
    # WeasyPrint subsets fonts with libharfbuzz-subset when present; without it PDFs take about five times longer.
    if ctypes.util.find_library("harfbuzz-subset"):
        return []
    # In production that is an error (the server refuses to start); in development a loud warning.
    level = Warning if settings.DEBUG else Error
    return [
        level(
            "libharfbuzz-subset is not installed: PDF certificates will render about five times slower.",
            hint="Install Debian's libharfbuzz-subset0 (apt-get install libharfbuzz-subset0).",
            id="aipia.E001" if level is Error else "aipia.W001",
        )
    ]


@register()
def staff_two_factor_relaxed_only_in_development(app_configs, **kwargs):
    # settings.py ignores STAFF_2FA_REQUIRED=false when DEBUG is off; say so, rather than let an operator believe
    # that committee members can sign in without an authenticator app.
    asked_to_relax = os.environ.get("STAFF_2FA_REQUIRED", "").strip().lower() in {"false", "off", "no", "0"}
    if settings.DEBUG or not asked_to_relax:
        return []
    return [
        Warning(
            "STAFF_2FA_REQUIRED=false is ignored because DEBUG is off: staff and committee members must still set "
            "up two-factor authentication.",
            hint="Remove STAFF_2FA_REQUIRED from the production environment.",
            id="aipia.W002",
        )
    ]
