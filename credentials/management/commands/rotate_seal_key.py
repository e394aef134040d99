import os
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from credentials.documents.keys import load_pkcs12
from credentials.services import keyring


class Command(BaseCommand):
    help = (
        "Switch new credentials to another seal key. Every certificate used before stays published at "
        "/.well-known/jwks.json, so earlier credentials keep verifying. With --pkcs12, register that file "
        "(then point SEAL_PKCS12_PATH at it and restart); without it, in development, make a new test seal."
    )

    def add_arguments(self, parser):
        parser.add_argument("--pkcs12", help="Path of the new PKCS#12 file.")
        parser.add_argument("--password-env", default="SEAL_PKCS12_PASSWORD", help="Variable holding its password.")

    def handle(self, *args, pkcs12: str | None, password_env: str, **options):
        if pkcs12:
            password = os.environ.get(password_env, "")
            key = load_pkcs12(Path(pkcs12), password.encode() if password else None)
        elif settings.SEAL_ALLOW_TEST_KEY and not settings.SEAL_PKCS12_PATH:
            current = Path(settings.SEAL_TEST_KEY_PATH)
            if current.exists():
                old = keyring.load_seal_key()
                shutil.move(current, current.with_name(f"{current.stem}-{old.kid[:12]}.p12"))
            keyring.forget_cached_keys()
            key = keyring.load_seal_key()
        else:
            raise CommandError("Give --pkcs12 with the new key's file.")
        record = keyring.publish(key)
        self.stdout.write(f"Active seal: {record.subject} (kid {record.kid}). Earlier certificates stay published.")
