import datetime
import json

from django.core.management.base import BaseCommand, CommandError

from aipia.errors import DomainError
from credentials.services import lifecycle


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--as-of must be a date as YYYY-MM-DD, for example 2029-03-30; got {value!r}.") from exc


class Command(BaseCommand):
    help = (
        "Run the daily credential lifecycle: mark expired credentials, lift ended suspensions and send the "
        "reminders due before expiry. --as-of replays a past day (its end in TIME_ZONE)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD", help="the day to run as (default: today)")
        parser.add_argument("--json", dest="as_json", action="store_true", help="print one JSON line with the counts")

    def handle(self, *args, as_of: str | None = None, as_json: bool = False, **options):
        day = _day(as_of) if as_of is not None else None
        try:
            result = lifecycle.run_daily(as_of=day)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if as_json:
            self.stdout.write(_json_line(result))
        else:
            self.stdout.write(
                f"As of {result['as_of']}: {result['expired']} expired, {result['suspensions_lifted']} "
                f"suspensions lifted, {result['reminders_sent']} reminders sent."
            )


def _json_line(result: dict) -> str:
    return json.dumps(result, sort_keys=True, separators=(",", ":"))
