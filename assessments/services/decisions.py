"""The decision: approve or reject, with a rationale, by a decision maker not involved in the assessment."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from aipia.errors import DomainError, InvalidTransition, NotAllowed
from dossiers import services as dossier_services
from dossiers.models import Dossier, DossierStatus

from ..models import Decision
from ..selectors import decision_record, involved_in_assessment, is_decision_maker
from .common import ensure_declaration, ensure_not_owner, locked


def _ensure_can_decide(actor: User, dossier: Dossier) -> None:
    ensure_not_owner(actor, dossier)
    if not is_decision_maker(user=actor, dossier=dossier):
        raise NotAllowed(_("Only a decision maker of the committee for this profile can decide."))
    ensure_declaration(actor)
    if involved_in_assessment(user=actor, dossier=dossier):
        raise NotAllowed(
            _("You assessed or interviewed this applicant (or declared a conflict): someone else must decide."),
            code="segregation_of_duties",
        )


@transaction.atomic
def decide(*, dossier: Dossier, actor: User, outcome: str, rationale: str) -> Decision:
    """Approve or reject with a written rationale; the applicant is told, with the rationale.

    Two decision makers acting at once: the dossier row lock serialises them and the second finds the
    dossier already decided (and the unique constraint backs this up).
    """
    dossier = locked(dossier)
    _ensure_can_decide(actor, dossier)
    if dossier.status != DossierStatus.AWAITING_DECISION:
        if Decision.objects.filter(dossier=dossier, kind=Decision.Kind.INITIAL).exists():
            raise InvalidTransition(_("This dossier has already been decided."), code="already_decided")
        raise InvalidTransition(_("This dossier is not awaiting a decision."))
    if outcome not in Decision.Outcome.values:
        raise DomainError(_("Choose approve or reject."))
    if len(rationale.strip()) < 20:
        raise DomainError(_("Write the rationale of the decision (at least 20 characters)."))
    try:
        with transaction.atomic():
            decision = Decision.objects.create(
                dossier=dossier,
                kind=Decision.Kind.INITIAL,
                outcome=outcome,
                rationale=rationale.strip(),
                decided_by=actor,
                decided_at=timezone.now(),
                record=decision_record(dossier=dossier),
            )
    except IntegrityError as exc:
        raise InvalidTransition(_("This dossier has already been decided."), code="already_decided") from exc
    to = DossierStatus.APPROVED if outcome == Decision.Outcome.APPROVE else DossierStatus.REJECTED
    dossier_services.change_status(
        dossier=dossier,
        to=to,
        actor=actor,
        action="decision.approved" if outcome == Decision.Outcome.APPROVE else "decision.rejected",
        reason=decision.rationale,
    )
    return decision
