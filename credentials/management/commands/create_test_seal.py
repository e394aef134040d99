from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from credentials.documents.keys import create_test_seal


class Command(BaseCommand):
    help = "Write a TEST (not qualified) seal certificate and key as PKCS#12, e.g. for staging or deploy checks."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path: str, **options):
        _key, p12 = create_test_seal(
            organization_name=settings.ISSUER_LEGAL_NAME,
            organization_identifier=settings.ISSUER_EIDAS_IDENTIFIER,
            country=settings.ISSUER_COUNTRY,
        )
        Path(path).write_bytes(p12)
        Path(path).chmod(0o600)
        self.stdout.write(f"Test seal written to {path} (NOT QUALIFIED).")
