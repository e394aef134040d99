#!/usr/bin/env python
"""Issuance benchmark: N credentials through the real pipeline (PostgreSQL, Celery on Redis, prefork workers).

Prints, measured in one run:

- the bare WeasyPrint render rate of the very certificate the pipeline prints,
- the bare in-process pipeline (``build_documents``: token, EDC, JAdES seal, QR, render, PAdES),
- ``issue_credential`` and ``notify_holder`` in-process (adds the database and file storage),
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
import contextlib
import ctypes.util
import datetime
import glob
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
CELERY = ROOT / ".venv" / "bin" / "celery"
QUEUE = "aipia"
PROFILE_CODE = "ai-ml-engineer"
NAMES = [
    ("Ada", "Lovelace"),
    ("Niccolò", "Dell'Acqua"),
    ("Maria Gaetana", "Agnesi"),
    ("Guglielmo", "Marconi"),
    ("Rita", "Levi-Montalcini"),
    ("Enrico", "Fermi"),
    ("Grace", "Hopper"),
    ("Federico", "Faggin"),
]


# --- arguments and environment ------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200, help="credentials per throughput run (default 200)")
    parser.add_argument(
        "--memory-count", type=int, default=0, help="issuances for the memory-flatness run (0 = skip; try 1000)"
    )
    parser.add_argument("--renders", type=int, default=30, help="iterations of the bare measurements (default 30)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--reset", action="store_true", help="drop and recreate the bench database first")
    parser.add_argument("--debug", action="store_true", help="run the workers with DEBUG=true")
    parser.add_argument("--keep-files", action="store_true", help="keep the temporary media folder")
    return parser.parse_args()


def configure_environment(args: argparse.Namespace, workdir: Path) -> None:
    """Everything the bench process and its workers read, set before Django starts."""
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/aipia_bench")
    if not os.environ.get("CELERY_BROKER_URL"):
        sys.exit("Set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/15): the benchmark needs real workers")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    (workdir / "media").mkdir()
    (workdir / "mail").mkdir()
    os.environ["DJANGO_SETTINGS_MODULE"] = "aipia.settings"
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ["SEAL_TEST_KEY_PATH"] = str(workdir / "keys" / "test-seal.p12")
    os.environ["SEAL_ALLOW_TEST_KEY"] = "true"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.filebased.EmailBackend"
    os.environ["EMAIL_FILE_PATH"] = str(workdir / "mail")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DEBUG"] = "true" if args.debug else "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    os.environ.setdefault("CONN_MAX_AGE", "60")


def ensure_database(reset: bool) -> str:
    import psycopg
    from psycopg import sql

    url = urlsplit(os.environ["DATABASE_URL"])
    name = url.path.lstrip("/")
    admin = urlunsplit(url._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        if reset:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


# --- setup data (not timed) ---------------------------------------------------------------------------------


def make_credentials(count: int, tag: str) -> list[str]:
    """``count`` approved dossiers and their pending credential rows, without enqueuing any task.

    The dossiers are written straight as approved (the committee process is not what is measured);
    the credential rows come from the real ``start_issuance``: serial, dates, status-list positions.
    """
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from accounts.models import User
    from credentials.services import issuance
    from dossiers.models import Dossier, DossierStatus
    from profiles.models import Profile

    if count <= 0:
        return []
    profile = Profile.objects.get(code=PROFILE_CODE)
    run = secrets.token_hex(4)
    users = User.objects.bulk_create(
        [
            User(
                email=f"bench-{tag}-{run}-{i}@example.org",
                first_name=NAMES[i % len(NAMES)][0],
                last_name=f"{NAMES[i % len(NAMES)][1]} {i}",
                password=make_password(None),  # unusable: nobody logs in
            )
            for i in range(count)
        ]
    )
    dossiers = Dossier.objects.bulk_create(
        [
            Dossier(owner=user, profile=profile, scheme_version=profile.scheme_version, status=DossierStatus.APPROVED)
            for user in users
        ]
    )
    original = issuance.enqueue_issuance
    issuance.enqueue_issuance = lambda credential_id: None  # rows only; the bench enqueues when it times
    try:
        with transaction.atomic():
            ids = [str(issuance.start_issuance(dossier=dossier, actor=None).pk) for dossier in dossiers]
    finally:
        issuance.enqueue_issuance = original
    return ids


# --- workers ------------------------------------------------------------------------------------------------


def _status_kib(pid: int) -> dict[str, int]:
    values = {}
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as handle:
        for line in handle:
            key, _sep, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    return values


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process, in seconds."""
    with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


def _machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, summed over every core."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:9]]
    ticks = os.sysconf("SC_CLK_TCK")
    idle = values[3] + values[4]
    return (sum(values) - idle) / ticks, sum(values) / ticks


def _children(pid: int) -> list[int]:
    found: set[int] = set()
    for path in glob.glob(f"/proc/{pid}/task/*/children"):
        with contextlib.suppress(OSError), open(path) as handle:
            found.update(int(child) for child in handle.read().split())
    return sorted(found)


class Worker:
    """A ``celery worker`` subprocess with ``concurrency`` prefork pool processes."""

    def __init__(self, concurrency: int, workdir: Path, label: str) -> None:
        self.concurrency = concurrency
        self.name = f"bench-{label}-{os.getpid()}@localhost"
        self.log_path = workdir / f"worker-{label}.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        command = [
            str(CELERY), "-A", "aipia", "worker",
            "--concurrency", str(concurrency), "--pool", "prefork", "-Q", QUEUE,
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-l", "warning", "-n", self.name,
        ]  # fmt: skip
        self.process = subprocess.Popen(  # noqa: S603 - our own celery executable and arguments
            command, cwd=ROOT, env=dict(os.environ), stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.peak_kib: dict[int, int] = {}

    def wait_ready(self, timeout: float = 90) -> None:
        from aipia.celery import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited with {self.process.returncode}:\n{self.log_tail()}")
            if app.control.ping(destination=[self.name], timeout=0.5) and len(self.pool()) >= self.concurrency:
                return
            time.sleep(0.2)
        raise RuntimeError(f"worker not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def pool(self) -> list[int]:
        return _children(self.process.pid)

    def sample(self) -> dict[int, int]:
        """Current RSS (KiB) of each pool process; remembers each one's high-water mark."""
        rss = {}
        for pid in self.pool():
            status = _status_kib(pid)
            if "VmRSS" in status:
                rss[pid] = status["VmRSS"]
                self.peak_kib[pid] = max(self.peak_kib.get(pid, 0), status.get("VmHWM", 0), status["VmRSS"])
        return rss

    def cpu_seconds(self) -> tuple[float, float]:
        """CPU seconds used so far by the pool processes, and by the main (consumer) process."""
        return sum(_cpu_seconds(pid) for pid in self.pool()), _cpu_seconds(self.process.pid)

    def log_tail(self, lines: int = 30) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # warm shutdown: the pool finishes its current task
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # our own process group, started above
                self.process.wait(10)
        self._log.close()


class Sampler(threading.Thread):
    """Samples the pool's memory a few times a second while a batch runs."""

    def __init__(self, worker: Worker, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.worker, self.interval, self.halt = worker, interval, threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            self.worker.sample()
            self.halt.wait(self.interval)


def purge_queue() -> int:
    from aipia.celery import app

    return app.control.purge() or 0


def enqueue(ids: list[str]) -> None:
    from credentials.tasks import issue_credential_task

    for credential_id in ids:
        issue_credential_task.delay(credential_id)


def wait_issued(ids: list[str], timeout: float, on_progress=None) -> None:
    """Poll until every credential is issued; raise with the recorded errors if any failed."""
    from credentials.models import Credential

    deadline = time.monotonic() + timeout
    while True:
        counts = Counter(Credential.objects.filter(pk__in=ids).values_list("issuance", flat=True))
        if on_progress:
            on_progress(counts[Credential.Issuance.DONE])
        if counts[Credential.Issuance.FAILED]:
            failed = Credential.objects.filter(pk__in=ids, issuance=Credential.Issuance.FAILED)
            detail = "\n".join(f"  {c.pk} at {c.issuance_step}: {c.issuance_error}" for c in failed[:5])
            raise RuntimeError(f"{counts[Credential.Issuance.FAILED]} issuance(s) failed:\n{detail}")
        if counts[Credential.Issuance.DONE] == len(ids):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s: {dict(counts)}")
        time.sleep(0.25)


def wait_notified(ids: list[str], timeout: float) -> None:
    from credentials.models import Credential

    deadline = time.monotonic() + timeout
    while Credential.objects.filter(pk__in=ids, notified_at__isnull=True).exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"notifications not all sent after {timeout:.0f} s")
        time.sleep(0.25)


def _pg_backends() -> list[int]:
    """Server processes connected to the bench database (the workers keep theirs: CONN_MAX_AGE)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        return [row[0] for row in cursor.fetchall()]


def _cpu_snapshot(worker: Worker) -> dict:
    busy, total = _machine_cpu()
    return {
        "pool": {pid: _cpu_seconds(pid) for pid in worker.pool()},
        "consumer": _cpu_seconds(worker.process.pid),
        "postgres": {pid: _cpu_seconds(pid) for pid in _pg_backends()},
        "bench": time.process_time(),
        "busy": busy,
        "total": total,
    }


def _cpu_split(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds between two snapshots: pool, consumer, PostgreSQL, this process, and everything else."""

    def delta(name: str) -> float:
        return sum(after[name][pid] - before[name].get(pid, 0.0) for pid in after[name])

    split = {
        "pool": delta("pool"),
        "consumer": after["consumer"] - before["consumer"],
        "postgres": delta("postgres"),
        "bench": after["bench"] - before["bench"],
    }
    split["others"] = max(0.0, (after["busy"] - before["busy"]) - sum(split.values()))
    split["machine"] = after["total"] - before["total"]
    return split


def throughput_run(concurrency: int, ids: list[str], warmup_ids: list[str], workdir: Path) -> dict:
    """Issue ``ids`` through a fresh worker; rate from the first enqueue to the last finished issuance."""
    from django.db.models import Max

    from credentials.models import Credential

    purge_queue()
    worker = Worker(concurrency, workdir, f"c{concurrency}")
    try:
        worker.wait_ready()
        enqueue(warmup_ids)  # every pool process loads its renderer, seal key and connection first
        wait_issued(warmup_ids, timeout=120)
        wait_notified(warmup_ids, timeout=120)
        sampler = Sampler(worker)
        sampler.start()
        before = _cpu_snapshot(worker)
        load_before = os.getloadavg()[0]
        started = datetime.datetime.now(datetime.UTC)
        enqueue(ids)
        enqueued_in = (datetime.datetime.now(datetime.UTC) - started).total_seconds()
        wait_issued(ids, timeout=max(180.0, 2.0 * len(ids)))
        wait_notified(ids, timeout=max(120.0, len(ids)))
        time.sleep(0.3)  # the last notification writes its mail after it claims the row
        after = _cpu_snapshot(worker)
        sampler.halt.set()
        sampler.join()
        worker.sample()
        marks = Credential.objects.filter(pk__in=ids).aggregate(
            done=Max("issuance_finished_at"), sent=Max("notified_at")
        )
        issued_s = (marks["done"] - started).total_seconds()
        notified_s = (marks["sent"] - started).total_seconds()
        cpu = _cpu_split(before, after)
        return {
            "workers": concurrency,
            "credentials": len(ids),
            "enqueue_seconds": round(enqueued_in, 3),
            "issued_seconds": round(issued_s, 3),
            "issued_per_s": round(len(ids) / issued_s, 2),
            "with_notification_seconds": round(notified_s, 3),
            "with_notification_per_s": round(len(ids) / notified_s, 2),
            "peak_rss_mib": round(max(worker.peak_kib.values()) / 1024, 1),
            # CPU per credential (issuance + notification): what the pipeline costs, whatever else runs.
            "cpu_ms_each": {name: round(1000 * seconds / len(ids), 1) for name, seconds in cpu.items()},
            # Shares of the whole machine (every core) over the run: "others" is load we did not start.
            "machine_pct": {name: round(100 * seconds / cpu["machine"], 1) for name, seconds in cpu.items()},
            "load_average_before": round(load_before, 2),
        }
    except Exception:
        print(worker.log_tail(), file=sys.stderr)
        raise
    finally:
        worker.stop()


def memory_run(ids: list[str], warmup_ids: list[str], workdir: Path, every: int = 100) -> dict:
    """One pool process issues ``ids``; its RSS is read each time another ``every`` are done."""
    purge_queue()
    worker = Worker(1, workdir, "memory")
    samples: list[tuple[int, float]] = []

    def progress(done: int) -> None:
        if done >= (len(samples) + 1) * every or (done == len(ids) and (not samples or samples[-1][0] != done)):
            rss = worker.sample()
            if rss:
                samples.append((done, round(max(rss.values()) / 1024, 1)))

    try:
        worker.wait_ready()
        enqueue(warmup_ids)
        wait_issued(warmup_ids, timeout=120)
        wait_notified(warmup_ids, timeout=120)
        started = time.monotonic()
        enqueue(ids)
        wait_issued(ids, timeout=max(300.0, 2.0 * len(ids)), on_progress=progress)
        issued_s = time.monotonic() - started
        wait_notified(ids, timeout=max(120.0, len(ids)))
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


# --- in-process measurements --------------------------------------------------------------------------------


def _rate(seconds: float, count: int) -> dict:
    return {"per_s": round(count / seconds, 2), "ms_each": round(1000 * seconds / count, 1), "count": count}


def bare_measurements(credential_id: str, iterations: int) -> dict:
    """The renderer alone, then ``build_documents`` with a per-step breakdown; no database writes."""
    from credentials.documents import edc, pdf, qr, seal
    from credentials.models import Credential
    from credentials.services import issuance, keyring

    key, _record = keyring.active_seal()
    credential = Credential.objects.select_related("profile", "holder").get(pk=credential_id)

    # The exact CertificateData the pipeline prints, captured from one build_documents call.
    captured: list[pdf.CertificateData] = []
    original_render = pdf.CertificateRenderer.render

    def spy(self, data):
        captured.append(data)
        return original_render(self, data)

    pdf.CertificateRenderer.render = spy
    try:
        issuance.build_documents(credential, key)
    finally:
        pdf.CertificateRenderer.render = original_render
    data = captured[0]

    renderer = pdf.CertificateRenderer()
    for _ in range(3):
        renderer.render(data)
    started = time.perf_counter()
    for _ in range(iterations):
        renderer.render(data)
    render = _rate(time.perf_counter() - started, iterations)

    # build_documents, each step timed through a thin wrapper around the function the pipeline calls.
    steps: Counter[str] = Counter()

    def timed(name, function):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                steps[name] += time.perf_counter() - start

        return wrapper

    patches = [
        (qr, "make_token", "token (qr.make_token)"),
        (issuance, "credential_data", "read rows (credential_data)"),
        (edc, "build_credential", "EDC JSON-LD (edc.build_credential)"),
        (edc, "canonical_json", "canonical JSON (edc.canonical_json)"),
        (seal, "seal", "JAdES seal (seal.seal)"),
        (qr, "qr_pdf_image", "QR image for the PDF (qr.qr_pdf_image)"),
        (pdf.CertificateRenderer, "render", "WeasyPrint render"),
        (pdf, "seal_pdf", "PAdES seal (pdf.seal_pdf)"),
        (qr, "qr_png", "QR PNG (qr.qr_png)"),
    ]
    for _ in range(2):
        issuance.build_documents(credential, key)
    originals = [(owner, attr, getattr(owner, attr)) for owner, attr, _name in patches]
    for owner, attr, name in patches:
        setattr(owner, attr, timed(name, getattr(owner, attr)))
    try:
        started = time.perf_counter()
        for _ in range(iterations):
            issuance.build_documents(credential, key)
        total = time.perf_counter() - started
    finally:
        for owner, attr, function in originals:
            setattr(owner, attr, function)
    breakdown = {name: round(1000 * seconds / iterations, 1) for name, seconds in steps.most_common()}
    breakdown["everything else"] = round(1000 * total / iterations - sum(breakdown.values()), 1)
    return {"render": render, "pipeline": _rate(total, iterations), "pipeline_steps_ms": breakdown}


def in_process_issuance(ids: list[str]) -> dict:
    """``issue_credential`` then ``notify_holder`` in this process: the pipeline plus the database and storage."""
    from credentials.services import issuance

    original = issuance._enqueue_notification
    issuance._enqueue_notification = lambda credential_id: None  # timed separately below
    try:
        warm, timed_ids = ids[:2], ids[2:]
        for credential_id in warm:
            issuance.issue_credential(credential_id=credential_id)
        started = time.perf_counter()
        for credential_id in timed_ids:
            if not issuance.issue_credential(credential_id=credential_id):
                raise RuntimeError(f"in-process issuance of {credential_id} did nothing")
        issue = _rate(time.perf_counter() - started, len(timed_ids))
    finally:
        issuance._enqueue_notification = original
    issuance.notify_holder(credential_id=warm[0])
    started = time.perf_counter()
    for credential_id in timed_ids:
        issuance.notify_holder(credential_id=credential_id)
    notify = _rate(time.perf_counter() - started, len(timed_ids))
    return {"issue_credential": issue, "notify_holder": notify}


# --- report -------------------------------------------------------------------------------------------------


def report(results: dict) -> str:
    r = results
    env = r["environment"]
    lines = [
        f"issuance benchmark — {r['count']} credentials per run, PostgreSQL {env['postgresql']}, "
        f"Celery on Redis, {env['cores']} cores, DEBUG={env['debug']}, CONN_MAX_AGE={env['conn_max_age']}",
    ]

    def row(label: str, value: str) -> None:
        lines.append(f"  {label:<36}{value}")

    b = r["bare"]
    row("bare WeasyPrint render", f"{b['render']['per_s']:6.1f} /s  ({b['render']['ms_each']:.0f} ms each)")
    row("bare in-process pipeline", f"{b['pipeline']['per_s']:6.1f} /s  ({b['pipeline']['ms_each']:.0f} ms each)")
    i = r["in_process"]
    row(
        "in-process issue_credential",
        f"{i['issue_credential']['per_s']:6.1f} /s  ({i['issue_credential']['ms_each']:.0f} ms each, + DB and files)",
    )
    row(
        "in-process notify_holder",
        f"{i['notify_holder']['per_s']:6.1f} /s  ({i['notify_holder']['ms_each']:.0f} ms each)",
    )
    for run in r["runs"]:
        label = f"real pipeline, {run['workers']} worker{'s' if run['workers'] > 1 else ''}"
        target = "   (target ≥ 12 /s)" if run["workers"] == 2 else ""
        row(label, f"{run['issued_per_s']:6.1f} /s{target}")
        row("  … counting the holder's e-mail", f"{run['with_notification_per_s']:6.1f} /s")
        ms, pct = run["cpu_ms_each"], run["machine_pct"]
        row(
            "  … CPU per credential",
            f"{ms['pool']:6.0f} ms pool, {ms['consumer']:.0f} consumer, {ms['postgres']:.0f} PostgreSQL, "
            f"{ms['bench']:.0f} bench",
        )
        row(
            "  … machine use",
            f"{pct['pool']:6.0f} % pool, {pct['others']:.0f} % other load we did not start (of {env['cores']} cores)",
        )
    one = next(run for run in r["runs"] if run["workers"] == 1)
    cores = env["cores"]
    per_credential = one["cpu_ms_each"]
    ceiling = cores * 1000 / (per_credential["pool"] + per_credential["consumer"] + per_credential["postgres"])
    row(f"CPU-bound ceiling, {cores} cores", f"{ceiling:6.1f} /s  (pool + consumer + PostgreSQL CPU, 1-worker run)")
    row("peak worker RSS", f"{max(run['peak_rss_mib'] for run in r['runs']):6.0f} MiB  (per pool process, VmHWM)")
    if r.get("memory"):
        m = r["memory"]
        row(
            f"memory over {m['credentials']} issuances",
            f"{m['growth_mib']:+.1f} MiB ({m['rss_first_mib']:.1f} at {m['rss_first_at']} → "
            f"{m['rss_last_mib']:.1f} MiB at {m['rss_last_at']})",
        )
    row("libharfbuzz-subset", "present" if env["harfbuzz_subset"] else "MISSING (fontTools subsets fonts: slow)")
    ratio_render = b["render"]["per_s"]
    best = max(run["issued_per_s"] for run in r["runs"])
    lines.append("")
    lines.append("  build_documents, ms per credential:")
    for name, ms in b["pipeline_steps_ms"].items():
        lines.append(f"    {name:<40}{ms:7.1f}")
    lines.append("")
    lines.append(
        f"  1 worker runs at {one['issued_per_s'] / b['pipeline']['per_s']:.0%} of the bare pipeline and "
        f"{one['issued_per_s'] / ratio_render:.0%} of the bare render; best real rate {best:.1f} /s"
    )
    return "\n".join(lines)


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="aipia-bench-"))
    try:
        configure_environment(args, workdir)
        ensure_database(args.reset)

        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        from credentials.services import keyring
        from profiles.services import import_default_catalogue

        call_command("migrate", verbosity=0)
        import_default_catalogue()
        keyring.active_seal()  # creates the test seal key once, before the workers start

        runs_of = [1, 2]
        bare_ids = make_credentials(1, "bare")
        inproc_ids = make_credentials(min(args.renders, 50) + 2, "inproc")
        batches = {c: (make_credentials(c * 2, f"warm{c}"), make_credentials(args.count, f"run{c}")) for c in runs_of}
        memory_batch = (make_credentials(2, "memwarm"), make_credentials(args.memory_count, "memory"))

        results: dict = {
            "count": args.count,
            "environment": {
                "cores": len(os.sched_getaffinity(0)),
                "postgresql": connection.cursor().connection.info.server_version // 10000,
                "debug": settings.DEBUG,
                "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
                "harfbuzz_subset": ctypes.util.find_library("harfbuzz-subset"),
                "python": sys.version.split()[0],
            },
        }
        connection.close()
        results["bare"] = bare_measurements(bare_ids[0], args.renders)
        results["in_process"] = in_process_issuance(inproc_ids)
        results["runs"] = [throughput_run(c, batches[c][1], batches[c][0], workdir) for c in runs_of]
        if args.memory_count:
            results["memory"] = memory_run(memory_batch[1], memory_batch[0], workdir)
        print(json.dumps(results, indent=2, default=str) if args.json else report(results))
        return 0
    except RuntimeError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep_files:
            print(f"files kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
