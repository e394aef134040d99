from django.core.management.base import BaseCommand

from credentials.services import archival


class Command(BaseCommand):
    help = (
        "Add a fresh archive timestamp, with fresh validation data, to every sealed PDF whose last document "
        "timestamp's certificate expires within LTV_RENEWAL_MARGIN_DAYS (the nightly beat task does the same). "
        "Needs TSA_URL (in development, the test PKI's time-stamping authority)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--credential", help="Extend this credential's PDF only (if it is due).")

    def handle(self, *args, credential: str | None = None, **options):
        if credential:
            done = archival.extend_credential_ltv(credential_id=credential)
            self.stdout.write("Extended." if done else "Not due: its last timestamp lasts beyond the margin.")
            return
        count = archival.extend_due()
        self.stdout.write(f"Extended the long-term validation of {count} PDF(s).")
