"""The Django side the benchmarks share: bench data, real Celery workers, the issuance pipeline's rates.

Import it only once Django is set up (``harness.start_django``): it imports models and services at its top.
"""

from __future__ import annotations

import ctypes.util
import datetime
import os
import secrets
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Max
from harness import ROOT, ChildProcess, cpu_seconds, machine_cpu, status_kib

from accounts.models import User
from aipia.celery import app
from credentials.documents import edc, pdf, qr, seal
from credentials.models import Credential
from credentials.services import issuance, keyring
from credentials.tasks import issue_credential_task
from dossiers.models import Dossier, DossierStatus
from outbox.models import Message
from profiles.models import Profile
from profiles.services import import_default_catalogue

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


# --- setup (not timed) -----------------------------------------------------------------------------------------


def prepare() -> None:
    """The catalogue and the test seal key, created once before any worker starts."""
    import_default_catalogue()
    keyring.active_seal()


def environment(**extra) -> dict:
    """The machine and the server the figures were measured on; ``extra`` goes before the Python version."""
    return {
        "cores": len(os.sched_getaffinity(0)),
        "postgresql": connection.cursor().connection.info.server_version // 10000,
        "debug": settings.DEBUG,
        **extra,
        "python": sys.version.split()[0],
    }


def conn_max_age() -> int:
    return settings.DATABASES["default"]["CONN_MAX_AGE"]


def harfbuzz_subset() -> str | None:
    return ctypes.util.find_library("harfbuzz-subset")


def bench_users(count: int, tag: str) -> list[User]:
    """``count`` holders with real-looking names and unusable passwords (nobody logs in), written in bulk."""
    run = secrets.token_hex(4)
    return User.objects.bulk_create(
        [
            User(
                email=f"bench-{tag}-{run}-{i}@example.org",
                first_name=NAMES[i % len(NAMES)][0],
                last_name=f"{NAMES[i % len(NAMES)][1]} {i}",
                password=make_password(None),
            )
            for i in range(count)
        ]
    )


def make_credentials(count: int, tag: str) -> list[str]:
    """``count`` approved dossiers and their pending credential rows, without enqueuing any task.

    The dossiers are written straight as approved (the committee process is not what is measured);
    the credential rows come from the real ``start_issuance``: serial, dates, status-list positions.
    """
    if count <= 0:
        return []
    profile = Profile.objects.get(code=PROFILE_CODE)
    users = bench_users(count, tag)
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


# --- workers ---------------------------------------------------------------------------------------------------


class Worker(ChildProcess):
    """A ``celery worker`` subprocess with ``concurrency`` prefork pool processes."""

    def __init__(self, concurrency: int, workdir: Path, label: str) -> None:
        self.concurrency = concurrency
        self.name = f"bench-{label}-{os.getpid()}@localhost"
        command = [
            str(CELERY), "-A", "aipia", "worker",
            "--concurrency", str(concurrency), "--pool", "prefork", "-Q", QUEUE,
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-l", "warning", "-n", self.name,
        ]  # fmt: skip
        super().__init__(command, workdir / f"worker-{label}.log")
        self.peak_kib: dict[int, int] = {}

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited with {self.process.returncode}:\n{self.log_tail()}")
            if app.control.ping(destination=[self.name], timeout=0.5) and len(self.pool()) >= self.concurrency:
                return
            time.sleep(0.2)
        raise RuntimeError(f"worker not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def pool(self) -> list[int]:
        return self.children()

    def sample(self) -> dict[int, int]:
        """Current RSS (KiB) of each pool process; remembers each one's high-water mark."""
        rss = {}
        for pid in self.pool():
            status = status_kib(pid)
            if "VmRSS" in status:
                rss[pid] = status["VmRSS"]
                self.peak_kib[pid] = max(self.peak_kib.get(pid, 0), status.get("VmHWM", 0), status["VmRSS"])
        return rss


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
    return app.control.purge() or 0


def enqueue(ids: list[str]) -> None:
    for credential_id in ids:
        issue_credential_task.delay(credential_id)


def wait_issued(ids: list[str], timeout: float, on_progress=None) -> None:
    """Poll until every credential is issued; raise with the recorded errors if any failed."""
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
    """Until every holder's certificate e-mail has been sent by the outbox."""
    deadline = time.monotonic() + timeout
    keys = [f"credentials.issued:{credential_id}" for credential_id in ids]

    def unsent() -> bool:
        written = Message.objects.filter(dedupe_key__in=keys)
        return written.count() < len(ids) or written.exclude(status=Message.Status.SENT).exists()

    while unsent():
        if time.monotonic() > deadline:
            raise RuntimeError(f"notifications not all sent after {timeout:.0f} s")
        time.sleep(0.25)


# --- CPU accounting --------------------------------------------------------------------------------------------


def pg_backends() -> list[int]:
    """Server processes connected to the bench database (the workers keep theirs: CONN_MAX_AGE)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        return [row[0] for row in cursor.fetchall()]


def cpu_snapshot(worker: Worker) -> dict:
    busy, total = machine_cpu()
    return {
        "pool": {pid: cpu_seconds(pid) for pid in worker.pool()},
        "consumer": cpu_seconds(worker.process.pid),
        "postgres": {pid: cpu_seconds(pid) for pid in pg_backends()},
        "bench": time.process_time(),
        "busy": busy,
        "total": total,
    }


def cpu_split(before: dict, after: dict) -> dict[str, float]:
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


# --- the real pipeline -----------------------------------------------------------------------------------------


def warm_up(worker: Worker, warmup_ids: list[str]) -> None:
    """Every pool process loads its renderer, seal key and connection before the clock starts."""
    worker.wait_ready()
    enqueue(warmup_ids)
    wait_issued(warmup_ids, timeout=120)
    wait_notified(warmup_ids, timeout=120)


def throughput_run(concurrency: int, ids: list[str], warmup_ids: list[str], workdir: Path) -> dict:
    """Issue ``ids`` through a fresh worker; rate from the first enqueue to the last finished issuance."""
    purge_queue()
    worker = Worker(concurrency, workdir, f"c{concurrency}")
    try:
        warm_up(worker, warmup_ids)
        sampler = Sampler(worker)
        sampler.start()
        before = cpu_snapshot(worker)
        load_before = os.getloadavg()[0]
        started = datetime.datetime.now(datetime.UTC)
        enqueue(ids)
        enqueued_in = (datetime.datetime.now(datetime.UTC) - started).total_seconds()
        wait_issued(ids, timeout=max(180.0, 2.0 * len(ids)))
        wait_notified(ids, timeout=max(120.0, len(ids)))
        time.sleep(0.3)  # the last notification writes its mail after it claims the row
        after = cpu_snapshot(worker)
        sampler.halt.set()
        sampler.join()
        worker.sample()
        marks = Credential.objects.filter(pk__in=ids).aggregate(
            done=Max("issuance_finished_at"), sent=Max("notified_at")
        )
        issued_s = (marks["done"] - started).total_seconds()
        notified_s = (marks["sent"] - started).total_seconds()
        cpu = cpu_split(before, after)
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


# --- in-process measurements -----------------------------------------------------------------------------------

# Each step of build_documents, timed through a thin wrapper around the function the pipeline calls.
PIPELINE_STEPS = [
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


def rate(seconds: float, count: int) -> dict:
    return {"per_s": round(count / seconds, 2), "ms_each": round(1000 * seconds / count, 1), "count": count}


def printed_certificate(credential: Credential, key) -> pdf.CertificateData:
    """The exact CertificateData the pipeline prints, captured from one ``build_documents`` call."""
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
    return captured[0]


def render_rate(data: pdf.CertificateData, iterations: int) -> dict:
    """The renderer alone, after three warm-up renders."""
    renderer = pdf.CertificateRenderer()
    for _ in range(3):
        renderer.render(data)
    started = time.perf_counter()
    for _ in range(iterations):
        renderer.render(data)
    return rate(time.perf_counter() - started, iterations)


def timed_pipeline(credential: Credential, key, iterations: int) -> tuple[float, Counter[str]]:
    """Seconds for ``iterations`` of ``build_documents`` after two warm-ups, and the seconds of each step."""
    steps: Counter[str] = Counter()

    def timed(name, function):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                steps[name] += time.perf_counter() - start

        return wrapper

    for _ in range(2):
        issuance.build_documents(credential, key)
    originals = [(owner, attr, getattr(owner, attr)) for owner, attr, _name in PIPELINE_STEPS]
    for owner, attr, name in PIPELINE_STEPS:
        setattr(owner, attr, timed(name, getattr(owner, attr)))
    try:
        started = time.perf_counter()
        for _ in range(iterations):
            issuance.build_documents(credential, key)
        total = time.perf_counter() - started
    finally:
        for owner, attr, function in originals:
            setattr(owner, attr, function)
    return total, steps


def layout_comparison(data: pdf.CertificateData, iterations: int) -> dict:
    """The application's certificate against the reference layout (the portrait certificate it replaced), the same
    data through two renderers, interleaved so that other load on the machine weighs on both alike.

    Wall-clock and CPU (this process's) milliseconds each; the ratio is the new layout's CPU over the reference's.
    """
    renderers = {"certificate": pdf.CertificateRenderer(), "reference": pdf.CertificateRenderer(layout=pdf.REFERENCE)}
    wall = dict.fromkeys(renderers, 0.0)
    cpu = dict.fromkeys(renderers, 0.0)
    for renderer in renderers.values():
        for _ in range(3):
            renderer.render(data)
    for iteration in range(iterations):
        order = list(renderers.items())
        if iteration % 2:
            order.reverse()
        for name, renderer in order:
            started, started_cpu = time.perf_counter(), time.process_time()
            renderer.render(data)
            wall[name] += time.perf_counter() - started
            cpu[name] += time.process_time() - started_cpu
    result = {
        name: {**rate(wall[name], iterations), "cpu_ms_each": round(1000 * cpu[name] / iterations, 1)}
        for name in renderers
    }
    result["cpu_ratio"] = round(cpu["certificate"] / cpu["reference"], 3)
    result["wall_ratio"] = round(wall["certificate"] / wall["reference"], 3)
    return result


def bare_measurements(credential_id: str, iterations: int) -> dict:
    """The renderer alone, then ``build_documents`` with a per-step breakdown; no database writes."""
    key, _record = keyring.active_seal()
    credential = Credential.objects.select_related("profile", "holder").get(pk=credential_id)
    printed = printed_certificate(credential, key)
    render = render_rate(printed, iterations)
    total, steps = timed_pipeline(credential, key, iterations)
    breakdown = {name: round(1000 * seconds / iterations, 1) for name, seconds in steps.most_common()}
    breakdown["everything else"] = round(1000 * total / iterations - sum(breakdown.values()), 1)
    return {
        "render": render,
        "layouts": layout_comparison(printed, iterations),
        "pipeline": rate(total, iterations),
        "pipeline_steps_ms": breakdown,
    }
