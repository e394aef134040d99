"""The Law 4/2013 art. 7 attestation, the third route to a credential (DESIGN §1).

A separate credential kind for members in good standing, valid as long as the membership (``valid_until``),
stating the membership, the standards members follow, the guarantees offered to users, the insurance if any and
the certifications held (``settings.ISSUER_*``). What it states is fixed when it is requested — frozen on the
credential row (its ``statement``) and recorded in an ``attestation.statement`` event — so a retried issuance
seals the same document. It is suspended by the system when the membership lapses and reinstated when it is
restored (:func:`sync_attestations_with_membership`, called on every save of a membership and by a daily sweep).

An attestation is about no profile, but ``Credential.profile`` is required: attestations point at one
designated, unpublished profile (:data:`ATTESTATION_PROFILE_CODE`), created on first use. Unpublished, it is
neither in the public catalogue nor open to dossiers; its title is the attestation's, so the QR token, the
verification page and the register name the attestation, never a certification the member lacks.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import Membership, User
from aipia import days
from aipia.errors import InvalidTransition, NotAllowed
from credentials.documents import categories
from credentials.models import Credential, CredentialEvent
from credentials.services import status as status_changes
from credentials.services.clock import end_of_day
from credentials.services.issuance import create_credential
from profiles.models import Profile

ATTESTATION_PROFILE_CODE = "law-4-2013-attestation"
MEMBERSHIP_LAPSED = "membership lapsed"
STATEMENT_ACTION = "attestation.statement"

Status = Credential.Status


def attestation_profile() -> Profile:
    """The designated, unpublished profile every attestation points at; created on first use (the unique
    code makes a concurrent creation fail rather than duplicate, and the retry finds it)."""
    profile, _created = Profile.objects.get_or_create(
        code=ATTESTATION_PROFILE_CODE,
        defaults={
            "title_en": "Attestation of quality and professional qualification (Law 4/2013, art. 7)",
            "title_it": "Attestato di qualità e di qualificazione professionale (Legge 4/2013, art. 7)",
            "summary_en": "Issued by the association to its members in good standing; valid as long as the membership.",
            "summary_it": "Rilasciato dall'associazione ai propri iscritti in regola; valido quanto l'iscrizione.",
            "mission_en": "",
            "mission_it": "",
            "standard_edition": "Legge 4/2013, art. 7",
            "is_published": False,
        },
    )
    return profile


def _statement(*, member: User, membership: Membership, on: datetime.date) -> dict:
    """What an attestation says (JSON): frozen on the credential row and recorded in its ``attestation.statement``
    event."""
    held = (
        Credential.objects.filter(
            holder=member, kind=Credential.Kind.CERTIFICATION, status=Status.ACTIVE, valid_until__gt=timezone.now()
        )
        .select_related("profile", "external_certification")
        .order_by("issued_at")
    )
    return {
        "member_number": membership.member_number,
        "in_good_standing_on": on.isoformat(),
        "membership_valid_until": membership.valid_until.isoformat(),
        "standards": dict(settings.ISSUER_PROFESSIONAL_STANDARDS),
        "guarantees": dict(settings.ISSUER_USER_GUARANTEES),
        "insurance": dict(settings.ISSUER_INSURANCE),
        "certifications": [
            {
                "credential": str(credential.pk),
                "serial": credential.serial,
                "title_en": credential.profile.title_en,
                "title_it": credential.profile.title_it,
                "standard_edition": credential.profile.standard_edition,
                "valid_until": days.last_day(credential.valid_until, days.zone(settings.TIME_ZONE)).isoformat(),
                "awarded_by": (
                    f"{settings.ISSUER_LEGAL_NAME}, on the basis of {credential.external_certification.body}"
                    if credential.external_certification
                    else settings.ISSUER_LEGAL_NAME
                ),
            }
            for credential in held
        ],
    }


def issue_attestation(*, member: User, actor: User) -> Credential:
    """Issue a Law 4/2013 art. 7 attestation to ``member``, valid until the end of their membership.

    By staff, or by the member themselves. Refused unless the member is in good standing, and while they
    hold an attestation that already runs to the end of the current membership; an attestation requested
    after the membership was renewed supersedes the previous one (which then expires at its own end).
    """
    if actor.pk != member.pk and not roles.is_association_staff(actor):
        raise NotAllowed(_("Only the member or the association's staff can request an attestation."))
    with transaction.atomic():
        # The membership row serialises two requests for the same member.
        membership = Membership.objects.select_for_update().filter(user=member).first()
        if membership is None or not membership.is_in_good_standing():
            raise NotAllowed(
                _("An attestation is issued only to members in good standing: see %(url)s to join or renew.")
                % {"url": settings.MEMBERSHIP_INFO_URL},
                code="membership_required",
            )
        until = end_of_day(membership.valid_until)
        current = (
            Credential.objects.filter(
                holder=member,
                kind=Credential.Kind.ATTESTATION,
                status__in=[Status.ISSUING, Status.ACTIVE, Status.SUSPENDED],
                successor__isnull=True,
            )
            .order_by("-valid_until")
            .first()
        )
        if current is not None and current.valid_until >= until:
            raise InvalidTransition(
                _("You already hold an attestation valid until the end of your membership."),
                code="attestation_exists",
            )
        now = timezone.now().replace(microsecond=0)
        statement = _statement(member=member, membership=membership, on=timezone.localdate(now))
        profile = attestation_profile()
        credential = create_credential(
            holder=member,
            profile=profile,
            scheme_version=profile.scheme_version,
            valid_from=now,
            decided_at=now,
            actor=actor,
            kind=Credential.Kind.ATTESTATION,
            basis=Credential.Basis.MEMBERSHIP,
            valid_until=until,
            predecessor=current,
            statement={"attestation": statement},
        )
        CredentialEvent.objects.create(credential=credential, action=STATEMENT_ACTION, actor=actor, data=statement)
    return credential


def sync_attestations_with_membership(*, member: User, on: datetime.date | None = None) -> dict[str, int]:
    """Suspend the active attestations of a member who is no longer in good standing (by the system, reason
    :data:`MEMBERSHIP_LAPSED`), and reinstate those suspended for that reason once they are in good standing
    again. Suspensions for any other reason are left to the staff. Returns ``{"suspended": n, "reinstated": n}``.

    Each credential is locked and checked again inside its own transaction, so running this twice, or from
    the signal and the daily sweep at once, changes nothing twice. Status lists are republished by the same
    machinery as an administrator's change (``credentials/services/status.py``), and the holder is e-mailed.
    """
    on = on or timezone.localdate()
    membership = Membership.objects.filter(user=member).first()
    in_good_standing = membership is not None and membership.is_in_good_standing(on)
    counts = {"suspended": 0, "reinstated": 0}
    if in_good_standing:
        candidates = Credential.objects.filter(
            holder=member,
            kind=Credential.Kind.ATTESTATION,
            status=Status.SUSPENDED,
            suspension_reason=MEMBERSHIP_LAPSED,
        )
    else:
        candidates = Credential.objects.filter(holder=member, kind=Credential.Kind.ATTESTATION, status=Status.ACTIVE)
    for credential_id in list(candidates.values_list("pk", flat=True)):
        if not in_good_standing:
            changed = status_changes.suspend_by_system(
                credential_id=credential_id,
                category=categories.MEMBERSHIP_LAPSED,
                reason=MEMBERSHIP_LAPSED,
                data={"membership": membership.status if membership else None},
            )
            counts["suspended"] += changed
        else:
            changed = status_changes.reinstate_by_system(
                credential_id=credential_id, suspended_for=MEMBERSHIP_LAPSED, reason="membership restored"
            )
            counts["reinstated"] += changed
    return counts


def sync_all_attestations(*, on: datetime.date | None = None) -> dict[str, int]:
    """The daily sweep: memberships lapse by date without anyone saving them, so every holder of an active
    or membership-suspended attestation is checked. For the lifecycle job; returns the totals."""
    holders = Credential.objects.filter(
        kind=Credential.Kind.ATTESTATION, status__in=[Status.ACTIVE, Status.SUSPENDED]
    ).values_list("holder_id", flat=True)
    totals = {"suspended": 0, "reinstated": 0}
    for holder_id in sorted(set(holders)):
        result = sync_attestations_with_membership(member=User.objects.get(pk=holder_id), on=on)
        for key in totals:
            totals[key] += result[key]
    return totals
