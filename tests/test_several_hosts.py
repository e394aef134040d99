"""The application on several hosts: web processes and workers that share only the database, the broker, the
bucket and the Redis cache (docs/deployment.md, docs/decisions/0017).

Real processes on a committed PostgreSQL database: two granian web servers, each with its own per-process caches,
and two Celery workers, each in a working folder of its own, with files in one S3 bucket (moto's server mode).
"""

import json
import os
import time
from collections import Counter

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from knox.models import AuthToken

from accounts.models import User
from aipia.celery import app as celery_app
from credentials.documents.seal import check_seal
from credentials.documents.status_list import bit_at, decode_list
from credentials.models import Credential, CredentialEvent, StatusListEntry
from credentials.services import issuance, keyring
from credentials.tasks import issue_credential_task
from dossiers import services as dossier_services
from dossiers.models import Dossier, DossierStatus
from profiles.models import Profile

from .credentials.conftest import approve
from .factories import UserFactory
from .hosts import REDIS, CeleryWorker, WebServer, application_environment, redis_answers

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
# Redis databases of their own, one set per test, so that the two can run at once (pytest-xdist) and beside the
# single-worker test (tests/credentials/test_worker.py, database 14).
SERVERS_CACHE_URL = f"{REDIS}/11"
WORKERS_CACHE_URL = f"{REDIS}/12"
BROKER_URL = f"{REDIS}/10"


@pytest.fixture
def live_services():
    """PostgreSQL (the processes need the test's committed rows) and Redis (the shared cache, the broker); empties
    the Redis databases the test names with ``flush(url…)``."""
    if connection.vendor != "postgresql" or not redis_answers(BROKER_URL):
        if os.environ.get("CI"):
            pytest.fail("The several-hosts tests need PostgreSQL and Redis in CI.")
        pytest.skip("Needs PostgreSQL (DATABASE_URL) and Redis on 127.0.0.1:6379.")
    import redis

    def flush(*urls: str) -> None:
        for url in urls:
            with redis.Redis.from_url(url) as client:
                client.flushdb()

    return flush


def start_web_servers(tmp_path, names, **extra):
    servers = [
        WebServer(workdir=tmp_path / name, env=application_environment(tmp_path / name, **extra), name=name)
        for name in names
    ]
    try:
        return [server.wait_ready() for server in servers]
    except BaseException:
        for server in servers:
            server.stop()
        raise


@pytest.fixture
def two_web_servers(live_services, tmp_path, storage_environment):
    live_services(SERVERS_CACHE_URL)
    servers = start_web_servers(tmp_path, ["web-a", "web-b"], CACHE_URL=SERVERS_CACHE_URL, **storage_environment)
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture
def issued(complete_dossier, applicant, django_capture_on_commit_callbacks) -> Credential:
    dossier_services.submit_dossier(dossier=complete_dossier, actor=applicant)
    return approve(complete_dossier, django_capture_on_commit_callbacks)


def token_header(user: User) -> dict[str, str]:
    _instance, token = AuthToken.objects.create(user=user)
    return {"Authorization": f"Token {token}"}


def bit_seen_by(server: WebServer, credential: Credential, purpose: str) -> bool:
    """What a verifier reads from ``server``: the status list at the credential's entry, its bit."""
    entry = StatusListEntry.objects.select_related("status_list").get(credential=credential, purpose=purpose)
    response = server.get(f"/status/{purpose}/{entry.status_list.number}")
    assert response.status_code == 200
    check = check_seal(json.loads(response.content))
    assert check.intact
    document = json.loads(check.payload)
    return bit_at(decode_list(document["credentialSubject"]["encodedList"]), entry.index)


def statuses_seen_by(server: WebServer, credential: Credential, sealed: bytes) -> set[str]:
    """The status ``server`` reports, asked twice each way (the second answer may come from its memory): by id,
    and for the sealed document posted to the verification API."""
    seen = set()
    for _ in range(2):
        by_id = server.get(f"/api/v1/credentials/{credential.pk}/verification")
        by_document = server.request(
            "POST", "/api/v1/verifications", data=sealed, headers={"Content-Type": "application/json"}
        )
        assert by_id.status_code == 200 and by_document.status_code == 200, (by_id.text, by_document.text)
        seen |= {by_id.json()["status"], by_document.json()["status"]}
    return seen


def page_says_suspended(server: WebServer, credential: Credential) -> bool:
    """What the QR code's page on ``server`` tells an anonymous visitor, asked twice (the page is remembered)."""
    answers = set()
    for _ in range(2):
        response = server.get(f"/v/{credential.token}", headers={"Accept-Language": "en"})
        assert response.status_code == 200
        answers.add("This credential has been suspended by its issuer" in response.text)
    (answer,) = answers
    return answer


def test_a_suspension_made_through_one_server_is_seen_at_once_by_the_other(issued, two_web_servers):
    web_a, web_b = two_web_servers
    admin = UserFactory(role=User.Role.ADMIN, is_staff=True)
    with issued.sealed_json.open("rb") as handle:
        sealed = handle.read()
    # Both servers have answered for the active credential, and remember their answers.
    assert statuses_seen_by(web_a, issued, sealed) == {"active"}
    assert statuses_seen_by(web_b, issued, sealed) == {"active"}
    assert bit_seen_by(web_b, issued, "suspension") is False
    assert page_says_suspended(web_a, issued) is False
    assert page_says_suspended(web_b, issued) is False

    suspended = web_a.request(
        "POST",
        f"/api/v1/credentials/{issued.pk}/suspension",
        json={"category": "requirements_not_met", "reason": "Fees unpaid"},
        headers=token_header(admin),
    )
    assert suspended.status_code == 200, suspended.text

    # The very next request to the other server: no waiting for a cache to expire.
    assert statuses_seen_by(web_b, issued, sealed) == {"suspended"}
    assert bit_seen_by(web_b, issued, "suspension") is True
    assert page_says_suspended(web_b, issued) is True
    assert statuses_seen_by(web_a, issued, sealed) == {"suspended"} and page_says_suspended(web_a, issued) is True

    reinstated = web_b.request(
        "DELETE", f"/api/v1/credentials/{issued.pk}/suspension", json={"reason": "Paid"}, headers=token_header(admin)
    )
    assert reinstated.status_code == 200, reinstated.text
    assert statuses_seen_by(web_a, issued, sealed) == {"active"}
    assert bit_seen_by(web_a, issued, "suspension") is False
    assert page_says_suspended(web_a, issued) is False


# --- two workers, one web server: 200 credentials ---------------------------------------------------------------

CREDENTIALS = int(os.environ.get("SEVERAL_HOSTS_CREDENTIALS", "200"))


@pytest.fixture
def bucket_for_everyone(live_services, s3_bucket, settings):
    """One bucket for the test process and every process it starts, whichever backend the suite runs on."""
    live_services(BROKER_URL, WORKERS_CACHE_URL)
    settings.STORAGES = {**settings.STORAGES, "default": s3_bucket.storage_settings()}
    return s3_bucket


@pytest.fixture
def enqueue_to_broker(settings):
    """Tasks go to Redis, as in production, instead of running in the test process."""
    previous = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = BROKER_URL, False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    _forget_broker_pools()
    yield
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = previous
    _forget_broker_pools()


def _forget_broker_pools() -> None:
    # Pools made for another broker URL (earlier tests) are forgotten, not closed: kombu shares them.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def approved_dossiers(count: int) -> list[Dossier]:
    """``count`` holders with an approved dossier each (the committee's work is tested elsewhere)."""
    profile = Profile.objects.get(code="ai-ml-engineer")
    holders = User.objects.bulk_create(
        [
            User(
                email=f"holder-{i}@example.org", first_name="Ada", last_name=f"Holder {i}", password=make_password(None)
            )
            for i in range(count)
        ]
    )
    return Dossier.objects.bulk_create(
        [
            Dossier(owner=holder, profile=profile, scheme_version=profile.scheme_version, status=DossierStatus.APPROVED)
            for holder in holders
        ]
    )


def wait_until(predicate, *, timeout: float, processes=(), interval: float = 1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        for process in processes:
            process.check_alive()
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s")


def test_two_workers_issue_200_credentials_none_lost_none_twice_every_pdf_served_by_another_host(
    bucket_for_everyone, enqueue_to_broker, tmp_path, catalogue
):
    keyring.active_seal()  # the seal key file and its published record exist before the workers start
    environment = {"CELERY_BROKER_URL": BROKER_URL, "CACHE_URL": WORKERS_CACHE_URL, **bucket_for_everyone.environment()}
    workers = [
        CeleryWorker(workdir=tmp_path / name, env=application_environment(tmp_path / name, **environment), name=name)
        for name in ("worker-1", "worker-2")
    ]
    try:
        dossiers = approved_dossiers(CREDENTIALS)
        with transaction.atomic():
            # Each approval's issuance task is sent to the broker when this commits.
            ids = [issuance.start_issuance(dossier=dossier, actor=None).pk for dossier in dossiers]
        for credential_id in ids:
            # Every task delivered a second time, as a redelivery after a lost acknowledgement would.
            issue_credential_task.delay(str(credential_id))

        def all_done():
            counts = Counter(Credential.objects.filter(pk__in=ids).values_list("issuance", flat=True))
            assert not counts.get(Credential.Issuance.FAILED), Credential.objects.filter(issuance="failed").first()
            return counts.get(Credential.Issuance.DONE) == len(ids)

        wait_until(all_done, timeout=60 + 6 * CREDENTIALS, processes=workers)
        # Let the duplicate deliveries and the holders' e-mails drain before counting.
        wait_until(lambda: not Credential.objects.filter(pk__in=ids, notified_at=None).exists(), timeout=120)
        stats = celery_app.control.inspect(destination=[w.node for w in workers], timeout=5).stats() or {}
    finally:
        for worker in workers:
            worker.stop()

    # None lost, none twice: one credential per dossier, issued once, its holder notified once.
    assert Credential.objects.filter(dossier__in=dossiers).count() == CREDENTIALS
    issued_events = Counter(
        CredentialEvent.objects.filter(credential_id__in=ids, action="credential.issued").values_list(
            "credential_id", flat=True
        )
    )
    assert set(issued_events) == set(ids) and set(issued_events.values()) == {1}
    # Both workers took part.
    assert {w.node for w in workers} <= set(stats) and all(stats[w.node]["total"] for w in workers), stats

    # The bucket holds exactly the three documents of each credential; the workers' own folders hold no file.
    rows = Credential.objects.filter(pk__in=ids).select_related("holder")
    expected = {getattr(row, field).name for row in rows for field in ("sealed_json", "pdf", "qr_png")}
    bucket = settings.STORAGES["default"]["OPTIONS"]["bucket_name"]
    client = bucket_for_everyone.client()
    stored = {item["Key"] for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
              for item in page.get("Contents", [])}  # fmt: skip
    assert stored == expected and len(stored) == 3 * CREDENTIALS
    for worker in workers:
        assert not [path for path in (worker.workdir / "media").rglob("*") if path.is_file()]

    # Every PDF, fetched by its holder from a web process that shares nothing with the workers but the database
    # and the bucket, is the stored one.
    (web,) = start_web_servers(tmp_path, ["web"], CACHE_URL=WORKERS_CACHE_URL, **bucket_for_everyone.environment())
    try:
        headers = {row.pk: token_header(row.holder) for row in rows}
        for row in rows:
            response = web.get(f"/api/v1/credentials/{row.pk}/files/pdf", headers=headers[row.pk])
            assert response.status_code == 200, response.text
            stored_pdf = client.get_object(Bucket=bucket, Key=row.pdf.name)["Body"].read()
            assert response.content.startswith(b"%PDF") and response.content == stored_pdf
        first, second = list(rows)[:2]
        assert web.get(f"/api/v1/credentials/{second.pk}/files/pdf", headers=headers[first.pk]).status_code == 404
    finally:
        web.stop()
