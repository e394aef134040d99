"""Processes of the application started by a test, as separate hosts would run them: web servers (granian, as in
production) and Celery workers, each with its own working folder, all on the test's committed database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from django.conf import settings
from django.db import connection

from .storage import free_port

REPO = Path(__file__).resolve().parents[1]
REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")


def redis_answers(url: str) -> bool:
    try:
        import redis

        with redis.Redis.from_url(url, socket_connect_timeout=1) as client:
            return bool(client.ping())
    except Exception:
        return False


def database_url() -> str:
    """The test database, committed rows and all (the test must be transactional)."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def application_environment(workdir: Path, **extra: str) -> dict[str, str]:
    """What every process of the application gets: the test's database, seal key and site address, a working
    folder of its own for anything local (mail, media: nothing there may be needed by another host)."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "DATABASE_", "CELERY_", "CACHE_", "MEDIA_", "STORAGE_BACKEND"))
    }
    return {
        **inherited,
        "PYTHONPATH": str(REPO),
        "DATABASE_URL": database_url(),
        "DEBUG": "true",
        "STAFF_2FA_REQUIRED": "false",
        "SITE_URL": settings.SITE_URL,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SEAL_PKCS12_PATH": str(settings.SEAL_PKCS12_PATH or ""),
        "SEAL_PKCS12_PASSWORD": str(settings.SEAL_PKCS12_PASSWORD or ""),
        "SEAL_TEST_KEY_PATH": str(settings.SEAL_TEST_KEY_PATH),
        "EDC_DIR": str(settings.EDC_DIR),
        "MEDIA_ROOT": str(workdir / "media"),
        "EMAIL_FILE_PATH": str(workdir / "mail"),
        "VERIFY_RATE_LIMIT": "100000/min",
        **extra,
    }


class Process:
    def __init__(self, command: list[str], *, workdir: Path, env: dict[str, str], name: str) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir, self.name = workdir, name
        self.log_path = workdir / f"{name}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter, arguments made by the test
            command, cwd=workdir, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise AssertionError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


class WebServer(Process):
    """granian (WSGI) with one worker process, as the Dockerfile runs the application."""

    def __init__(self, *, workdir: Path, env: dict[str, str], name: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [
            sys.executable, "-m", "granian", "--interface", "wsgi", "aipia.wsgi:application",
            "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1", "--blocking-threads", "2",
        ]  # fmt: skip
        super().__init__(command, workdir=workdir, env=env, name=name)
        self.session = requests.Session()

    def wait_ready(self, timeout: float = 90) -> WebServer:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if self.session.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.name} not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(f"{self.url}{path}", timeout=60, **kwargs)

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.session.request(method, f"{self.url}{path}", timeout=60, **kwargs)

    def stop(self) -> None:
        self.session.close()
        super().stop()


class CeleryWorker(Process):
    def __init__(self, *, workdir: Path, env: dict[str, str], name: str, concurrency: int = 1) -> None:
        self.node = f"{name}-{os.getpid()}@localhost"
        command = [
            sys.executable, "-m", "celery", "-A", "aipia", "worker", "--concurrency", str(concurrency),
            "-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "-n", self.node,
            "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning",
        ]  # fmt: skip
        super().__init__(command, workdir=workdir, env=env, name=name)
