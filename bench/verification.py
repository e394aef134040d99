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
import contextlib
import cProfile
import http.client
import io
import json
import os
import pstats
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
GRANIAN = ROOT / ".venv" / "bin" / "granian"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/aipia_bench_verify"
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/14"
HOST = "localhost"
# The production server sits behind a TLS-terminating proxy that says so (SECURE_PROXY_SSL_HEADER);
# without it every request would be redirected to https.
HEADERS = {"Host": HOST, "X-Forwarded-Proto": "https"}
TARGET_PER_S = 1500
TARGET_P99_MS = 25.0

sys.path.insert(0, str(Path(__file__).resolve().parent))
from issuance import (  # noqa: E402 - the sibling benchmark's helpers
    _children,
    _cpu_seconds,
    _machine_cpu,
    _pg_backends,
    ensure_database,
    make_credentials,
)

# --- arguments and environment ------------------------------------------------------------------------------


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
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--reset", action="store_true", help="drop and recreate the bench database first")
    return parser.parse_args()


def _redis_answers(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def configure_environment(workdir: Path) -> None:
    """Everything the bench process and the gunicorn workers read, set before Django starts."""
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: install it with `apt-get install -y wrk` (Debian), then run the benchmark again")
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    if not os.environ["DATABASE_URL"].startswith(("postgres://", "postgresql://")):
        sys.exit(f"Set DATABASE_URL to a PostgreSQL database, e.g. {DEFAULT_DATABASE_URL}")
    if not os.environ.get("CACHE_URL"):
        # Production shares one Redis cache between the web processes; fall back to each process's own.
        os.environ["CACHE_URL"] = DEFAULT_CACHE_URL if _redis_answers(DEFAULT_CACHE_URL) else "locmemcache://"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    (workdir / "media").mkdir()
    (workdir / "mail").mkdir()
    os.environ["DJANGO_SETTINGS_MODULE"] = "aipia.settings"
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ["STATIC_ROOT"] = str(workdir / "static")  # collected as the Docker image does
    os.environ["SEAL_TEST_KEY_PATH"] = str(workdir / "keys" / "test-seal.p12")
    os.environ["SEAL_ALLOW_TEST_KEY"] = "true"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.filebased.EmailBackend"
    os.environ["EMAIL_FILE_PATH"] = str(workdir / "mail")
    os.environ.pop("CELERY_BROKER_URL", None)  # the one issuance of the setup runs in-process
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    os.environ["ALLOWED_HOSTS"] = HOST
    os.environ["SITE_URL"] = f"https://{HOST}"
    os.environ.setdefault("CONN_MAX_AGE", "60")
    # The bench client is one address sending thousands of requests a second.
    os.environ["VERIFY_RATE_LIMIT"] = "1000000000/s"


# --- setup data (not timed) ---------------------------------------------------------------------------------


def issue_credential() -> dict:
    """One credential issued through the real pipeline: its id, token and sealed JSON."""
    from credentials.models import Credential
    from credentials.services import issuance

    [credential_id] = make_credentials(1, "verify")
    if not issuance.issue_credential(credential_id=credential_id):
        raise RuntimeError("the issuance of the bench credential did nothing")
    credential = Credential.objects.get(pk=credential_id)
    with credential.sealed_json.open("rb") as handle:
        sealed = handle.read()
    return {"id": str(credential.pk), "token": credential.token, "sealed_json": sealed}


# --- the server ---------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``gunicorn`` with 2 workers of ``worker_class``, started fresh for every cold measurement."""

    def __init__(self, worker_class: str, threads: int, workdir: Path) -> None:
        self.worker_class, self.threads = worker_class, threads
        self.port = _free_port()
        self.log_path = workdir / f"gunicorn-{worker_class}.log"
        self._log = open(self.log_path, "a")  # noqa: SIM115 - closed in stop()
        if worker_class == "granian":
            command = [
                str(GRANIAN), "--interface", "wsgi", "aipia.wsgi:application",
                "--workers", "2", "--blocking-threads", str(threads), "--host", "127.0.0.1", "--port", str(self.port),
                "--backlog", "2048", "--http", "1", "--no-ws", "--log-level", "warning",
            ]  # fmt: skip
        else:
            command = [
                str(GUNICORN), "aipia.wsgi:application",
                "--workers", "2", "--worker-class", worker_class, "--bind", f"127.0.0.1:{self.port}",
                "--backlog", "2048", "--keep-alive", "5", "--log-level", "warning",
            ]  # fmt: skip
        if worker_class == "gthread":
            command += ["--threads", str(threads)]
        self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn executable and arguments
            command, cwd=ROOT, env=dict(os.environ), stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, timeout: float = 60) -> None:
        """Until /healthz answers and both workers are up (the first request is not a measurement)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            if len(self.workers()) >= 2:
                with contextlib.suppress(OSError):
                    status, _body, _ms = request(self.port, "GET", "/healthz")
                    if status == 200:
                        return
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def workers(self) -> list[int]:
        return _children(self.process.pid)

    def log_tail(self, lines: int = 30) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # our own process group, started above
                self.process.wait(10)
        self._log.close()


def request(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes, float]:
    """One request on a new connection: status, body and milliseconds."""
    headers = dict(HEADERS)
    if body is not None:
        headers["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        started = time.perf_counter()
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        return response.status, content, 1000 * (time.perf_counter() - started)
    finally:
        connection.close()


# --- wrk ----------------------------------------------------------------------------------------------------

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS_MS[unit]


def parse_wrk(output: str) -> dict:
    """Requests per second, latency percentiles (ms), request and error counts from ``wrk --latency``."""
    result: dict = {"percentiles_ms": {}}
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not rate:
        raise RuntimeError(f"wrk printed no rate:\n{output}")
    result["per_s"] = round(float(rate.group(1)), 1)
    for percentile, value in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.MULTILINE):
        result["percentiles_ms"][percentile] = round(_ms(value), 2)
    total = re.search(r"(\d+) requests in", output)
    result["requests"] = int(total.group(1)) if total else 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    result["non_2xx"] = int(non_2xx.group(1)) if non_2xx else 0
    # Reported, not fatal: a request slower than wrk's --timeout is a figure too.
    socket_errors = re.search(r"Socket errors: (.*)", output)
    result["socket_errors"] = socket_errors.group(1).strip() if socket_errors else ""
    result["p50_ms"] = result["percentiles_ms"].get("50")
    result["p99_ms"] = result["percentiles_ms"].get("99")
    return result


def lua_script(workdir: Path, endpoint: dict) -> Path | None:
    """The wrk script that sends the endpoint's method, headers and body (read from a file once)."""
    lines = [f'wrk.headers["{name}"] = "{value}"' for name, value in HEADERS.items()]
    if endpoint["method"] != "GET":
        body_path = workdir / f"{endpoint['name']}.body"
        body_path.write_bytes(endpoint["body"])
        lines += [
            f'wrk.method = "{endpoint["method"]}"',
            'wrk.headers["Content-Type"] = "application/json"',
            f'local handle = io.open("{body_path}", "rb")',
            'wrk.body = handle:read("*a")',
            "handle:close()",
        ]
    path = workdir / f"{endpoint['name']}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_wrk(server: Server, endpoint: dict, seconds: int, args: argparse.Namespace, workdir: Path) -> dict:
    """One wrk run against a running server, with the CPU each side used."""
    command = [
        "wrk", "--latency", "--timeout", "10s", "-t", str(args.wrk_threads), "-c", str(args.connections),
        "-d", f"{seconds}s", "-s", str(lua_script(workdir, endpoint)), f"http://127.0.0.1:{server.port}{endpoint['path']}",
    ]  # fmt: skip
    before = _cpu_snapshot(server)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    after = _cpu_snapshot(server)
    result = parse_wrk(output)
    if result["non_2xx"]:
        raise RuntimeError(f"{endpoint['name']}: {result['non_2xx']} non-2xx answers\n{output}\n{server.log_tail()}")
    requests = max(result["requests"], 1)
    result["cpu_ms_per_request"] = {
        name: round(1000 * (after[name] - before[name]) / requests, 3) for name in ("workers", "postgres", "wrk")
    }
    machine = max(after["total"] - before["total"], 1e-9)
    ours = sum(after[name] - before[name] for name in ("workers", "postgres", "wrk"))
    result["machine_pct"] = {
        "busy": round(100 * (after["busy"] - before["busy"]) / machine, 1),
        # load we did not start (other processes on the machine): the rates drop with it, CPU ms do not
        "others": round(100 * max(after["busy"] - before["busy"] - ours, 0) / machine, 1),
    }
    return result


def _cpu_snapshot(server: Server) -> dict[str, float]:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once it has been waited for
    busy, total = _machine_cpu()
    return {
        "workers": sum(_cpu_seconds(pid) for pid in server.workers()),
        "postgres": sum(_cpu_seconds(pid) for pid in _pg_backends()),
        "wrk": children.ru_utime + children.ru_stime,
        "busy": busy,
        "total": total,
    }


# --- the measurements ---------------------------------------------------------------------------------------


def endpoints(credential: dict) -> list[dict]:
    return [
        {"name": "healthz", "label": "GET /healthz (trivial JSON)", "method": "GET", "path": "/healthz"},
        {"name": "page", "label": "GET /v/<token>", "method": "GET", "path": f"/v/{credential['token']}"},
        {
            "name": "by_id",
            "label": "GET /api/v1/credentials/<id>/verification",
            "method": "GET",
            "path": f"/api/v1/credentials/{credential['id']}/verification",
        },
        {
            "name": "post",
            "label": "POST /api/v1/verifications",
            "method": "POST",
            "path": "/api/v1/verifications",
            "body": credential["sealed_json"],
        },
    ]


def check_answer(endpoint: dict, status: int, body: bytes) -> None:
    """Measure only what answers as it should: 200, and for the API a valid, active report."""
    if status != 200:
        raise RuntimeError(f"{endpoint['label']} answered {status}:\n{body[:2000].decode(errors='replace')}")
    if endpoint["name"] in ("by_id", "post"):
        report = json.loads(body)
        if not (report.get("valid") is True and report.get("status") == "active"):
            raise RuntimeError(f"{endpoint['label']} did not verify the bench credential: {report}")


def clear_cache() -> None:
    from django.core.cache import cache

    cache.clear()


def measure(worker_class: str, credential: dict, args: argparse.Namespace, workdir: Path) -> dict:
    """Every endpoint cold (fresh workers, empty cache: first request, then wrk) and then warm."""
    results: dict = {}
    for endpoint in endpoints(credential):
        clear_cache()
        server = Server(worker_class, args.threads, workdir)
        try:
            server.wait_ready()
            clear_cache()  # wait_ready's own request may have counted towards the rate limit
            status, body, first_ms = request(server.port, endpoint["method"], endpoint["path"], endpoint.get("body"))
            check_answer(endpoint, status, body)
            cold = run_wrk(server, endpoint, args.cold_duration, args, workdir)
            run_wrk(server, endpoint, 2, args, workdir)  # warm-up, not reported
            warm = run_wrk(server, endpoint, args.duration, args, workdir)
        except Exception:
            print(server.log_tail(), file=sys.stderr)
            raise
        finally:
            server.stop()
        results[endpoint["name"]] = {
            "label": endpoint["label"],
            "first_request_ms": round(first_ms, 1),
            "cold": cold,
            "warm": warm,
        }
    return results


def profile_in_process(credential: dict, count: int) -> dict[str, str]:
    """cProfile of ``count`` requests per verification endpoint through Django's test client, in this process."""
    from django.test import Client

    client = Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")
    profiles = {}
    for endpoint in endpoints(credential)[1:]:

        def call(endpoint=endpoint):
            if endpoint["method"] == "GET":
                return client.get(endpoint["path"])
            return client.post(endpoint["path"], endpoint["body"], content_type="application/json")

        check_answer(endpoint, (answer := call()).status_code, answer.content)
        for _ in range(20):
            call()
        cpu_started = time.process_time()
        for _ in range(count):
            call()
        cpu_ms = 1000 * (time.process_time() - cpu_started) / count
        # CPU time, not wall time: waits on PostgreSQL and Redis would otherwise hide the Python work.
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(count):
            call()
        profiler.disable()
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        text.write(f"{endpoint['label']}: {cpu_ms:.2f} CPU ms per request in-process (without the profiler)\n")
        stats.sort_stats("tottime").print_stats(12)
        stats.sort_stats("cumulative").print_stats(
            r"credentials|aipia|rest_framework/views|django/(template|core/handlers)", 25
        )
        profiles[endpoint["name"]] = text.getvalue()
    return profiles


# --- report -------------------------------------------------------------------------------------------------


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


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="aipia-bench-verify-"))
    try:
        configure_environment(workdir)
        ensure_database(args.reset)

        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        from credentials.services import keyring
        from profiles.services import import_default_catalogue

        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        import_default_catalogue()
        keyring.active_seal()  # creates the test seal key once, before the workers start
        credential = issue_credential()
        classes = {"both": ["gthread", "sync"], "all": ["gthread", "sync", "granian"]}.get(
            args.worker_class, [args.worker_class]
        )
        results: dict = {
            "environment": {
                "cores": len(os.sched_getaffinity(0)),
                "postgresql": connection.cursor().connection.info.server_version // 10000,
                "debug": settings.DEBUG,
                "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
                "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
                "threads": args.threads,
                "connections": args.connections,
                "wrk_threads": args.wrk_threads,
                "sealed_json_bytes": len(credential["sealed_json"]),
                "python": sys.version.split()[0],
                "load_average_before": os.getloadavg()[0],
            },
            "targets": {"per_s": TARGET_PER_S, "p99_ms": TARGET_P99_MS},
        }
        connection.close()
        results["runs"] = {worker_class: measure(worker_class, credential, args, workdir) for worker_class in classes}
        if args.profile:
            results["profiles"] = profile_in_process(credential, args.profile)
        print(json.dumps(results, indent=2, default=str) if args.json else report(results))
        return 0
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
