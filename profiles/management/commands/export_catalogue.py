import json
from pathlib import Path

from django.core.management.base import BaseCommand

from profiles.services import export_catalogue


class Command(BaseCommand):
    help = "Write the whole profile catalogue as JSON (to a file, or to standard output)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="Output file; standard output when omitted.")

    def handle(self, *args, path: str | None, **options):
        text = json.dumps(export_catalogue(), ensure_ascii=False, indent=2) + "\n"
        if path:
            Path(path).write_text(text, encoding="utf-8")
            self.stdout.write(f"Catalogue written to {path}")
        else:
            self.stdout.write(text, ending="")
