"""Celery tasks of the outbox: thin, each calling one service. Services reach them by name (aipia/queue.py)."""

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(name="outbox.deliver", acks_late=True)
def deliver_task(message_ids: list[int]) -> int:
    """Try the messages just written, once each (a failure is scheduled for a retry by ``outbox.deliver_due``).
    In the embedded default this runs in-process after the commit, with a short timeout."""
    timeout = settings.WEBHOOKS_EAGER_TIMEOUT if settings.CELERY_TASK_ALWAYS_EAGER else None
    return services.deliver_messages(message_ids=message_ids, timeout=timeout)


@shared_task(name="outbox.deliver_due", acks_late=True)
def deliver_due_task() -> int:
    """Every message due (retries, and rows whose first task was lost). On the beat, every minute."""
    return services.deliver_due()


@shared_task(name="outbox.prune_log")
def prune_log_task() -> int:
    return services.prune_log()
