#!/usr/bin/env python
"""Verification benchmark: the public verification endpoints under the production server, measured by wrk.

Measures requests per second and p50/p99 latency of

- ``GET /v/<token>`` (the QR code's page),
- ``GET /api/v1/credentials/<uuid>/verification`` (the report for a credential we issued),
- ``POST /api/v1/verifications`` with the sealed credential's JSON as the body,

beside ``GET /healthz`` (a trivial JSON view, no database) measured in the same run, under gunicorn with
2 workers, DEBUG=false, PostgreSQL and the shared cache (Redis when it answers, as in production). Each
endpoint is measured from a cold start — fresh worker processes and an empty cache: the first request's
latency, then a short wrk run — and warm, after a warm-up. The CPU each request costs is split between
the gunicorn workers, PostgreSQL and wrk itself (which runs on the same cores). ``--profile N`` adds a
cProfile of N in-process requests per endpoint, to show where the time goes.

Usage (from the repository root; needs Debian's ``wrk``: ``apt-get install -y wrk``)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aipia_bench_verify \\
    .venv/bin/python bench/verification.py [--duration 10] [--connections 16] [--worker-class gthread|sync|both]
                                           [--profile 300] [--json] [--reset]

The bench database (the URL above when DATABASE_URL is not set) is created when missing and migrated; one
credential is issued in it through the real pipeline (tasks run in-process). ``--reset`` drops it first.
Files, collected static files and the test seal key live in a temporary folder removed at the end. The
rate limit of the public endpoints is lifted (``VERIFY_RATE_LIMIT``) for the run; the bench flushes its
cache database before each cold start, so give it one nothing else uses (``CACHE_URL``, default ``redis://127.0.0.1:6379/14``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import harness
from web_load import HOST

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/aipia_bench_verify"
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/14"
TARGET_PER_S = 1500
TARGET_P99_MS = 25.0


# --- arguments and environment ---------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of each warm wrk run (default 10)")
    parser.add_argument("--cold-duration", type=int, default=5, help="seconds of each cold wrk run (default 5)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (default 1: it shares the cores)")
    parser.add_argument(
        "--worker-class",
        choices=["gthread", "sync", "granian", "both", "all"],
        default="granian",
        help="gunicorn worker class, or granian (WSGI, 2 workers); both = gthread and sync, all = all three",
    )
    parser.add_argument(
        "--threads", type=int, default=2, help="threads per worker: gthread threads or granian blocking threads"
    )
    parser.add_argument("--profile", type=int, default=0, help="cProfile N in-process requests per endpoint")
    harness.add_common_arguments(parser, workers=False)
    return parser.parse_args()


def _redis_answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def configure_environment(workdir: Path) -> None:
    """Everything the bench process and the server workers read, set before Django starts."""
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: install it with `apt-get install -y wrk` (Debian), then run the benchmark again")
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    harness.require_postgresql(DEFAULT_DATABASE_URL)
    if not os.environ.get("CACHE_URL"):
        # Production shares one Redis cache between the web processes; fall back to each process's own.
        os.environ["CACHE_URL"] = DEFAULT_CACHE_URL if _redis_answers(DEFAULT_CACHE_URL) else "locmemcache://"
    harness.set_environment(workdir, debug=False)
    os.environ["STATIC_ROOT"] = str(workdir / "static")  # collected as the Docker image does
    os.environ.pop("CELERY_BROKER_URL", None)  # the one issuance of the setup runs in-process
    os.environ["ALLOWED_HOSTS"] = HOST
    os.environ["SITE_URL"] = f"https://{HOST}"
    # The bench client is one address sending thousands of requests a second.
    os.environ["VERIFY_RATE_LIMIT"] = "1000000000/s"


# --- report ----------------------------------------------------------------------------------------------------


def report(results: dict) -> str:
    env = results["environment"]
    lines = [
        f"verification benchmark — 2 server workers, DEBUG={env['debug']}, PostgreSQL {env['postgresql']}, "
        f"cache {env['cache']}, {env['cores']} cores shared with wrk "
        f"({env['wrk_threads']} thread, {env['connections']} connections)",
        f"targets: ≥ {TARGET_PER_S:,} verifications/s with p99 < {TARGET_P99_MS:.0f} ms, warm, on 2 cores; "
        f"load average before: {env['load_average_before']:.2f}",
    ]
    for worker_class, runs in results["runs"].items():
        if worker_class == "gthread":
            label = f"gunicorn gthread ({env['threads']} threads per worker)"
        elif worker_class == "granian":
            label = f"granian WSGI ({env['threads']} blocking threads per worker)"
        else:
            label = f"gunicorn {worker_class}"
        lines += ["", f"  server {label}"]
        lines.append(
            f"    {'endpoint':<44}{'first':>8}  {'cold /s':>8} {'p50':>7} {'p99':>7}  {'warm /s':>8} {'p50':>7} "
            f"{'p99':>7}  {'CPU ms/req: workers':>19} {'PG':>5} {'wrk':>5}  target"
        )
        for name, run in runs.items():
            cold, warm = run["cold"], run["warm"]
            cpu = warm["cpu_ms_per_request"]
            if name == "healthz":
                verdict = "(baseline)"
            else:
                meets = warm["per_s"] >= TARGET_PER_S and warm["p99_ms"] < TARGET_P99_MS
                verdict = "meets" if meets else "MISSES"
            lines.append(
                f"    {run['label']:<44}{run['first_request_ms']:>6.1f}ms  {cold['per_s']:>8.0f} "
                f"{cold['p50_ms']:>5.2f}ms {cold['p99_ms']:>5.1f}ms  {warm['per_s']:>8.0f} {warm['p50_ms']:>5.2f}ms "
                f"{warm['p99_ms']:>5.1f}ms  {cpu['workers']:>19.2f} {cpu['postgres']:>5.2f} {cpu['wrk']:>5.2f}  "
                f"{verdict}"
            )
        for name, run in runs.items():
            for phase in ("cold", "warm"):
                if run[phase]["socket_errors"]:
                    lines.append(f"    {name}, {phase}: socket errors {run[phase]['socket_errors']}")
        others = max(run["warm"]["machine_pct"]["others"] for run in runs.values())
        lines.append(f"    other load on the machine during the warm runs: up to {others:.0f} % of all cores")
        base = runs["healthz"]["warm"]["per_s"]
        shares = ", ".join(
            f"{name} {run['warm']['per_s'] / base:.0%}" for name, run in runs.items() if name != "healthz"
        )
        lines.append(f"    warm rate as a share of /healthz's: {shares}")
    for name, text in results.get("profiles", {}).items():
        lines += ["", f"  cProfile, {name}:", *("    " + line for line in text.strip().splitlines())]
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------------------------------------


def measure(args: argparse.Namespace, workdir: Path) -> str:
    configure_environment(workdir)
    harness.start_django(reset=args.reset)
    # Imported here, once, because it imports models and services: Django must be configured and set up first.
    import verification_work

    targets = {"per_s": TARGET_PER_S, "p99_ms": TARGET_P99_MS}
    results = verification_work.measure_all(args, workdir, targets=targets)
    return json.dumps(results, indent=2, default=str) if args.json else report(results)


def main() -> int:
    args = parse_args()
    failures = (RuntimeError, subprocess.CalledProcessError)
    return harness.run(partial(measure, args), prefix="aipia-bench-verify-", failures=failures)


if __name__ == "__main__":
    sys.exit(main())
