#!/usr/bin/env python
"""Outbox benchmark: webhook deliveries per second, and what webhooks cost a bulk renewal.

Prints, measured in one run (PostgreSQL):

- **a bulk renewal of N credentials with webhooks off and on**: ``bulk.run_bulk_job`` in-process, timed from its
  start to its end, once with no webhook endpoint and once with one subscribed to every credential event — the
  job then also writes N ``credential.renewed`` deliveries (each with the credential as the API represents it) in
  its items' transactions. The two runs alternate (off, on, off, on, …: ``--rounds`` pairs) on fresh credentials;
  the machine is shared, so the ratio is each pair's (the median is compared with the target: on/off rate at
  least 0.95), beside the CPU the job cost (this process and its PostgreSQL server process). Delivery is not
  part of the job: Celery is pointed at an in-memory broker that nothing consumes, so the job's tasks (issuing
  the new credentials, delivering the outbox) are queued and not run, as they would be queued for other workers
  in production;
- **deliveries per second**: the N deliveries written by the last "on" run, delivered by 2 ``manage.py
  deliver_outbox`` processes at once to a local receiver (a threaded HTTP server in this process that verifies
  every signature with ``standardwebhooks``), timed until every one is sent; with the number received, verified
  and received twice (claims make that 0).

Usage (from the repository root)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aipia_bench_outbox \\
    .venv/bin/python bench/outbox.py [--count 1000] [--json] [--reset]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import harness


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="credentials per bulk run and deliveries (1000)")
    parser.add_argument("--workers", type=int, default=2, help="deliver_outbox processes (default 2)")
    parser.add_argument("--rounds", type=int, default=3, help="off/on pairs of bulk renewals (default 3)")
    harness.add_common_arguments(parser, workers=False)
    return parser.parse_args()


def _row(label: str, value: str) -> str:
    return f"  {label:<44}{value}"


def report(results: dict) -> str:
    off, on, deliveries = results["bulk_off"], results["bulk_on"], results["deliveries"]
    ratio, cpu_ratio = results["ratio_wall_median"], results["ratio_cpu"]
    return "\n".join(
        [
            f"Outbox benchmark ({results['count']} credentials a run; PostgreSQL; {results['environment']})",
            _row(
                "bulk renewal, webhooks off",
                f"{off['per_s']:7.1f} renewals/s  (runs {off['runs_s']} s; CPU {off['cpu_s']} s)",
            ),
            _row(
                "bulk renewal, webhooks on",
                f"{on['per_s']:7.1f} renewals/s  (runs {on['runs_s']} s; CPU {on['cpu_s']} s; "
                f"{on['deliveries_written']} credential.renewed deliveries written by the last)",
            ),
            _row(
                "  … on / off, wall (median of rounds)",
                f"{ratio:7.3f}      (rounds {results['ratios_wall']}; target ≥ 0.95: "
                f"{'met' if ratio >= 0.95 else 'NOT met'})",
            ),
            _row("  … on / off, CPU (job + its database)", f"{cpu_ratio:7.3f}"),
            _row(
                f"deliveries, {deliveries['workers']} deliver_outbox processes",
                f"{deliveries['per_s']:7.1f} /s  ({deliveries['count']} in {deliveries['seconds']:.1f} s, "
                f"process start included; received {deliveries['received']}, verified {deliveries['verified']}, "
                f"twice {deliveries['duplicates']})",
            ),
        ]
    )


def measure(args: argparse.Namespace, workdir: Path) -> str:
    harness.require_postgresql("postgres://postgres@127.0.0.1:5432/aipia_bench_outbox")
    harness.set_environment(workdir, debug=True)  # DEBUG: the local receiver is on 127.0.0.1
    os.environ["WEBHOOKS_ALLOW_PRIVATE_ADDRESSES"] = "true"
    os.environ["CELERY_BROKER_URL"] = "memory://"
    harness.start_django(reset=args.reset)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import outbox_work  # Django is set up now

    results = outbox_work.measure(args)
    return json.dumps(results, indent=2) if args.json else report(results)


def main() -> int:
    args = parse_args()
    return harness.run(lambda workdir: measure(args, workdir), prefix="aipia-bench-outbox-")


if __name__ == "__main__":
    sys.exit(main())
