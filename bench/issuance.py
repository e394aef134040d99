#!/usr/bin/env python
"""Issuance benchmark: N credentials through the real pipeline (PostgreSQL, Celery on Redis, prefork workers).

Prints, measured in one run:

- the bare WeasyPrint render rate of the very certificate the pipeline prints, and the ratio of its render time
  to the reference layout's (the portrait certificate it replaced, ``pdf.REFERENCE``) on the same data,
- the bare in-process pipeline (``build_documents``: token, EDC, JAdES seal, QR, render, PAdES),
- ``issue_credential`` and the holder's e-mail sent by the outbox, in-process (adds the database and file storage),
- credentials per second through real Celery workers, with 1 and with 2 worker processes,
- the peak RSS of a worker process, and (with ``--memory-count``) its growth over many issuances,

so the overhead of everything around the renderer is a visible ratio.

Usage (from the repository root)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aipia_bench \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/15 \\
    .venv/bin/python bench/issuance.py --count 200 [--memory-count 1000] [--json] [--reset]

The bench database is created when missing and migrated; ``--reset`` drops and recreates it first.
Files, the mail folder and the test seal key live in a temporary folder removed at the end.
The workers run with production-like settings (DEBUG=false, CONN_MAX_AGE=60 as in .env.example);
``--debug`` runs them with DEBUG=true instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from functools import partial
from pathlib import Path

import harness

# --- arguments -------------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200, help="credentials per throughput run (default 200)")
    parser.add_argument(
        "--memory-count", type=int, default=0, help="issuances for the memory-flatness run (0 = skip; try 1000)"
    )
    parser.add_argument("--renders", type=int, default=30, help="iterations of the bare measurements (default 30)")
    parser.add_argument(
        "--custody-rounds",
        type=int,
        default=0,
        help="also time the seal devices (file, SoftHSM2, CSC dummy) and B-LTA, bench/custody.py (0 = skip; try 20)",
    )
    harness.add_common_arguments(parser)
    return parser.parse_args()


# --- report ----------------------------------------------------------------------------------------------------


def _row(label: str, value: str) -> str:
    return f"  {label:<36}{value}"


def _in_process_rows(bare: dict, in_process: dict) -> list[str]:
    render, pipeline = bare["render"], bare["pipeline"]
    issue, notify = in_process["issue_credential"], in_process["notify_holder"]
    layouts = bare["layouts"]
    new, reference = layouts["certificate"], layouts["reference"]
    return [
        _row("bare WeasyPrint render", f"{render['per_s']:6.1f} /s  ({render['ms_each']:.0f} ms each)"),
        _row(
            "  … certificate / reference layout",
            f"{layouts['cpu_ratio']:6.2f}     ({new['cpu_ms_each']:.0f} ms CPU against {reference['cpu_ms_each']:.0f}; "
            f"wall {new['ms_each']:.0f} against {reference['ms_each']:.0f} ms, interleaved)",
        ),
        _row("bare in-process pipeline", f"{pipeline['per_s']:6.1f} /s  ({pipeline['ms_each']:.0f} ms each)"),
        _row(
            "in-process issue_credential",
            f"{issue['per_s']:6.1f} /s  ({issue['ms_each']:.0f} ms each, + DB and files)",
        ),
        _row("in-process holder e-mail (outbox)", f"{notify['per_s']:6.1f} /s  ({notify['ms_each']:.0f} ms each)"),
    ]


def _run_rows(run: dict, cores: int) -> list[str]:
    label = f"real pipeline, {run['workers']} worker{'s' if run['workers'] > 1 else ''}"
    target = "   (target ≥ 12 /s)" if run["workers"] == 2 else ""
    ms, pct = run["cpu_ms_each"], run["machine_pct"]
    return [
        _row(label, f"{run['issued_per_s']:6.1f} /s{target}"),
        _row("  … counting the holder's e-mail", f"{run['with_notification_per_s']:6.1f} /s"),
        _row(
            "  … CPU per credential",
            f"{ms['pool']:6.0f} ms pool, {ms['consumer']:.0f} consumer, {ms['postgres']:.0f} PostgreSQL, "
            f"{ms['bench']:.0f} bench",
        ),
        _row(
            "  … machine use",
            f"{pct['pool']:6.0f} % pool, {pct['others']:.0f} % other load we did not start (of {cores} cores)",
        ),
    ]


def _machine_rows(results: dict, one: dict) -> list[str]:
    env, cores = results["environment"], results["environment"]["cores"]
    per_credential = one["cpu_ms_each"]
    ceiling = cores * 1000 / (per_credential["pool"] + per_credential["consumer"] + per_credential["postgres"])
    lines = [
        _row(
            f"CPU-bound ceiling, {cores} cores", f"{ceiling:6.1f} /s  (pool + consumer + PostgreSQL CPU, 1-worker run)"
        ),
        _row(
            "peak worker RSS",
            f"{max(run['peak_rss_mib'] for run in results['runs']):6.0f} MiB  (per pool process, VmHWM)",
        ),
    ]
    if results.get("memory"):
        m = results["memory"]
        lines.append(
            _row(
                f"memory over {m['credentials']} issuances",
                f"{m['growth_mib']:+.1f} MiB ({m['rss_first_mib']:.1f} at {m['rss_first_at']} → "
                f"{m['rss_last_mib']:.1f} MiB at {m['rss_last_at']})",
            )
        )
    lines.append(
        _row("libharfbuzz-subset", "present" if env["harfbuzz_subset"] else "MISSING (fontTools subsets fonts: slow)")
    )
    return lines


def report(results: dict) -> str:
    env, bare = results["environment"], results["bare"]
    lines = [
        f"issuance benchmark — {results['count']} credentials per run, PostgreSQL {env['postgresql']}, "
        f"Celery on Redis, {env['cores']} cores, DEBUG={env['debug']}, CONN_MAX_AGE={env['conn_max_age']}",
        *_in_process_rows(bare, results["in_process"]),
    ]
    for run in results["runs"]:
        lines += _run_rows(run, env["cores"])
    one = next(run for run in results["runs"] if run["workers"] == 1)
    lines += _machine_rows(results, one)
    lines += ["", "  build_documents, ms per credential:"]
    lines += [f"    {name:<40}{ms:7.1f}" for name, ms in bare["pipeline_steps_ms"].items()]
    best = max(run["issued_per_s"] for run in results["runs"])
    lines += [
        "",
        f"  1 worker runs at {one['issued_per_s'] / bare['pipeline']['per_s']:.0%} of the bare pipeline and "
        f"{one['issued_per_s'] / bare['render']['per_s']:.0%} of the bare render; best real rate {best:.1f} /s",
    ]
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------------------------------------


def measure(args: argparse.Namespace, workdir: Path) -> str:
    harness.configure_for_workers(workdir, debug=args.debug)
    harness.start_django(reset=args.reset)
    # Imported here, once, because it imports models and services: Django must be configured and set up first.
    import issuance_work

    results = issuance_work.measure(args, workdir)
    if args.custody_rounds:
        results["custody"] = custody_section(args.custody_rounds, workdir)
    return json.dumps(results, indent=2, default=str) if args.json else report_with_custody(results)


# --- seal custody (issue 20): the same run, with each seal device and B-LTA -----------------------------------


def custody_section(rounds: int, workdir: Path) -> dict:
    import custody

    return custody.measure_custody(rounds, workdir)


def report_with_custody(results: dict) -> str:
    text = report(results)
    if "custody" not in results:
        return text
    import custody

    return text + "\n\n" + custody.report(results["custody"])


def main() -> int:
    args = parse_args()
    return harness.run(partial(measure, args), prefix="aipia-bench-", keep_files=args.keep_files)


if __name__ == "__main__":
    sys.exit(main())
