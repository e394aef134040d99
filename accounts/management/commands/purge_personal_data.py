"""Apply the personal data retention periods (accounts/privacy.py); run daily."""

from __future__ import annotations

import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.privacy import erase_expired_personal_data
from aipia import days


class Command(BaseCommand):
    help = "Erase personal data whose retention period has ended (RETENTION_* settings)."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="Apply the periods as of this day (YYYY-MM-DD, end of day); default now.")
        parser.add_argument("--json", action="store_true", help="Print one JSON line with the counts.")

    def handle(self, *args, as_of=None, json=False, **options):
        now = timezone.now()
        if as_of:
            try:
                day = datetime.date.fromisoformat(as_of)
            except ValueError as exc:
                raise CommandError(f"--as-of must be YYYY-MM-DD, not {as_of!r}") from exc
            # The end of that day in the issuer's time zone (aipia/days.py: midnight starting the next day there).
            now = days.end_of_day(day, timezone.get_default_timezone())
        counts = erase_expired_personal_data(now=now)
        if json:
            self.stdout.write(_json_dumps(counts))
        else:
            for name, count in counts.items():
                self.stdout.write(f"{name}: {count}")


def _json_dumps(value) -> str:
    return json.dumps(value, sort_keys=True)
