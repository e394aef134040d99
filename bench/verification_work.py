"""The Django side of ``verification.py``: its credential and measurements, once Django is set up (models
imported at the top)."""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import subprocess
import sys
import time
from pathlib import Path

import pipeline
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from harness import cpu_seconds, machine_cpu
from web_load import HOST, Server, lua_script, parse_wrk, request, wrk_command

from credentials.models import Credential
from credentials.services import issuance

# --- setup data (not timed) ------------------------------------------------------------------------------------


def issue_credential() -> dict:
    """One credential issued through the real pipeline: its id, token and sealed JSON."""
    [credential_id] = pipeline.make_credentials(1, "verify")
    if not issuance.issue_credential(credential_id=credential_id):
        raise RuntimeError("the issuance of the bench credential did nothing")
    credential = Credential.objects.get(pk=credential_id)
    with credential.sealed_json.open("rb") as handle:
        sealed = handle.read()
    return {"id": str(credential.pk), "token": credential.token, "sealed_json": sealed}


# --- wrk -------------------------------------------------------------------------------------------------------


def run_wrk(server: Server, endpoint: dict, seconds: int, args: argparse.Namespace, workdir: Path) -> dict:
    """One wrk run against a running server, with the CPU each side used."""
    script = lua_script(workdir, endpoint)
    command = wrk_command(
        server.port, endpoint, seconds, threads=args.wrk_threads, connections=args.connections, script=script
    )
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
    busy, total = machine_cpu()
    return {
        "workers": sum(cpu_seconds(pid) for pid in server.workers()),
        "postgres": sum(cpu_seconds(pid) for pid in pipeline.pg_backends()),
        "wrk": children.ru_utime + children.ru_stime,
        "busy": busy,
        "total": total,
    }


# --- the measurements ------------------------------------------------------------------------------------------


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


# --- every measurement -----------------------------------------------------------------------------------------


def measure_all(args: argparse.Namespace, workdir: Path, *, targets: dict) -> dict:
    """Static files collected, one credential issued, then every server class measured (and profiled)."""
    call_command("collectstatic", interactive=False, verbosity=0)
    pipeline.prepare()
    credential = issue_credential()
    classes = {"both": ["gthread", "sync"], "all": ["gthread", "sync", "granian"]}.get(
        args.worker_class, [args.worker_class]
    )
    results: dict = {
        "environment": {
            **pipeline.environment(
                cache=settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
                conn_max_age=pipeline.conn_max_age(),
                threads=args.threads,
                connections=args.connections,
                wrk_threads=args.wrk_threads,
                sealed_json_bytes=len(credential["sealed_json"]),
            ),
            "load_average_before": os.getloadavg()[0],
        },
        "targets": targets,
    }
    connection.close()
    results["runs"] = {worker_class: measure(worker_class, credential, args, workdir) for worker_class in classes}
    if args.profile:
        results["profiles"] = profile_in_process(credential, args.profile)
    return results
