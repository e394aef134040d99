"""The Django side of ``outbox.py``: its data and runs, measured once Django is set up."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import harness
import pipeline
from bulk_renewal_work import bench_admin, make_expiring_credentials
from django.db import connection

from credentials.models import BulkJob
from credentials.services import bulk
from outbox import events
from outbox import services as outbox
from outbox.models import Message, WebhookEndpoint

sys.path.insert(0, str(os.path.join(os.path.dirname(__file__), "..")))
from tests.outbox.receiver import Receiver

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _cpu() -> float:
    """CPU seconds of this process (the job runs in it) and of the database's server processes serving it."""
    return time.process_time() + sum(harness.cpu_seconds(pid) for pid in pipeline.pg_backends())


def _bulk_run(count: int, tag: str, admin) -> tuple[float, float]:
    ids = make_expiring_credentials(count, tag)
    job = bulk.start_bulk_job(action="renew", credential_ids=ids, actor=admin, params={"note": "bench"})
    cpu = _cpu()
    started = time.perf_counter()
    bulk.run_bulk_job(job_id=job.pk)
    seconds = time.perf_counter() - started
    cpu = _cpu() - cpu
    job.refresh_from_db()
    if job.status != BulkJob.Status.DONE or job.items.filter(status="done").count() != count:
        raise RuntimeError(f"bulk job {job.pk} did not renew every credential")
    return seconds, cpu


def measure(args: argparse.Namespace) -> dict:
    count = args.count
    pipeline.prepare()
    admin = bench_admin()
    WebhookEndpoint.objects.all().delete()
    Message.objects.all().delete()
    receiver = Receiver(secrets=[]).start()
    stamp = str(int(time.time()))
    off_runs, on_runs, written = [], [], 0
    try:
        for round_number in range(args.rounds):
            WebhookEndpoint.objects.all().delete()
            off_runs.append(_bulk_run(count, f"off{round_number}-{stamp}", admin))
            endpoint = outbox.create_endpoint(actor=admin, url=receiver.url, events=list(events.CREDENTIAL_EVENTS))
            receiver.secrets[:] = [endpoint.secret]
            Message.objects.filter(kind=Message.Kind.WEBHOOK).delete()
            on_runs.append(_bulk_run(count, f"on{round_number}-{stamp}", admin))
            written = Message.objects.filter(kind=Message.Kind.WEBHOOK, event_type="credential.renewed").count()
        if written != count:
            raise RuntimeError(f"{written} credential.renewed deliveries written for {count} renewals")

        # Deliveries: what the last "on" run wrote, by N deliver_outbox processes at once.
        Message.objects.filter(kind=Message.Kind.EMAIL).delete()
        connection.close()
        env = {**os.environ}
        started = time.perf_counter()
        workers = [
            subprocess.Popen(
                [sys.executable, "manage.py", "deliver_outbox"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL
            )
            for _ in range(args.workers)
        ]
        for worker in workers:
            worker.wait()
        seconds = time.perf_counter() - started
        sent = Message.objects.filter(kind=Message.Kind.WEBHOOK, status=Message.Status.SENT).count()
        if sent != count:
            raise RuntimeError(f"{sent} of {count} deliveries sent")
        ids = [r.event_id for r in receiver.received]
    finally:
        receiver.stop()
    # Other processes share the machine: each round's pair ran back to back, so the ratio is taken per round (the
    # median of them), and from the CPU the job cost in this process and its database server process.
    ratios = sorted(off[0] / on[0] for off, on in zip(off_runs, on_runs, strict=True))
    cpu_off, cpu_on = sum(run[1] for run in off_runs), sum(run[1] for run in on_runs)
    wall_off, wall_on = sum(run[0] for run in off_runs), sum(run[0] for run in on_runs)
    return {
        "count": count,
        "environment": pipeline.environment(),
        "bulk_off": {
            "per_s": count * len(off_runs) / wall_off,
            "runs_s": [round(run[0], 2) for run in off_runs],
            "cpu_s": [round(run[1], 2) for run in off_runs],
        },
        "bulk_on": {
            "per_s": count * len(on_runs) / wall_on,
            "runs_s": [round(run[0], 2) for run in on_runs],
            "cpu_s": [round(run[1], 2) for run in on_runs],
            "deliveries_written": written,
        },
        "ratio_wall_median": ratios[len(ratios) // 2],
        "ratios_wall": [round(r, 3) for r in ratios],
        "ratio_cpu": cpu_off / cpu_on,
        "deliveries": {
            "workers": args.workers,
            "count": count,
            "seconds": seconds,
            "per_s": count / seconds,
            "received": len(ids),
            "verified": sum(r.verified for r in receiver.received),
            "duplicates": len(ids) - len(set(ids)),
        },
    }
