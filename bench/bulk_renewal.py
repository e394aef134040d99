#!/usr/bin/env python
"""Bulk renewal benchmark: one bulk job renews N credentials, end to end, through real Celery workers.

The clock starts when the administrator's job is created (``bulk.start_bulk_job``, as the expiring page and
``POST /api/v1/bulk-jobs`` do) and stops when every new credential has its sealed JSON-LD, its sealed PDF and
its QR code stored and is active, with its entries in the revocation and suspension status lists. Between
the two, on ``--workers`` prefork pool processes (default 2) of one ``celery worker``:

- the task ``credentials.run_bulk_job`` creates the renewed credentials one transaction each
  (``renewal.renew_by_policy``: serial, dates, status-list positions, the approved renewal application),
- each commit enqueues that credential's ``credentials.issue`` task (EDC, JAdES seal, PDF, PAdES seal),
- and the holders' e-mails, written to the outbox with each renewal and issuance, are delivered by ``outbox.deliver``.

Each credential is in its renewal window with enough CPD logged, so the job applies the renewal rules (window,
CPD) as an administrator's bulk renewal does and renews every one.

Prints the seconds for N renewals beside the target (at most 90 s for 1,000 on 2 cores), when the job had
created every row, when the last holder's certificate e-mail was sent, the CPU each renewal cost (pool
processes, the worker's consumer, PostgreSQL) and the load we did not start, so that a busy machine shows.
Then, in the same run on the same worker setup, N plain issuances (``bench/issuance.py``'s throughput run:
approved dossiers' credentials enqueued at once) and the ratio of the two rates: what the bulk machinery
(the job, its items, the renewal rules, the renewal rows) costs over issuance itself. Target: at most 10 %
(a ratio of at least 0.90).
Last, as the machine's reference, one renewed certificate's bare WeasyPrint render and whole
``build_documents`` in-process (``--renders``): the same run costs less on a faster CPU, and these say how fast
this one is.

Usage (from the repository root)::

    .venv/bin/python bench/bulk_renewal.py [--count 1000] [--workers 2] [--renders 20] [--json] [--reset]

``DATABASE_URL`` defaults to ``postgres://postgres@127.0.0.1:5432/aipia_bench_bulk`` (created and migrated
when missing; ``--reset`` drops it first) and ``CELERY_BROKER_URL`` to ``redis://127.0.0.1:6379/13`` (its
``aipia`` queue is purged before the run). Files, mail and the test seal key live in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from functools import partial
from pathlib import Path

import harness

TARGET_SECONDS_PER_1000 = 90.0
TARGET_RATIO = 0.90


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="credentials renewed by the timed job (default 1000)")
    parser.add_argument("--workers", type=int, default=2, help="worker pool processes (default 2)")
    parser.add_argument(
        "--batch-render",
        type=int,
        default=0,
        metavar="N",
        help="also compare N certificates rendered one by one with one N-page document (0 = skip; try 20)",
    )
    parser.add_argument(
        "--renders",
        type=int,
        default=20,
        help="in-process renders and pipelines of one renewed certificate, as the machine's reference (0 = skip)",
    )
    parser.add_argument(
        "--no-plain", action="store_true", help="skip the plain issuance run that the bulk rate is compared with"
    )
    harness.add_common_arguments(parser)
    return parser.parse_args()


def report(results: dict) -> str:
    r, env = results["run"], results["environment"]
    scaled = r["seconds"] * 1000 / r["renewals"]
    verdict = "meets" if scaled <= TARGET_SECONDS_PER_1000 else "MISSES"
    ms, pct = r["cpu_ms_each"], r["machine_pct"]
    lines = [
        f"bulk renewal benchmark — {r['renewals']} renewals in one bulk job, {r['workers']} worker processes, "
        f"PostgreSQL {env['postgresql']}, Celery on Redis, {env['cores']} cores, DEBUG={env['debug']}",
        f"  {'end to end (sealed JSON, PDF, status)':<40}{r['seconds']:7.1f} s  ({r['per_s']:.1f} /s; "
        f"target ≤ {TARGET_SECONDS_PER_1000:.0f} s per 1,000 on 2 cores: {verdict})",
        f"  {'  … the job had created every row at':<40}{r['rows_created_seconds']:7.1f} s",
        f"  {'  … last certificate e-mail sent at':<40}{r['last_certificate_email_seconds']:7.1f} s",
        f"  {'CPU per renewal':<40}{ms['pool']:7.0f} ms pool, {ms['consumer']:.0f} consumer, "
        f"{ms['postgres']:.0f} PostgreSQL, {ms['bench']:.0f} bench",
        f"  {'machine use':<40}{pct['pool']:7.0f} % pool, {pct['postgres']:.0f} % PostgreSQL, "
        f"{pct['others']:.0f} % other load we did not start (load average before: {r['load_average_before']})",
    ]
    # What the same work needs on idle cores: the CPU it cost, spread over every core of the machine.
    busy_ms = ms["pool"] + ms["consumer"] + ms["postgres"]
    idle_seconds = 1000 * busy_ms / 1000 / env["cores"]
    lines.append(
        f"  {'CPU-bound estimate, 1,000 on idle cores':<40}{idle_seconds:7.1f} s  "
        f"((pool + consumer + PostgreSQL CPU) x 1,000 / {env['cores']} cores)"
    )
    if results.get("plain"):
        p = results["plain"]
        ratio = r["per_s"] / p["issued_per_s"]
        verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
        lines.append(
            f"  {'plain issuance, same run and workers':<40}{p['issued_seconds']:7.1f} s  ({p['issued_per_s']:.1f} /s "
            f"for {p['credentials']}; CPU {p['cpu_ms_each']['pool']:.0f} ms pool, "
            f"{p['cpu_ms_each']['postgres']:.0f} PostgreSQL each)"
        )
        lines.append(
            f"  {'bulk rate / plain rate':<40}{ratio:7.2f}   (the bulk machinery costs {100 * (1 - ratio):.0f} %; "
            f"target ≥ {TARGET_RATIO:.2f}: {verdict})"
        )
    if results.get("reference"):
        # The same work costs more or less CPU on another machine: these two lines let runs be compared.
        ref = results["reference"]
        lines.append(
            f"  {'machine reference, one certificate':<40}{ref['render']['ms_each']:7.0f} ms WeasyPrint render, "
            f"{ref['pipeline']['ms_each']:.0f} ms whole build_documents (in-process, wall clock)"
        )
    if results.get("batch_render"):
        b = results["batch_render"]
        lines.append(
            f"  {'render, one by one / one document':<40}{b['one_by_one_ms_each']:7.0f} / "
            f"{b['one_document_ms_per_page']:.0f} ms CPU per certificate ({b['saving_pct']:+.0f} % saved by one "
            f"{b['certificates']}-page document, before splitting it)"
        )
    return "\n".join(lines)


def measure(args: argparse.Namespace, workdir: Path) -> str:
    harness.configure_for_workers(workdir, debug=args.debug)
    harness.start_django(reset=args.reset)
    # Imported here, once, because it imports models and services: Django must be configured and set up first.
    import bulk_renewal_work

    results = bulk_renewal_work.measure(args, workdir)
    return json.dumps(results, indent=2, default=str) if args.json else report(results)


def main() -> int:
    args = parse_args()
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aipia_bench_bulk")
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/13")
    return harness.run(partial(measure, args), prefix="aipia-bench-bulk-", keep_files=args.keep_files)


if __name__ == "__main__":
    sys.exit(main())
