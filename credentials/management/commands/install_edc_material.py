from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from credentials.documents import edc_material


class Command(BaseCommand):
    help = (
        "Install the official EDC JSON-LD contexts and SHACL shapes into EDC_DIR, from EDC_MIRROR (a folder or a "
        "base URL), a local mirror beside the checkout, or their official URLs; every file is checked against its "
        "pinned SHA-256. Completes without them unless --require is given."
    )
    # It installs what one of the checks looks for: warning about it first would only confuse.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, help="where to install them (default: EDC_DIR)")
        parser.add_argument("--mirror", help="a folder or base URL holding the files (default: EDC_MIRROR)")
        parser.add_argument(
            "--no-download", action="store_true", help="take the files from a mirror only, never from the official URLs"
        )
        parser.add_argument(
            "--require",
            action="store_true",
            help="fail (exit status 1) when a file cannot be installed, e.g. in an image build",
        )

    def handle(self, *args, dir=None, mirror=None, no_download=False, require=False, **options):
        folder = Path(dir or settings.EDC_DIR)
        mirrors = edc_material.mirrors_from(
            mirror if mirror is not None else settings.EDC_MIRROR, settings.EDC_LOCAL_MIRRORS
        )
        report = edc_material.install(folder, mirrors=mirrors, official=not no_download)
        heading = f"EDC material in {folder}:"
        self.stdout.write(heading)
        for line in edc_material.describe(report):
            self.stdout.write(line)
        if report.complete:
            self.stdout.write(self.style.SUCCESS("The EDC contexts and shapes are installed."))
            return
        if require:
            raise CommandError(f"EDC material missing: {', '.join(report.missing)}.")
        self.stdout.write(
            self.style.WARNING("Installation continues without them: the format check will be reported as not done.")
        )
