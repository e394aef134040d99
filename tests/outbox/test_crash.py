"""A worker (``manage.py deliver_outbox`` in a subprocess, against PostgreSQL) killed with SIGKILL while sending,
twice — once in the middle of an e-mail (a local SMTP server, aiosmtpd, holding the message), once in the middle of a
webhook (a local receiver holding the request) — then restarted: every webhook event arrives, at least once and
always with the same id; no e-mail is sent twice; the e-mail whose fate is unknown is listed for administrators."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from email import message_from_bytes
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from accounts.models import User
from outbox import services as outbox
from outbox.models import Message

from ..factories import UserFactory
from .receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]


class Mailbox:
    """An SMTP server's handler: records the subjects it accepted; holds the message whose subject is ``hold``
    until ``release`` (and then refuses it: the client never heard that it was taken)."""

    def __init__(self, hold: str):
        self.hold = hold
        self.accepted: list[str] = []
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        subject = message_from_bytes(envelope.original_content or envelope.content)["subject"]
        if subject == self.hold and not self.release.is_set():
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 60)
            return "451 Try again later"
        self.accepted.append(subject)
        return "250 Message accepted for delivery"


def _worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "deliver_outbox", "--loop", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_loses_no_webhook_and_sends_no_email_twice(settings):
    if connection.vendor != "postgresql":
        pytest.skip("The worker runs in another process: it needs PostgreSQL (CI runs this test there).")
    settings.OUTBOX_DISPATCH_ON_COMMIT = False
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    admin = UserFactory(role=User.Role.ADMIN, is_staff=True)
    receiver = Receiver(secrets=[], answers=["ok", "ok", "block"]).start()
    mailbox = Mailbox(hold="Message 2")
    smtp_port = _free_port()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    workers: list[subprocess.Popen] = []
    try:
        endpoint = outbox.create_endpoint(actor=admin, url=receiver.url, events=["credential.revoked"])
        receiver.secrets.append(endpoint.secret)
        events, subjects = [], []
        for number in range(6):
            subjects.append(f"Message {number}")
            outbox.queue_email(
                to=[f"holder{number}@example.org"], subject=subjects[-1], language="en", context={"body": "Hello"}
            )
            [row] = outbox.emit_event(
                event_type="credential.revoked", data={"n": number}, order_key=f"credential:{number}"
            )
            events.append(row.event_id)

        database = connection.settings_dict
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}",
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "DEBUG": "true",
            "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "true",
            "WEBHOOKS_TIMEOUT": "30",
            "OUTBOX_CLAIM_TIMEOUT": "2",
            "CELERY_BROKER_URL": "",
        }
        if database.get("PASSWORD"):
            env["PGPASSWORD"] = database["PASSWORD"]

        # 1. Killed while the SMTP server holds "Message 2".
        workers.append(_worker(env))
        assert mailbox.holding.wait(60)
        os.kill(workers[-1].pid, signal.SIGKILL)
        workers[-1].wait()
        mailbox.release.set()

        # 2. Restarted; killed while the receiver holds the third webhook request.
        workers.append(_worker(env))
        assert receiver.blocked.wait(60)
        os.kill(workers[-1].pid, signal.SIGKILL)
        workers[-1].wait()
        receiver.release.set()

        # 3. Restarted: it finishes, and recovers the claims the dead workers left.
        workers.append(_worker(env))
        _wait_until(
            lambda: not Message.objects.filter(status__in=[Message.Status.PENDING, Message.Status.SENDING]).exists()
        )
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        receiver.release.set()
        mailbox.release.set()
        receiver.stop()
        smtp.stop()

    # Every webhook event arrived, verified, each under its one id; the held one at least once more.
    assert all(r.verified for r in receiver.received)
    assert set(receiver.verified_ids()) == set(events)
    assert {r.event_type for r in receiver.received} == {"credential.revoked"}
    # No e-mail twice; the one held when the worker died is of unknown fate, listed for admins, never re-sent.
    assert len(mailbox.accepted) == len(set(mailbox.accepted))
    unknown = [m.subject for m in outbox.unknown_emails()]
    assert unknown == ["Message 2"]
    assert sorted(mailbox.accepted + unknown) == sorted(subjects)
