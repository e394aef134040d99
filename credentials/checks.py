"""Start-up checks of what the credentials app needs on disk."""

from django.conf import settings
from django.core.checks import Error, Warning, register

from credentials.documents import edc_material, pdf


@register()
def edc_material_installed(app_configs, **kwargs):
    # Without the official contexts and shapes, verification cannot check a credential's format. A development
    # machine may go without them (a loud warning); a production server refuses to start.
    found = edc_material.problems(settings.EDC_DIR)
    if not found:
        return []
    level = Warning if settings.DEBUG else Error
    return [
        level(
            f"The official EDC contexts and shapes in EDC_DIR ({settings.EDC_DIR}) are incomplete: {'; '.join(found)}. "
            "Verification reports the format check as not done.",
            hint="Run `python manage.py install_edc_material` (set EDC_MIRROR to a folder or base URL that holds "
            "the files when the official URLs cannot be reached).",
            id="credentials.E001" if level is Error else "credentials.W001",
        )
    ]


@register()
def association_logo_usable(app_configs, **kwargs):
    # Every certificate prints the logo: a file that is missing or not an image stops start-up with the reason,
    # rather than certificates going out without it (the renderer would refuse it anyway, at the first issuance).
    try:
        pdf.association_logo(settings.ASSOCIATION_LOGO)
    except pdf.InvalidLogoError as error:
        return [
            Error(
                f"ASSOCIATION_LOGO: {error}.",
                hint="Point ASSOCIATION_LOGO to the association's logo, an SVG or PNG file of at most 2 MB, or leave "
                "it empty to print the emblem that comes with AIPIA Credentials.",
                id="credentials.E002",
            )
        ]
    return []
