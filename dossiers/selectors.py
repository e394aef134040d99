"""Reads of dossiers, always scoped to who is asking."""

from __future__ import annotations

import datetime

from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.http import Http404

from accounts.models import User
from profiles.models import Profile

from .models import CLOSED_STATUSES, OPEN_STATUSES, Dossier, DossierEvent, EvidenceFile


def own_dossiers(*, owner: User) -> QuerySet[Dossier]:
    return Dossier.objects.filter(owner=owner).select_related("profile")


def open_dossier_for(*, owner: User, profile: Profile) -> Dossier | None:
    return own_dossiers(owner=owner).filter(profile=profile, status__in=OPEN_STATUSES).first()


def get_own_dossier(*, owner: User, dossier_id) -> Dossier:
    """The caller's own dossier; anybody else's answers 404, so its existence is not revealed."""
    try:
        return own_dossiers(owner=owner).get(pk=dossier_id)
    except (Dossier.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such dossier.") from exc


def applicant_timeline(*, dossier: Dossier) -> QuerySet[DossierEvent]:
    """What the applicant sees of the audit trail: the status changes, with their reasons (questions asked,
    decision rationale). The committee's internal steps (who was assigned, conflicts) stay internal."""
    return dossier.events.exclude(to_status="").select_related("actor")


def current_files(*, dossier: Dossier) -> QuerySet[EvidenceFile]:
    return dossier.files.filter(removed_at__isnull=True)


def get_downloadable_file(*, user: User, dossier_id, file_id) -> EvidenceFile:
    """A file the user may download: today only the dossier's owner (the committee comes with assessment)."""
    dossier = get_own_dossier(owner=user, dossier_id=dossier_id)
    try:
        return dossier.files.get(pk=file_id)
    except (EvidenceFile.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such file.") from exc


def closed_dossiers(*, closed_before: datetime.datetime, owner: User | None = None) -> QuerySet[Dossier]:
    """Dossiers that reached their final status (approved, rejected, withdrawn) before ``closed_before``, which
    the retention periods count from (``closed_at``: the last event that moved them there); ``owner``'s only
    if given."""
    closed_at = (
        DossierEvent.objects.filter(dossier=OuterRef("pk"), to_status=OuterRef("status"))
        .values("dossier")
        .annotate(last=Max("created_at"))
        .values("last")
    )
    dossiers = Dossier.objects.filter(status__in=sorted(CLOSED_STATUSES)).annotate(closed_at=Subquery(closed_at))
    if owner is not None:
        dossiers = dossiers.filter(owner=owner)
    return dossiers.filter(closed_at__lt=closed_before)
