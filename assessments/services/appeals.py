"""Appeals: the applicant appeals a rejection, the secretariat sets an uninvolved panel, the panel rules."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from aipia.errors import DomainError, InvalidTransition, NotAllowed
from dossiers import services as dossier_services
from dossiers.models import Dossier, DossierStatus

from ..models import Appeal, Decision
from ..selectors import appeal_deadline, decision_record, uninvolved_members
from .common import ensure_declaration, ensure_secretariat, locked, record_event


@transaction.atomic
def lodge_appeal(*, dossier: Dossier, actor: User, statement: str) -> Appeal:
    """The applicant appeals a rejection, within the appeal period, with a statement."""
    dossier = locked(dossier)
    if dossier.owner_id != actor.pk:
        raise NotAllowed(_("Only the applicant can appeal."))
    if dossier.status != DossierStatus.REJECTED:
        raise InvalidTransition(_("Only a rejected dossier can be appealed."))
    decision = Decision.objects.filter(dossier=dossier, kind=Decision.Kind.INITIAL).first()
    if decision is None or Appeal.objects.filter(dossier=dossier).exists():
        raise InvalidTransition(_("This decision has already been appealed."))
    if timezone.now() > appeal_deadline(decision=decision):
        raise InvalidTransition(
            _("The appeal period ended on %(date)s.")
            % {"date": timezone.localtime(appeal_deadline(decision=decision)).date()},
            code="appeal_period_over",
        )
    if len(statement.strip()) < 20:
        raise DomainError(_("Explain the grounds of your appeal (at least 20 characters)."))
    if (
        Dossier.objects.filter(owner=dossier.owner, profile=dossier.profile)
        .exclude(pk=dossier.pk)
        .exclude(status__in=[DossierStatus.APPROVED, DossierStatus.REJECTED, DossierStatus.WITHDRAWN])
        .exists()
    ):
        raise DomainError(_("You have another open dossier for this profile: withdraw it before appealing."))
    appeal = Appeal.objects.create(
        dossier=dossier, decision=decision, statement=statement.strip(), lodged_at=timezone.now()
    )
    dossier_services.change_status(
        dossier=dossier, to=DossierStatus.APPEALED, actor=actor, action="appeal.lodged", reason=appeal.statement
    )
    return appeal


@transaction.atomic
def set_appeal_panel(*, appeal: Appeal, actor: User, members: Sequence[User]) -> Appeal:
    appeal = Appeal.objects.select_for_update().select_related("dossier").get(pk=appeal.pk)
    ensure_secretariat(actor, appeal.dossier)
    if appeal.status != Appeal.Status.LODGED:
        raise InvalidTransition(_("This appeal has been decided."))
    if not members:
        raise DomainError(_("Choose the members of the appeal panel."))
    allowed = {u.pk for u in uninvolved_members(dossier=appeal.dossier)}
    for user in members:
        if user.pk not in allowed:
            raise NotAllowed(
                _("%(name)s was involved in this dossier or its decision and cannot hear the appeal.") % {"name": user},
                code="segregation_of_duties",
            )
    appeal.panel.set(members)
    record_event(appeal.dossier, action="appeal.panel_set", actor=actor, data={"panel": [u.pk for u in members]})
    return appeal


@transaction.atomic
def decide_appeal(*, appeal: Appeal, actor: User, overturn: bool, rationale: str) -> Decision:
    """The panel upholds the rejection or overturns it (the dossier is then approved)."""
    appeal = Appeal.objects.select_for_update().select_related("dossier").get(pk=appeal.pk)
    dossier = locked(appeal.dossier)
    if not appeal.panel.filter(pk=actor.pk).exists():
        raise NotAllowed(_("Only a member of the appeal panel can record its decision."))
    ensure_declaration(actor)
    if appeal.status != Appeal.Status.LODGED or dossier.status != DossierStatus.APPEALED:
        raise InvalidTransition(_("This appeal has already been decided."), code="already_decided")
    if len(rationale.strip()) < 20:
        raise DomainError(_("Write the rationale of the appeal decision (at least 20 characters)."))
    try:
        with transaction.atomic():
            decision = Decision.objects.create(
                dossier=dossier,
                kind=Decision.Kind.APPEAL,
                outcome=Decision.Outcome.APPROVE if overturn else Decision.Outcome.REJECT,
                rationale=rationale.strip(),
                decided_by=actor,
                decided_at=timezone.now(),
                record=decision_record(dossier=dossier),
            )
    except IntegrityError as exc:
        raise InvalidTransition(_("This appeal has already been decided."), code="already_decided") from exc
    appeal.status = Appeal.Status.OVERTURNED if overturn else Appeal.Status.UPHELD
    appeal.save(update_fields=["status"])
    dossier_services.change_status(
        dossier=dossier,
        to=DossierStatus.APPROVED if overturn else DossierStatus.REJECTED,
        actor=actor,
        action="appeal.overturned" if overturn else "appeal.upheld",
        reason=decision.rationale,
    )
    return decision
