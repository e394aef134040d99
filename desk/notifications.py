"""The e-mails of the consumer desk, one set per audit event of a case, in each recipient's language, written to
the outbox in the event's transaction (sent after the commit, once).

The sender is written to in the language they used on the desk; the professional and the handler in their account's
preferred language. Every e-mail to the sender carries the case's private link, and only those e-mails do.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from outbox import services as outbox

from .links import case_link
from .models import CaseEvent, Message, Status


def queue_for_event(*, event: CaseEvent) -> int:
    """Write the e-mails that ``event`` calls for into the outbox; how many (0 for an event that calls for none,
    or whose case was erased)."""
    if event.case.erased_at is not None:
        return 0
    written = 0
    for index, (recipient, language, subject, body) in enumerate(_messages(event)):
        with translation.override(language):
            subject_text, body_text = f"[AIPIA] {subject()}", body()
        outbox.queue_email(
            to=[recipient],
            subject=subject_text,
            language=language,
            context={"body": body_text},
            dedupe_key=f"desk.event:{event.pk}:{index}",
        )
        written += 1
    return written


def _messages(event: CaseEvent) -> list[tuple]:
    case = event.case
    to_sender = (case.sender_email, case.language)
    out: list[tuple] = []

    def sender(subject, body):  # type: ignore[no-untyped-def]
        out.append((*to_sender, subject, body))

    def user(person: User | None, subject, body):  # type: ignore[no-untyped-def]
        if person is not None and person.email:
            out.append((person.email, person.preferred_language, subject, body))

    values = lambda: {  # noqa: E731 - read inside each recipient's language
        "reference": case.reference or "",
        "subject": case.subject,
        "link": case_link(case),
        "association": settings.ASSOCIATION_NAME,
        "status": Status(event.to_status).label if event.to_status else case.get_status_display(),
        "days": settings.DESK_ACKNOWLEDGE_DAYS,
        "staff_link": settings.SITE_URL + reverse("desk:staff-case", kwargs={"case_id": case.pk}),
        "answer_link": settings.SITE_URL + reverse("desk:professional-case", kwargs={"case_id": case.pk}),
        "conclusion": case.conclusion,
        "outcome": case.get_outcome_display(),
    }
    action = event.action
    if action == "desk.submitted":
        sender(
            lambda: _("Confirm your e-mail address to send your request"),
            lambda: (
                _(
                    "You wrote to the consumer desk of %(association)s: “%(subject)s”.\n\n"
                    "To send it, confirm that this address is yours by following this link:\n%(link)s\n\n"
                    "Until then, the association has not received your request. If you did not write to us, "
                    "ignore this e-mail: nothing will happen.\n"
                )
                % values()
            ),
        )
    elif action == "desk.received":
        sender(
            lambda: _("Received: %(reference)s") % values(),
            lambda: (
                _(
                    "Your request “%(subject)s” has been received. Its reference number is %(reference)s.\n\n"
                    "What happens next: the association acknowledges it within %(days)s days and tells you who handles "
                    "it. You can follow the case, read our messages and write to us at this private link (keep it to "
                    "yourself):\n%(link)s\n"
                )
                % values()
            ),
        )
        for person in User.objects.filter(is_active=True, is_staff=True).exclude(email=""):
            user(
                person,
                lambda: _("New case at the consumer desk: %(reference)s") % values(),
                lambda: (
                    _("A new case has been received: “%(subject)s”.\nAssign it a handler:\n%(staff_link)s\n") % values()
                ),
            )
    elif action == "desk.handler_assigned":
        user(
            case.handler,
            lambda: _("A case for you to handle: %(reference)s") % values(),
            lambda: (
                _(
                    "You have been given the case “%(subject)s”. Before you read it, declare whether you have a "
                    "conflict of interest:\n%(staff_link)s\n"
                )
                % values()
            ),
        )
    elif action == "desk.review_started":
        sender(
            lambda: _("Your complaint is under review: %(reference)s") % values(),
            lambda: _("Your complaint is now under review. Follow it here:\n%(link)s\n") % values(),
        )
        if case.credential is not None and case.professional_notified_at:
            user(
                case.credential.holder,
                lambda: _("A complaint about your professional activity: %(reference)s") % values(),
                lambda: (
                    _(
                        "%(association)s has received a complaint about your professional activity (“%(subject)s”) and "
                        "is reviewing it. You may read it and answer here, after signing in:\n%(answer_link)s\n"
                    )
                    % values()
                ),
            )
    elif action == "desk.message_sent":
        audience = event.data.get("audience")
        if audience == Message.Audience.SENDER:
            sender(
                lambda: _("A message about your case %(reference)s") % values(),
                lambda: _("The association has written to you about your case. Read it here:\n%(link)s\n") % values(),
            )
        elif audience == Message.Audience.PROFESSIONAL and case.credential is not None:
            user(
                case.credential.holder,
                lambda: _("A message about the complaint %(reference)s") % values(),
                lambda: (
                    _("The association has written to you about the complaint. Read it here:\n%(answer_link)s\n")
                    % values()
                ),
            )
    elif action in {"desk.decided", "desk.referred", "desk.answered"}:
        sender(
            lambda: _("Your case %(reference)s is closed") % values(),
            lambda: (
                (_("Outcome: %(outcome)s.\n\n") % values() if case.outcome else "")
                + _("%(conclusion)s\n\nThe whole case stays readable here:\n%(link)s\n") % values()
            ),
        )
        if action == "desk.decided" and case.credential is not None and case.professional_notified_at:
            user(
                case.credential.holder,
                lambda: _("The complaint %(reference)s is decided") % values(),
                lambda: _("Outcome: %(outcome)s.\n\n%(conclusion)s\n") % values(),
            )
    elif action in {"desk.acknowledged", "desk.mediation_started", "desk.mediation_ended"}:
        sender(
            lambda: _("Your case %(reference)s: %(status)s") % values(),
            lambda: (
                (event.reason + "\n\n" if event.reason else "")
                + _("Your case is now: %(status)s. Follow it here:\n%(link)s\n") % values()
            ),
        )
    return out
