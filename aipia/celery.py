"""Celery application. Tasks live in each app's ``tasks.py`` and carry explicit names."""

import gc
import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aipia.settings")

app = Celery("aipia")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _freeze_startup_objects(**kwargs) -> None:
    # Each pool process starts with every module of the project loaded. Moving those objects out of the
    # garbage collector's reach makes its full collections, frequent while rendering PDFs, much cheaper.
    gc.freeze()
