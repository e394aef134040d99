"""Celery tasks: thin, taking ids, each calling one service. They sit above the services; a service asks for one
by its registered name (aipia/queue.py), never by importing this module."""

from celery import shared_task

from credentials.services import archival, bulk, issuance, lifecycle, status


@shared_task(
    name="credentials.issue",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def issue_credential_task(credential_id: str) -> bool:
    """Safe to run twice: the service claims the credential before doing anything."""
    return issuance.issue_credential(credential_id=credential_id)


@shared_task(name="credentials.resume_stalled_issuances")
def resume_stalled_issuances_task() -> int:
    return issuance.resume_stalled_issuances()


@shared_task(name="credentials.lift_ended_suspensions")
def lift_ended_suspensions_task() -> int:
    return status.lift_ended_suspensions()


@shared_task(
    name="credentials.run_bulk_job",
    acks_late=True,
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    max_retries=5,
)
def run_bulk_job_task(job_id: str) -> int:
    """Safe to run twice and in parallel: items are claimed with SKIP LOCKED; done items are never redone."""
    return bulk.run_bulk_job(job_id=job_id)


@shared_task(name="credentials.resume_stalled_bulk_jobs")
def resume_stalled_bulk_jobs_task() -> int:
    return bulk.resume_stalled_bulk_jobs()


@shared_task(name="credentials.daily_lifecycle", acks_late=True)
def daily_lifecycle_task() -> dict:
    """Reminders, expiry and ended suspensions for today. Safe to run twice: every reminder is claimed
    before it is sent and every expiry re-checked under the credential's lock (credentials/services/lifecycle.py)."""
    return lifecycle.run_daily()


@shared_task(name="credentials.extend_ltv", acks_late=True)
def extend_ltv_task() -> int:
    """Nightly: archive timestamps for the PDFs whose last one nears its end (services/archival.py)."""
    return archival.extend_due()
