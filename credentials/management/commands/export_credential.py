from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from credentials.models import Credential


class Command(BaseCommand):
    help = "Write a credential's sealed JSON-LD, its sealed PDF and its QR image (PNG) into a folder."

    def add_arguments(self, parser):
        parser.add_argument("credential_id")
        parser.add_argument("directory")

    def handle(self, *args, credential_id: str, directory: str, **options):
        try:
            credential = Credential.objects.get(pk=credential_id)
        except (Credential.DoesNotExist, ValueError) as exc:
            raise CommandError(f"No credential {credential_id}.") from exc
        if credential.issuance != Credential.Issuance.DONE:
            raise CommandError(f"Credential {credential_id} is not issued yet ({credential.issuance}).")
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        for field, name in (
            ("sealed_json", f"{credential.pk}.jsonld"),
            ("pdf", f"{credential.pk}.pdf"),
            ("qr_png", f"{credential.pk}-qr.png"),
        ):
            with getattr(credential, field).open("rb") as handle:
                (target / name).write_bytes(handle.read())
            self.stdout.write(str(target / name))
