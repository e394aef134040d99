from celery import shared_task

from . import services


@shared_task(
    name="dossiers.notify_status_change",
    acks_late=True,
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    max_retries=5,
)
def notify_status_change(event_id: int) -> bool:
    return services.send_status_email(event_id=event_id)
