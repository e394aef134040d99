from celery import shared_task

from . import notifications

RETRY = {
    "acks_late": True,
    "autoretry_for": (ConnectionError, TimeoutError, OSError),
    "retry_backoff": True,
    "max_retries": 5,
}


@shared_task(name="assessments.notify_assignment", **RETRY)
def notify_assignment(assignment_id: int) -> bool:
    return notifications.send_assignment_notice(assignment_id=assignment_id)


@shared_task(name="assessments.send_interview_invitations", **RETRY)
def send_interview_invitations(interview_id: int) -> int:
    return notifications.send_interview_invitations(interview_id=interview_id)
