"""What every step of the committee's work shares: the guards of who may act, the audit of committee actions
that do not change the dossier's status, and the dossier's row lock.

Segregation of duties (ISO/IEC 17024) is enforced in the services, not in views:
- nobody assesses, interviews, decides or hears an appeal on their own dossier;
- an assessor or interviewer declares any conflict of interest before seeing the dossier, and a
  declared conflict ends the assignment;
- the decision maker is not an assessor or interviewer of the dossier (nor anyone who declared a conflict);
- an appeal is heard by people involved neither in the decision nor in the assessment.
Every committee member needs a signed impartiality declaration, renewed yearly.

Whether someone holds a committee role is a read (assessments/selectors.py); the guards here refuse with
NotAllowed when they do not.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import User
from aipia.errors import NotAllowed
from dossiers.models import Dossier, DossierEvent

from ..models import Assignment, Decision
from ..selectors import has_committee_role, has_valid_declaration, is_secretariat, is_staff


def ensure_secretariat(user: User, dossier: Dossier) -> None:
    if not is_secretariat(user=user, dossier=dossier):
        raise NotAllowed(_("Only the committee's chair or the secretariat can do this."))
    ensure_not_owner(user, dossier)
    if not is_staff(user):
        # A chair is a committee member like any other: no work on dossiers without a valid declaration.
        ensure_declaration(user)


def ensure_declaration(user: User) -> None:
    if not has_valid_declaration(user=user):
        raise NotAllowed(
            _("%(name)s has no valid impartiality and confidentiality declaration (it is renewed every year).")
            % {"name": user},
            code="declaration_required",
        )


def ensure_not_owner(user: User, dossier: Dossier) -> None:
    if user.pk == dossier.owner_id:
        raise NotAllowed(_("Nobody can take part in the assessment of their own dossier."), code="own_dossier")


def ensure_assignable(member_user: User, dossier: Dossier, *, role: str) -> None:
    ensure_not_owner(member_user, dossier)
    flag = "is_assessor" if role == Assignment.Role.ASSESSOR else "is_interviewer"
    if not has_committee_role(user=member_user, dossier=dossier, role=flag):
        raise NotAllowed(
            _("%(name)s is not on this profile's committee with the role: %(role)s.")
            % {"name": member_user, "role": Assignment.Role(role).label.lower()}
        )
    ensure_declaration(member_user)
    if Decision.objects.filter(dossier=dossier, decided_by=member_user).exists():
        raise NotAllowed(_("%(name)s took a decision on this dossier.") % {"name": member_user})
    if Assignment.objects.filter(dossier=dossier, member=member_user, status=Assignment.Status.CONFLICTED).exists():
        raise NotAllowed(_("%(name)s declared a conflict of interest on this dossier.") % {"name": member_user})


def record_event(
    dossier: Dossier, *, action: str, actor: User | None, reason: str = "", data: dict | None = None
) -> None:
    """Audit a committee action that does not change the dossier's status."""
    DossierEvent.objects.create(dossier=dossier, action=action, actor=actor, reason=reason, data=data or {})


def locked(dossier: Dossier) -> Dossier:
    return Dossier.objects.select_for_update().select_related("profile", "owner").get(pk=dossier.pk)
