"""A service asks for later work by the task's name (aipia/queue.py), never by importing the task."""

import pytest
from django.db import transaction

from aipia import queue
from aipia.celery import app

calls: list[tuple] = []


@app.task(name="tests.queue.record")
def record(*args) -> None:
    calls.append(args)


@pytest.fixture(autouse=True)
def _no_calls():
    calls.clear()


@pytest.mark.django_db(transaction=True)
def test_a_task_named_on_commit_runs_after_the_commit_with_its_arguments(settings):
    with transaction.atomic():
        queue.enqueue_on_commit("tests.queue.record", "a1", 2)
        assert calls == []

    assert calls == [("a1", 2)]


@pytest.mark.django_db(transaction=True)
def test_a_task_named_in_a_transaction_that_rolls_back_never_runs():
    with pytest.raises(RuntimeError), transaction.atomic():
        queue.enqueue_on_commit("tests.queue.record", "b")
        raise RuntimeError

    assert calls == []


def test_every_apps_tasks_are_found_by_name():
    for name in ("credentials.issue", "outbox.deliver", "outbox.deliver_due"):
        assert queue.task(name).name == name


def test_an_unknown_task_name_is_an_error_not_a_silent_no_op():
    with pytest.raises(KeyError):
        queue.task("credentials.no_such_task")
