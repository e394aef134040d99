"""``manage.py webhook_receiver [--port 8765] [--secret whsec_…]``: a local webhook receiver for the demo and for
trying things out. It prints every delivery it gets and whether its signature verifies (with the ``standardwebhooks``
library, as any receiver would), and answers 204. Without ``--secret`` it verifies with the secrets of this
installation's endpoints that point at its port. Not for production: it is a window on the events, nothing more."""

from __future__ import annotations

import http.server
import json

from django.core.management.base import BaseCommand
from standardwebhooks import Webhook, WebhookVerificationError

from outbox.models import WebhookEndpoint


class Command(BaseCommand):
    help = "Listen on 127.0.0.1 for webhooks, verify their signatures and print them."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument(
            "--secret", action="append", default=[], help="A whsec_ secret to verify with (repeatable)."
        )

    def handle(self, *args, port: int, secret: list[str], **options):
        command = self

        def secrets() -> list[str]:
            if secret:
                return secret
            found = []
            for endpoint in WebhookEndpoint.objects.filter(url__contains=f":{port}/"):
                found += [endpoint.secret] + ([endpoint.previous_secret] if endpoint.previous_secret else [])
            return found

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {key.lower(): value for key, value in self.headers.items()}
                verified = False
                for candidate in secrets():
                    try:
                        Webhook(candidate).verify(body, headers)
                        verified = True
                        break
                    except WebhookVerificationError:
                        continue
                try:
                    payload = json.loads(body)
                except ValueError:
                    payload = {}
                data = payload.get("data", {})
                command.stdout.write(
                    f"{payload.get('timestamp', '?')} {payload.get('type', '?')} id={headers.get('webhook-id')} "
                    f"signature={'verified' if verified else 'NOT VERIFIED'}"
                )
                command.stdout.write("    " + json.dumps(data, ensure_ascii=False)[:500])
                self.send_response(204 if verified else 400)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.stdout.write(f"Listening on http://127.0.0.1:{port}/ — waiting for webhooks (Ctrl+C to stop).")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
