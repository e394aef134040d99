"""Start-up checks for what the machine must provide."""

import ctypes.util

from django.core.checks import Warning, register


@register()
def harfbuzz_subset_installed(app_configs, **kwargs):
    # WeasyPrint subsets fonts with libharfbuzz-subset when present; without it PDFs take about five times longer.
    if ctypes.util.find_library("harfbuzz-subset"):
        return []
    return [
        Warning(
            "libharfbuzz-subset is not installed: PDF certificates will render about five times slower.",
            hint="Install Debian's libharfbuzz-subset0 (apt-get install libharfbuzz-subset0).",
            id="aipia.W001",
        )
    ]
