"""Celery application. Tasks live in each app's ``tasks.py`` and carry explicit names."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aipia.settings")

app = Celery("aipia")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
