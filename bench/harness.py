"""What every benchmark does before Django starts, and the processes it watches; no Django, no project import.

A benchmark script parses its arguments, sets the environment its own process and its subprocesses read
(database, files, mail, seal key, settings), creates its database, and only then sets Django up
(``start_django``). Everything here runs before that point or needs no Django at all: the ``/proc``
readings of CPU and memory, and the subprocesses (Celery workers, web servers) started with their own log.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent


# --- arguments and environment ---------------------------------------------------------------------------------


def add_common_arguments(parser: argparse.ArgumentParser, *, workers: bool = True) -> None:
    """``--json`` and ``--reset``; with ``workers``, ``--debug`` and ``--keep-files`` as well."""
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--reset", action="store_true", help="drop and recreate the bench database first")
    if workers:
        parser.add_argument("--debug", action="store_true", help="run the workers with DEBUG=true")
        parser.add_argument("--keep-files", action="store_true", help="keep the temporary media folder")


def require_postgresql(example: str) -> None:
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit(f"Set DATABASE_URL to a PostgreSQL database, e.g. {example}")


def require_broker() -> None:
    if not os.environ.get("CELERY_BROKER_URL"):
        sys.exit("Set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/15): the benchmark needs real workers")


def set_environment(workdir: Path, *, debug: bool) -> None:
    """What the bench process and its subprocesses read, set before Django starts: settings, files, mail, seal."""
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
    os.environ["DEBUG"] = "true" if debug else "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    os.environ.setdefault("CONN_MAX_AGE", "60")


def configure_for_workers(workdir: Path, *, debug: bool) -> None:
    """The environment of the benchmarks that run Celery workers (issuance and bulk renewal)."""
    require_postgresql("postgres://postgres@127.0.0.1:5432/aipia_bench")
    require_broker()
    set_environment(workdir, debug=debug)
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")


def ensure_database(reset: bool) -> str:
    """Create the database of ``DATABASE_URL`` when missing (dropped first with ``reset``); its name."""
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


def start_django(*, reset: bool) -> None:
    """Create the database when missing, set Django up and migrate: call once the environment is set."""
    import django  # reads DJANGO_SETTINGS_MODULE, which set_environment has just set
    from django.core.management import call_command

    ensure_database(reset)
    django.setup()
    call_command("migrate", verbosity=0)


def run(body: Callable[[Path], str], *, prefix: str, keep_files: bool = False, failures=(RuntimeError,)) -> int:
    """Print what ``body`` returns, given a fresh temporary folder removed afterwards; a failure prints one line."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        print(body(workdir))
        return 0
    except failures as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if keep_files:
            print(f"files kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


# --- /proc readings --------------------------------------------------------------------------------------------


def status_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (KiB) of one process; empty once it has gone."""
    values = {}
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as handle:
        for line in handle:
            key, _sep, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    return values


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process, in seconds."""
    with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, summed over every core."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:9]]
    ticks = os.sysconf("SC_CLK_TCK")
    idle = values[3] + values[4]
    return (sum(values) - idle) / ticks, sum(values) / ticks


def children(pid: int) -> list[int]:
    found: set[int] = set()
    for path in glob.glob(f"/proc/{pid}/task/*/children"):
        with contextlib.suppress(OSError), open(path) as handle:
            found.update(int(child) for child in handle.read().split())
    return sorted(found)


# --- subprocesses ----------------------------------------------------------------------------------------------


class ChildProcess:
    """A server started in its own process group, its output in a log file of the bench's folder."""

    def __init__(self, command: list[str], log_path: Path, *, log_mode: str = "w") -> None:
        self.log_path = log_path
        self._log = open(log_path, log_mode)  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - our own executables and arguments
            command, cwd=ROOT, env=dict(os.environ), stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def children(self) -> list[int]:
        return children(self.process.pid)

    def log_tail(self, lines: int = 30) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # warm shutdown: the current task or request finishes
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # our own process group, started above
                self.process.wait(10)
        self._log.close()
