"""The server under test and the load on it, for ``verification.py``: no Django, no project import.

The production server (granian, or gunicorn on request) in its own process group, one request on a new
connection, and what ``wrk`` is given (a Lua script) and prints (rates and latency percentiles).
"""

from __future__ import annotations

import contextlib
import http.client
import re
import socket
import time
from pathlib import Path

from harness import ROOT, ChildProcess

GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
GRANIAN = ROOT / ".venv" / "bin" / "granian"
HOST = "localhost"
# The production server sits behind a TLS-terminating proxy that says so (SECURE_PROXY_SSL_HEADER);
# without it every request would be redirected to https.
HEADERS = {"Host": HOST, "X-Forwarded-Proto": "https"}


# --- the server ------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_command(worker_class: str, threads: int, port: int) -> list[str]:
    if worker_class == "granian":
        command = [
            str(GRANIAN), "--interface", "wsgi", "aipia.wsgi:application",
            "--workers", "2", "--blocking-threads", str(threads), "--host", "127.0.0.1", "--port", str(port),
            "--backlog", "2048", "--http", "1", "--no-ws", "--log-level", "warning",
        ]  # fmt: skip
    else:
        command = [
            str(GUNICORN), "aipia.wsgi:application",
            "--workers", "2", "--worker-class", worker_class, "--bind", f"127.0.0.1:{port}",
            "--backlog", "2048", "--keep-alive", "5", "--log-level", "warning",
        ]  # fmt: skip
    if worker_class == "gthread":
        command += ["--threads", str(threads)]
    return command


class Server(ChildProcess):
    """``gunicorn`` or granian with 2 workers of ``worker_class``, started fresh for every cold measurement."""

    def __init__(self, worker_class: str, threads: int, workdir: Path) -> None:
        self.worker_class, self.threads = worker_class, threads
        self.port = _free_port()
        command = server_command(worker_class, threads, self.port)
        super().__init__(command, workdir / f"gunicorn-{worker_class}.log", log_mode="a")

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
        return self.children()


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


# --- wrk -------------------------------------------------------------------------------------------------------

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


def wrk_command(port: int, endpoint: dict, seconds: int, *, threads: int, connections: int, script: Path) -> list[str]:
    return [
        "wrk", "--latency", "--timeout", "10s", "-t", str(threads), "-c", str(connections),
        "-d", f"{seconds}s", "-s", str(script), f"http://127.0.0.1:{port}{endpoint['path']}",
    ]  # fmt: skip
