"""Declarations: the yearly impartiality and confidentiality declaration every committee member signs, and the
assigned member's conflict-of-interest declaration, made before they see anything of the dossier."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from aipia.errors import DomainError, InvalidTransition, NotAllowed

from ..models import Assignment, ImpartialityDeclaration
from ..selectors import is_committee_user
from .common import ensure_declaration, record_event

DECLARATION_TEXT_VERSION = "2026-1"


@transaction.atomic
def sign_impartiality_declaration(*, user: User) -> ImpartialityDeclaration:
    """Record the member's signature of the current declaration, valid for one year from today."""
    if not is_committee_user(user):
        raise NotAllowed(_("Only committee members sign the impartiality declaration."))
    now = timezone.now()
    today = timezone.localdate()
    try:
        valid_until = today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        valid_until = today + datetime.timedelta(days=365)
    return ImpartialityDeclaration.objects.create(
        user=user, text_version=DECLARATION_TEXT_VERSION, signed_at=now, valid_until=valid_until
    )


@transaction.atomic
def declare_conflict_of_interest(
    *, assignment: Assignment, actor: User, has_conflict: bool, reason: str = ""
) -> Assignment:
    """The assigned member's declaration, before they see anything of the dossier. Made once; kept forever."""
    assignment = Assignment.objects.select_for_update().select_related("dossier").get(pk=assignment.pk)
    if assignment.member_id != actor.pk:
        raise NotAllowed(_("Only the assigned member can make this declaration."))
    if assignment.status != Assignment.Status.AWAITING_DECLARATION:
        raise InvalidTransition(_("The declaration for this assignment has already been made."))
    ensure_declaration(actor)
    if has_conflict and not reason.strip():
        raise DomainError(_("Describe the conflict (for example: employer, trainer, relative)."))
    assignment.declared_at = timezone.now()
    assignment.has_conflict = has_conflict
    assignment.conflict_reason = reason.strip()
    assignment.status = Assignment.Status.CONFLICTED if has_conflict else Assignment.Status.ACTIVE
    assignment.save(update_fields=["declared_at", "has_conflict", "conflict_reason", "status"])
    record_event(
        assignment.dossier,
        action="assessment.conflict_declared" if has_conflict else "assessment.no_conflict_declared",
        actor=actor,
        reason=assignment.conflict_reason,
        data={"assignment": assignment.pk, "role": assignment.role},
    )
    return assignment
