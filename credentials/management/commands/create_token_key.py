from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from credentials.documents.keys import create_token_key


class Command(BaseCommand):
    help = (
        "Write a new software EC P-256 key for the QR tokens as PKCS#12 (password-less: protect the file), "
        "then point QR_TOKEN_KEY_PATH at it. It is published beside the seals on first use."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path: str, **options):
        target = Path(path)
        if target.exists():
            raise CommandError(f"{target} exists: a token key is never overwritten (printed tokens depend on it).")
        _key, p12 = create_token_key(organization_name=settings.ISSUER_LEGAL_NAME)
        target.write_bytes(p12)
        target.chmod(0o600)
        self.stdout.write(f"QR token key written to {target}.")
