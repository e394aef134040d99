"""The Django side of ``bulk_renewal.py``: its data and runs, measured once Django is set up (models imported at
the top)."""

from __future__ import annotations

import argparse
import datetime
import os
import re
import sys
import time
from decimal import Decimal
from pathlib import Path

import pipeline
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone
from weasyprint import HTML

from accounts.models import User
from credentials.documents import pdf
from credentials.models import BulkJob, BulkJobItem, CPDActivity, Credential
from credentials.services import bulk, cpd, issuance, keyring
from profiles.models import Profile

STALL_SECONDS = 60


# --- setup data (not timed) ------------------------------------------------------------------------------------


def bench_admin() -> User:
    admin, _created = User.objects.get_or_create(
        email="bench-bulk-admin@example.org", defaults={"role": User.Role.ADMIN, "is_staff": True}
    )
    return admin


def make_expiring_credentials(count: int, tag: str) -> list[str]:
    """``count`` active credentials ending in 30 days, ready to be renewed.

    The rows come from the real ``create_credential`` (serial, dates, status-list positions); they are then
    marked issued without building their documents: renewal reads the row only, and issuing the old
    credentials is not what is measured (``bench/issuance.py`` measures it).
    """
    profile = Profile.objects.get(code=pipeline.PROFILE_CODE)
    users = pipeline.bench_users(count, tag)
    now = timezone.now().replace(microsecond=0)
    ends = now + datetime.timedelta(days=30)
    original = issuance.enqueue_issuance
    issuance.enqueue_issuance = lambda credential_id: None  # rows only
    try:
        with transaction.atomic():
            ids = [
                str(
                    issuance.create_credential(
                        holder=user,
                        profile=profile,
                        scheme_version=profile.scheme_version,
                        valid_from=ends - datetime.timedelta(days=3 * 365),
                        valid_until=ends,
                        decided_at=ends - datetime.timedelta(days=3 * 365),
                        actor=None,
                    ).pk
                )
                for user in users
            ]
            Credential.objects.filter(pk__in=ids).update(
                status=Credential.Status.ACTIVE, issuance=Credential.Issuance.DONE, notified_at=now
            )
            log_cpd(Credential.objects.filter(pk__in=ids).select_related("profile"))
    finally:
        issuance.enqueue_issuance = original
    return ids


def log_cpd(credentials) -> None:
    """Enough CPD for the profile's rules (25 hours a cycle year over three categories), written in bulk."""
    activities = []
    for credential in credentials:
        start, _end = cpd.cycle_of(credential)
        for year in range(3):
            day = start + datetime.timedelta(days=365 * year + 10)
            for category, hours in (("training", "10"), ("teaching", "8"), ("professional_practice", "7")):
                activities.append(
                    CPDActivity(
                        holder_id=credential.holder_id,
                        credential=credential,
                        date=day,
                        category=category,
                        hours=Decimal(hours),
                        description=f"{category} in year {year + 1}",
                    )
                )
    CPDActivity.objects.bulk_create(activities, batch_size=2000)


# --- the run ---------------------------------------------------------------------------------------------------


def renew(ids: list[str], admin: User) -> str:
    return str(bulk.start_bulk_job(action="renew", credential_ids=ids, actor=admin, params={"note": "bench"}).pk)


def wait_renewed(job_id: str, timeout: float) -> list[str]:
    """Poll the job's progress (as the job page does) until every new credential is issued; their ids."""
    deadline = time.monotonic() + timeout
    last, last_change = None, time.monotonic()
    while True:
        job = BulkJob.objects.get(pk=job_id)
        progress = bulk.bulk_job_progress(job=job)
        if progress["failed"] or progress["skipped"]:
            raise RuntimeError(
                f"{progress['failed']} renewal(s) failed, {progress['skipped']} skipped: {progress['failures'][:5]}"
            )
        if progress["status"] == "done" and progress["issued"] == progress["total"]:
            return [str(i) for i in BulkJobItem.objects.filter(job=job).values_list("result_credential", flat=True)]
        now, state = time.monotonic(), (progress["done"], progress["issued"], progress["issuance_failed"])
        if state != last:
            last, last_change = state, now
        elif now - last_change > STALL_SECONDS:
            # Without beat, nothing re-enqueues a lost task (in production resume_stalled_issuances does, after
            # its lease): say so rather than wait for the timeout.
            raise RuntimeError(
                f"no progress for {STALL_SECONDS} s: {progress | {'failures': '…'}}; tasks lost? "
                "(is anything else using the broker database, e.g. a FLUSHDB?)"
            )
        if now > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s: {progress | {'failures': '…'}}")
        time.sleep(0.25)


def check_renewed(new_ids: list[str], old_ids: list[str]) -> None:
    """Every new credential is active, renews one of ours, has its three files and two status entries."""
    rows = Credential.objects.filter(pk__in=new_ids).annotate(entries=Count("status_entries"))
    problems = [
        c.pk
        for c in rows
        if c.status != Credential.Status.ACTIVE
        or c.basis != Credential.Basis.RENEWAL
        or str(c.predecessor_id) not in old_ids
        or c.entries != 2
        or not all(f and f.storage.exists(f.name) for f in (c.sealed_json, c.pdf, c.qr_png))
    ]
    if len(new_ids) != len(old_ids) or problems:
        raise RuntimeError(f"{len(problems)} renewed credential(s) incomplete, e.g. {problems[:3]}")


def run(ids: list[str], warmup_ids: list[str], concurrency: int, workdir: Path) -> dict:
    admin = bench_admin()
    pipeline.purge_queue()
    worker = pipeline.Worker(concurrency, workdir, f"bulk{concurrency}")
    try:
        worker.wait_ready()
        # Every pool process loads its renderer, seal key and connection before the clock starts.
        wait_renewed(renew(warmup_ids, admin), timeout=180)
        before = pipeline.cpu_snapshot(worker)
        load_before = os.getloadavg()[0]
        started = datetime.datetime.now(datetime.UTC)
        job_id = renew(ids, admin)
        new_ids = wait_renewed(job_id, timeout=max(300.0, 1.0 * len(ids)))
        after = pipeline.cpu_snapshot(worker)
        check_renewed(new_ids, ids)
        pipeline.wait_notified(new_ids, timeout=max(120.0, len(ids)))
        job = BulkJob.objects.get(pk=job_id)
        marks = Credential.objects.filter(pk__in=new_ids).aggregate(
            issued=Max("issuance_finished_at"), sent=Max("notified_at")
        )
        cpu = pipeline.cpu_split(before, after)
        seconds = (marks["issued"] - started).total_seconds()
        return {
            "workers": concurrency,
            "renewals": len(ids),
            "seconds": round(seconds, 2),
            "per_s": round(len(ids) / seconds, 2),
            "rows_created_seconds": round((job.finished_at - started).total_seconds(), 2),
            "last_certificate_email_seconds": round((marks["sent"] - started).total_seconds(), 2),
            "cpu_ms_each": {name: round(1000 * s / len(ids), 1) for name, s in cpu.items()},
            "machine_pct": {name: round(100 * s / cpu["machine"], 1) for name, s in cpu.items()},
            "load_average_before": round(load_before, 2),
            "new_ids": new_ids,
        }
    except Exception:
        print(worker.log_tail(), file=sys.stderr)
        raise
    finally:
        worker.stop()


# --- the batch render probe ------------------------------------------------------------------------------------


def printed_certificates(credential_ids: list[str]) -> list[pdf.CertificateData]:
    """The exact CertificateData the pipeline prints for each credential, without rendering or sealing it."""
    key, _record = keyring.active_seal()
    data: list[pdf.CertificateData] = []
    real_render, real_seal_pdf = pdf.CertificateRenderer.render, pdf.seal_pdf
    pdf.CertificateRenderer.render = lambda self, certificate: data.append(certificate) or b""
    pdf.seal_pdf = lambda *args, **kwargs: b""
    try:
        for credential in Credential.objects.filter(pk__in=credential_ids).select_related("profile", "holder"):
            issuance.build_documents(credential, key)
    finally:
        pdf.CertificateRenderer.render, pdf.seal_pdf = real_render, real_seal_pdf
    return data


def batch_render_probe(credential_ids: list[str], count: int) -> dict:
    """CPU per page of ``count`` renewed certificates rendered one by one, and as one multi-page document.

    The suggestion in issue 6: render a batch as one WeasyPrint document (fonts subset once), then split it
    per credential. Only the render is measured here; the split, each part's tagging and its PAdES seal
    would come on top of the batched figure.
    """
    data = printed_certificates(credential_ids[:count])
    renderer = pdf.CertificateRenderer()
    pages = [renderer.render_html(certificate) for certificate in data]
    head = pages[0][: pages[0].index("<body>")]
    bodies = "".join(
        f'<div style="break-after: page">{re.search(r"<body>(.*)</body>", page, re.S).group(1)}</div>' for page in pages
    )

    def one_document() -> bytes:
        document = HTML(
            string=f"{head}<body>{bodies}</body></html>",
            base_url=pdf.STATIC_DIR.as_uri() + "/",
            url_fetcher=renderer.url_fetcher,
        )
        return document.write_pdf(
            stylesheets=[renderer._stylesheet], font_config=renderer._font_config, pdf_variant=pdf.PDF_VARIANT
        )

    def cpu(function) -> float:
        started = time.process_time()
        function()
        return time.process_time() - started

    for certificate in data[:3]:
        renderer.render(certificate)  # warm-up
    one_document()
    single = min(cpu(lambda: [renderer.render(certificate) for certificate in data]) for _ in range(2))
    batched = min(cpu(one_document) for _ in range(2))
    return {
        "certificates": len(data),
        "one_by_one_ms_each": round(1000 * single / len(data), 1),
        "one_document_ms_per_page": round(1000 * batched / len(data), 1),
        "saving_pct": round(100 * (1 - batched / single), 1),
    }


# --- every measurement -----------------------------------------------------------------------------------------


def measure(args: argparse.Namespace, workdir: Path) -> dict:
    """The bulk job's run, then the plain issuance run, the machine's reference and the batch render probe."""
    pipeline.prepare()
    warmup_ids = make_expiring_credentials(args.workers * 3, "warm")
    ids = make_expiring_credentials(args.count, "run")
    results: dict = {"environment": pipeline.environment()}
    connection.close()
    results["run"] = run(ids, warmup_ids, args.workers, workdir)
    new_ids = results["run"].pop("new_ids")
    if not args.no_plain:
        plain_warmup = pipeline.make_credentials(args.workers * 3, "plain-warm")
        plain_ids = pipeline.make_credentials(args.count, "plain")
        connection.close()
        results["plain"] = pipeline.throughput_run(args.workers, plain_ids, plain_warmup, workdir)
    if args.renders:
        results["reference"] = pipeline.bare_measurements(new_ids[0], args.renders)
    if args.batch_render:
        results["batch_render"] = batch_render_probe(new_ids, args.batch_render)
    return results
