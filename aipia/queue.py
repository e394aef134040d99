"""Later work, asked for by name: how a service starts a Celery task without importing it.

Tasks sit above the services they call (a task module imports its services), so a service that needs work done
later cannot import the task. It names it instead: :func:`enqueue_on_commit` looks the registered task up in the
Celery app (``app.tasks[name]``) and calls ``delay`` on it after the transaction commits, exactly as importing it
would. ``send_task`` is not used: it always goes through the broker, past the eager mode that the embedded
default (no broker, tasks run in-process) relies on.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from celery import Task
from django.db import transaction

from .celery import app


def task(name: str) -> Task:
    """The task registered as ``name``. A web process has not necessarily imported every app's ``tasks.py`` yet
    (a worker has, at start-up): the first miss runs Celery's autodiscovery, which does."""
    try:
        return app.tasks[name]
    except KeyError:
        app.loader.import_default_modules()
        return app.tasks[name]


def enqueue(name: str, *args: Any) -> None:
    """Send the task ``name`` now, with ``args`` (ids: tasks take ids, never objects)."""
    task(name).delay(*args)


def enqueue_on_commit(name: str, *args: Any, robust: bool = False) -> None:
    """Send the task ``name`` with ``args`` once the current transaction commits (at once outside one).

    ``robust``: a failure to send (a broker hiccup; in the embedded default, a failing in-process run) is logged
    and does not break the code that committed; use it where a sweeper picks up what was not sent.
    """
    transaction.on_commit(partial(enqueue, name, *args), robust=robust)
