"""Celery application. Tasks live in each app's ``tasks.py`` and carry explicit names."""

import gc
import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aipia.settings")

app = Celery("aipia")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _freeze_startup_objects(**kwargs) -> None:
    # Each pool process starts with every module of the project loaded. Moving those objects out of the
    # garbage collector's reach makes its full collections, frequent while rendering PDFs, much cheaper.
    gc.freeze()


@task_prerun.connect
@task_postrun.connect
def _close_old_database_connections(sender=None, **kwargs) -> None:
    # Celery's Django fixup closes the database connection before and after every task, whatever
    # CONN_MAX_AGE says (unless CELERY_DB_REUSE_MAX is set, as settings.py does): a new PostgreSQL backend
    # per task, about a tenth of the machine in a bulk renewal. Instead a task treats its connection as a
    # request does: kept for CONN_MAX_AGE (checked first with CONN_HEALTH_CHECKS), closed when it broke
    # or was left in a transaction. Eager tasks run inside the caller's request or transaction: left alone.
    if sender is None or getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
