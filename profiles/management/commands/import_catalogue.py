import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aipia.errors import DomainError
from profiles.services import DEFAULT_CATALOGUE, import_catalogue


class Command(BaseCommand):
    help = "Create or update profiles and e-CF competences from a catalogue JSON file (default: the shipped one)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEFAULT_CATALOGUE))

    def handle(self, *args, path: str, **options):
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        try:
            counts = import_catalogue(data=data)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in counts.items()))
