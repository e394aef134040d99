from celery import shared_task

from . import privacy


@shared_task(name="accounts.erase_expired_personal_data", acks_late=True)
def erase_expired_personal_data_task() -> dict:
    """The retention sweep (accounts/privacy.py): idempotent, so a retried or doubled run erases nothing twice."""
    return privacy.erase_expired_personal_data()
