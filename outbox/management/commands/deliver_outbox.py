"""``manage.py deliver_outbox [--loop SECONDS]``: deliver the e-mails and webhooks due (first tries whose task was
lost, and retries). Without a broker (the embedded default) this is how failed deliveries are retried: run it from
cron, or with ``--loop``. Safe to run in several processes at once."""

import json as jsonlib
import time

from django.core.management.base import BaseCommand

from outbox import services


class Command(BaseCommand):
    help = "Deliver the outbox's e-mails and webhooks that are due (retries included)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=float, default=0, help="Run again every this many seconds, until stopped.")
        parser.add_argument("--limit", type=int, default=None, help="At most this many messages per run.")
        parser.add_argument("--json", action="store_true", help="Print one JSON line per run.")

    def handle(self, *args, loop: float, limit: int | None, **options):
        as_json = options["json"]
        while True:
            sent = services.deliver_due(limit=limit)
            unknown = len(services.unknown_emails())
            if as_json:
                self.stdout.write(_json({"sent": sent, "unknown_emails": unknown}))
            else:
                self.stdout.write(f"Delivered {sent} message(s); {unknown} e-mail(s) of unknown fate.")
            self.stdout.flush()
            if not loop:
                return
            time.sleep(loop)


def _json(value) -> str:
    return jsonlib.dumps(value)
