"""Reads of the desk: who sees which case, and what each of them sees of it."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.models import User
from credentials.models import Credential

from .models import OPEN_STATUSES, TRANSITIONS, Case, Kind, Message, Status

STATUS_FILTERS = [
    ("open", _("Open")),
    ("unconfirmed", _("Not confirmed by the sender")),
    ("closed", _("Closed")),
    ("all", _("All")),
]


def credential_for_link(value: str) -> Credential | None:
    """The issued credential a link to the desk names by id (from the register or a public credential page)."""
    try:
        credential_id = uuid.UUID(value)
    except (ValueError, TypeError):
        return None
    return Credential.objects.filter(pk=credential_id, issuance=Credential.Issuance.DONE).first()


def sender_view(case: Case) -> dict[str, Any]:
    """What the sender reads: their request, the association's messages to them and their own, the public steps."""
    return {
        "messages_shown": case.messages.filter(
            Q(audience=Message.Audience.SENDER) | Q(author_party=Message.Party.SENDER)
        ),
        "steps": case.events.exclude(to_status="").order_by("created_at"),
        "attachments": case.attachments.all(),
    }


def professional_view(case: Case) -> dict[str, Any]:
    return {
        "messages_shown": case.messages.filter(
            Q(audience=Message.Audience.PROFESSIONAL) | Q(author_party=Message.Party.PROFESSIONAL)
        ),
    }


def cases_for(*, user: User, status: str) -> QuerySet[Case]:
    """The cases a user may see on the staff's list: all for staff, their own for a handler."""
    cases = Case.objects.filter(erased_at__isnull=True).select_related("handler", "credential")
    if not roles.is_association_staff(user):
        cases = cases.filter(handler=user)
    if status == "open":
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif status == "unconfirmed":
        cases = cases.filter(status=Status.UNCONFIRMED)
    elif status == "closed":
        cases = cases.exclude(status__in=[*OPEN_STATUSES, Status.UNCONFIRMED])
    return cases.order_by("acknowledge_by", "-created_at")


def case_for_staff(*, user: User, case_id: Any) -> Case:
    """The case, for the association's staff or its handler; 404 for anyone else."""
    case = (
        Case.objects.select_related("handler", "credential__holder", "credential__profile")
        .filter(pk=case_id, erased_at__isnull=True)
        .first()
        if _is_uuid(case_id)
        else None
    )
    if case is None or not (roles.is_association_staff(user) or case.handler_id == user.pk):
        raise Http404
    return case


def staff_view(*, case: Case, user: User) -> dict[str, Any]:
    """What a staff member or the handler sees of a case and which actions they are offered.

    The handler reads the sender's message, files and messages only after declaring no conflict of interest; staff
    who are not the handler read everything (they assign the case, and an administrator decides on a credential)."""
    is_handler = case.handler_id == user.pk
    declared = is_handler and case.handler_declared_at is not None
    is_staff = roles.is_association_staff(user)
    can_read = declared or (is_staff and not is_handler)
    allowed: set[str] = set()
    if is_staff and case.is_open:
        allowed.add("assign")
    if is_handler and not declared:
        allowed.add("declare")
    if declared:
        nexts = TRANSITIONS[case.status]
        if Status.ACKNOWLEDGED in nexts:
            allowed.add("acknowledge")
        if Status.UNDER_REVIEW in nexts and case.kind == Kind.COMPLAINT:
            allowed.add("end_mediation" if case.status == Status.MEDIATION else "review")
        if Status.MEDIATION in nexts:
            allowed.add("mediation")
        if Status.DECIDED in nexts:
            allowed.add("decide")
        if Status.REFERRED in nexts:
            allowed.add("refer")
        if Status.ANSWERED in nexts and case.kind == Kind.QUESTION:
            allowed.add("answer")
        allowed.add("write")
    complaint_with_credential = bool(case.credential_id) and case.kind == Kind.COMPLAINT
    reviewing_or_decided = case.status in {Status.UNDER_REVIEW, Status.MEDIATION, Status.DECIDED}
    if roles.is_admin(user) and not is_handler and complaint_with_credential and reviewing_or_decided:
        allowed.add("credential")
    return {
        "allowed": allowed,
        "can_read": can_read,
        "is_handler": is_handler,
        "events": case.events.select_related("actor"),
        "messages_shown": case.messages.select_related("author") if can_read else [],
        "attachments": case.attachments.all() if can_read else [],
    }


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
