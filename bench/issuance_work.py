"""The Django side of ``issuance.py``: its runs, measured once Django is set up (models imported at the top)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pipeline
from django.conf import settings
from django.db import connection

from credentials.services import issuance
from outbox import services as outbox
from outbox.models import Message


def memory_run(ids: list[str], warmup_ids: list[str], workdir: Path, every: int = 100) -> dict:
    """One pool process issues ``ids``; its RSS is read each time another ``every`` are done."""
    pipeline.purge_queue()
    worker = pipeline.Worker(1, workdir, "memory")
    samples: list[tuple[int, float]] = []

    def progress(done: int) -> None:
        if done >= (len(samples) + 1) * every or (done == len(ids) and (not samples or samples[-1][0] != done)):
            rss = worker.sample()
            if rss:
                samples.append((done, round(max(rss.values()) / 1024, 1)))

    try:
        pipeline.warm_up(worker, warmup_ids)
        started = time.monotonic()
        pipeline.enqueue(ids)
        pipeline.wait_issued(ids, timeout=max(300.0, 2.0 * len(ids)), on_progress=progress)
        issued_s = time.monotonic() - started
        pipeline.wait_notified(ids, timeout=max(120.0, len(ids)))
        time.sleep(0.3)
        after = worker.sample()
        first, last = samples[0], samples[-1]
        return {
            "credentials": len(ids),
            "issued_per_s": round(len(ids) / issued_s, 2),
            "samples": samples,
            "rss_first_mib": first[1],
            "rss_first_at": first[0],
            "rss_last_mib": last[1],
            "rss_last_at": last[0],
            "rss_after_notifications_mib": round(max(after.values()) / 1024, 1) if after else None,
            "growth_mib": round(last[1] - first[1], 1),
            "peak_rss_mib": round(max(worker.peak_kib.values()) / 1024, 1),
        }
    except Exception:
        print(worker.log_tail(), file=sys.stderr)
        raise
    finally:
        worker.stop()


def in_process_issuance(ids: list[str]) -> dict:
    """``issue_credential`` (which also writes the holder's e-mail into the outbox) then that e-mail's delivery by
    the outbox, in this process: the pipeline plus the database and storage."""
    dispatch = settings.OUTBOX_DISPATCH_ON_COMMIT
    settings.OUTBOX_DISPATCH_ON_COMMIT = False  # the e-mails are delivered below, timed separately
    try:
        warm, timed_ids = ids[:2], ids[2:]
        for credential_id in warm:
            issuance.issue_credential(credential_id=credential_id)
        started = time.perf_counter()
        for credential_id in timed_ids:
            if not issuance.issue_credential(credential_id=credential_id):
                raise RuntimeError(f"in-process issuance of {credential_id} did nothing")
        issue = pipeline.rate(time.perf_counter() - started, len(timed_ids))
    finally:
        settings.OUTBOX_DISPATCH_ON_COMMIT = dispatch
    emails = dict(
        Message.objects.filter(dedupe_key__in=[f"credentials.issued:{i}" for i in ids]).values_list("dedupe_key", "pk")
    )
    outbox.deliver(message_id=emails[f"credentials.issued:{warm[0]}"])
    started = time.perf_counter()
    for credential_id in timed_ids:
        if not outbox.deliver(message_id=emails[f"credentials.issued:{credential_id}"]):
            raise RuntimeError(f"the e-mail of {credential_id} was not sent")
    notify = pipeline.rate(time.perf_counter() - started, len(timed_ids))
    return {"issue_credential": issue, "notify_holder": notify}


def measure(args: argparse.Namespace, workdir: Path) -> dict:
    """Every measurement of the issuance benchmark; the bench data is made first, outside every clock."""
    pipeline.prepare()
    runs_of = [1, 2]
    bare_ids = pipeline.make_credentials(1, "bare")
    inproc_ids = pipeline.make_credentials(min(args.renders, 50) + 2, "inproc")
    batches = {
        c: (pipeline.make_credentials(c * 2, f"warm{c}"), pipeline.make_credentials(args.count, f"run{c}"))
        for c in runs_of
    }
    memory_batch = (pipeline.make_credentials(2, "memwarm"), pipeline.make_credentials(args.memory_count, "memory"))
    results: dict = {
        "count": args.count,
        "environment": pipeline.environment(
            conn_max_age=pipeline.conn_max_age(), harfbuzz_subset=pipeline.harfbuzz_subset()
        ),
    }
    connection.close()
    results["bare"] = pipeline.bare_measurements(bare_ids[0], args.renders)
    results["in_process"] = in_process_issuance(inproc_ids)
    results["runs"] = [pipeline.throughput_run(c, batches[c][1], batches[c][0], workdir) for c in runs_of]
    if args.memory_count:
        results["memory"] = memory_run(memory_batch[1], memory_batch[0], workdir)
    return results
