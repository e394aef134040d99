"""Worker tasks and their database connection: kept for CONN_MAX_AGE, as a request keeps it."""

import pytest
from celery.fixups.django import DjangoWorkerFixup
from celery.signals import task_postrun, task_prerun
from django.db import connection, transaction

from aipia.celery import app
from credentials.tasks import issue_credential_task


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def run_as_worker_task(fixup: DjangoWorkerFixup) -> int:
    """What a prefork worker does around one task: Celery's Django fixup, the signals, a query in between."""
    task = issue_credential_task  # not eager: its request is a worker's
    fixup.on_task_prerun(sender=task)
    task_prerun.send(sender=task, task_id="t", task=task, args=(), kwargs={})
    pid = backend_pid()
    fixup.on_task_postrun(sender=task)
    task_postrun.send(sender=task, task_id="t", task=task, args=(), kwargs={}, retval=None, state="SUCCESS")
    return pid


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's test database is in memory and never closes (CI runs this on PostgreSQL).")


@pytest.mark.django_db(transaction=True)
def test_a_worker_keeps_its_database_connection_across_tasks_within_conn_max_age(postgresql, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    connection.close()
    fixup = DjangoWorkerFixup(app)

    pids = {run_as_worker_task(fixup) for _ in range(5)}

    assert len(pids) == 1
    assert connection.connection is not None


@pytest.mark.django_db(transaction=True)
def test_with_conn_max_age_zero_every_task_closes_its_connection(postgresql, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    connection.close()
    fixup = DjangoWorkerFixup(app)

    pids = {run_as_worker_task(fixup) for _ in range(3)}

    assert len(pids) == 3
    assert connection.connection is None


@pytest.mark.django_db(transaction=True)
def test_a_connection_left_in_a_broken_transaction_is_replaced_before_the_next_task(postgresql, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    connection.close()
    fixup = DjangoWorkerFixup(app)
    first = run_as_worker_task(fixup)
    connection.set_autocommit(False)  # a task that crashed half-way through a manual transaction

    second = run_as_worker_task(fixup)

    assert second != first
    assert connection.get_autocommit()


@pytest.mark.django_db
def test_an_eager_task_leaves_the_callers_transaction_and_connection_alone(postgresql, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    with transaction.atomic():
        pid = backend_pid()

        issue_credential_task.push_request(is_eager=True)
        try:
            task_prerun.send(sender=issue_credential_task, task_id="t", task=issue_credential_task, args=(), kwargs={})
            task_postrun.send(
                sender=issue_credential_task, task_id="t", task=issue_credential_task, args=(), kwargs={}, retval=None
            )
        finally:
            issue_credential_task.pop_request()

        assert not connection.needs_rollback
        assert backend_pid() == pid
