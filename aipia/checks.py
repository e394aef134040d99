"""Start-up checks for what the machine must provide."""

import ctypes.util

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
