import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.services import seed_demo


class Command(BaseCommand):
    help = "Create demo data (catalogue, a user for every role, dossiers in several states). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print users, dossiers and credentials as JSON.")
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even with DEBUG off (demo users have a published password: never on a real site).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError("Refusing to create demo users with a known password while DEBUG is off.")
        result = seed_demo()
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
            return
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Log in at {result['site_url']} with:"))
        for user in result["users"]:
            self.stdout.write(f"  {user['role']:<15} {user['email']:<32} {user['password']}")
