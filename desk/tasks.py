from celery import shared_task

from . import notifications


@shared_task(
    name="desk.notify",
    acks_late=True,
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    max_retries=5,
)
def notify(event_id: int) -> int:
    return notifications.send_for_event(event_id=event_id)
