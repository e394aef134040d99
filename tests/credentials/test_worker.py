"""The pipeline with a real Celery worker on Redis and PostgreSQL: duplicates and failures."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from aipia.celery import app as celery_app
from credentials.documents.keys import create_test_seal
from credentials.models import Credential
from credentials.tasks import issue_credential_task
from dossiers import services as dossier_services
from dossiers.models import Dossier, DossierStatus

from ..conftest import fill_completely
from ..factories import member

pytestmark = pytest.mark.django_db(transaction=True)
BROKER = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
REPO = Path(__file__).resolve().parents[2]


def _redis_answers() -> bool:
    try:
        import redis

        return redis.Redis.from_url(BROKER, socket_connect_timeout=1).ping()
    except Exception:
        return False


@pytest.fixture
def worker(tmp_path, settings, storage_environment):
    """A real worker process on the test database, its seal key read from a file that does not exist yet."""
    if connection.vendor != "postgresql" or not _redis_answers():
        if os.environ.get("CI"):
            pytest.fail("The worker tests need PostgreSQL and Redis in CI.")
        pytest.skip("Needs PostgreSQL (DATABASE_URL) and Redis.")
    import redis

    redis.Redis.from_url(BROKER).flushdb()
    key_path = tmp_path / "seal.p12"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": BROKER,
        **storage_environment,
        "SEAL_PKCS12_PATH": str(key_path),
        "DEBUG": "true",
    }
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 — closed in the fixture's teardown
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "aipia",
            "worker",
            "--concurrency",
            "1",
            "-Q",
            "aipia",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "warning",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    previous = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = BROKER, False
    _reset_connections()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        yield key_path
    finally:
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = previous
        _reset_connections()
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def _reset_connections() -> None:
    # The app may hold pools made for the other broker URL (earlier tests): forget them, so that new ones
    # are made for the current URL. Not closed: kombu shares them, and eager tasks still borrow a producer.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def wait_for(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def approved_credential() -> Credential:
    from profiles.models import Profile

    owner = member()
    dossier = dossier_services.start_dossier(owner=owner, profile=Profile.objects.get(code="ai-ml-engineer"))
    fill_completely(dossier, owner)
    dossier_services.submit_dossier(dossier=dossier, actor=owner)
    Dossier.objects.filter(pk=dossier.pk).update(status=DossierStatus.AWAITING_DECISION)
    # Committing the approval enqueues the issuance task on Redis.
    dossier_services.change_status(dossier=dossier, to=DossierStatus.APPROVED, actor=None, action="decision.approved")
    return Credential.objects.get(dossier=dossier)


def test_a_failing_step_is_retried_by_the_worker_and_duplicates_issue_nothing_twice(worker, catalogue):
    credential = approved_credential()
    # The seal key file is missing: the worker records the failure and retries with backoff.
    failed = wait_for(lambda: Credential.objects.filter(pk=credential.pk, issuance="failed").first())
    assert failed.issuance_step == "seal key" and "seal.p12" in failed.issuance_error
    assert failed.events.filter(action="credential.issuance_failed").exists()

    _key, p12 = create_test_seal(
        organization_name=settings.ISSUER_LEGAL_NAME, organization_identifier=settings.ISSUER_EIDAS_IDENTIFIER
    )
    worker.write_bytes(p12)
    # Duplicated tasks, as a broker redelivery or a double click would produce.
    for _ in range(3):
        issue_credential_task.delay(str(credential.pk))
    done = wait_for(lambda: Credential.objects.filter(pk=credential.pk, issuance="done").first())
    assert done.status == Credential.Status.ACTIVE
    time.sleep(2)  # let the duplicates run
    done.refresh_from_db()
    assert Credential.objects.filter(dossier=credential.dossier).count() == 1
    assert done.events.filter(action="credential.issued").count() == 1
    assert done.issuance_attempts >= 2  # the failed attempt, then the one that issued
