"""A webhook receiver for tests: a real HTTP server on 127.0.0.1 that verifies every request's signature with the
``standardwebhooks`` library (as a receiver would) and records what it got. Told how to answer the next requests:
``"ok"`` (204), ``"fail"`` (500), ``"slow"`` (answers after ``slow_seconds``), ``"gone"`` (410), ``"redirect"``
(302)."""

from __future__ import annotations

import http.server
import json
import threading
import time
from dataclasses import dataclass, field

from standardwebhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    event_id: str
    event_type: str
    verified: bool
    payload: dict
    headers: dict


@dataclass
class Receiver:
    secrets: list[str]
    answers: list[str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    slow_seconds: float = 2.0
    server: http.server.ThreadingHTTPServer | None = None
    # "block": the request is recorded, ``blocked`` is set, and the answer waits for ``release``.
    blocked: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks"

    def verified_ids(self) -> list[str]:
        return [r.event_id for r in self.received if r.verified]

    def start(self) -> Receiver:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {key.lower(): value for key, value in self.headers.items()}
                verified = False
                for secret in receiver.secrets:
                    try:
                        Webhook(secret).verify(body, headers)
                        verified = True
                        break
                    except WebhookVerificationError:
                        continue
                payload = json.loads(body)
                answer = receiver.answers.pop(0) if receiver.answers else "ok"
                receiver.received.append(
                    Received(headers.get("webhook-id", ""), payload.get("type", ""), verified, payload, headers)
                )
                if answer == "slow":
                    time.sleep(receiver.slow_seconds)
                if answer == "block":
                    receiver.blocked.set()
                    receiver.release.wait(60)
                code = {"ok": 204, "fail": 500, "slow": 204, "gone": 410, "redirect": 302, "block": 204}[answer]
                self.send_response(code)
                if code == 302:
                    self.send_header("location", "http://127.0.0.1:1/elsewhere")
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
