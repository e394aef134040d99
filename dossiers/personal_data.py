"""The personal data in dossiers, exported and erased for accounts/privacy.py (registered in apps.py).

Export: every dossier of the person, with its content, its files (attached), its submissions and the status
changes they were told about. Retention: the application material (``RETENTION_APPLICATION_DAYS`` from the
dossier's closing): evidence files deleted; CV summary, training, experience, projects, self-assessment
justifications and the submission manifests erased. On the closing of an account: drafts never submitted are
deleted, since no certification decision rests on them.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.personal_data import ERASED, Export, PersonalData, delete_file, event_entry, register, retention_cutoff

from .models import Dossier, DossierStatus, EvidenceFile
from .selectors import closed_dossiers


class DossierPersonalData(PersonalData):
    label = "dossiers"

    def export(self, *, user: User, export: Export) -> None:
        dossiers = Dossier.objects.filter(owner=user).select_related("profile").order_by("created_at")
        export.data["dossiers"] = [_dossier_entry(dossier, user=user, export=export) for dossier in dossiers]

    def erase_expired(self, *, now: datetime.datetime, holder: User | None) -> dict[str, int]:
        cutoff = retention_cutoff(now, "RETENTION_APPLICATION_DAYS")
        erased = sum(_erase_application_material(d) for d in closed_dossiers(closed_before=cutoff, owner=holder))
        return {"application_material": erased}

    def erase_account(self, *, user: User) -> dict[str, int]:
        return {"drafts": _delete_drafts(user)}


# --- export --------------------------------------------------------------------------------------------------


def _dossier_entry(dossier: Dossier, *, user: User, export: Export) -> dict[str, Any]:
    return {
        "id": dossier.pk,
        "profile": dossier.profile.code,
        "status": dossier.status,
        "created_at": dossier.created_at,
        "submitted_at": dossier.submitted_at,
        "cv_headline": dossier.cv_headline,
        "cv_summary": dossier.cv_summary,
        "years_of_experience": dossier.years_of_experience,
        "highest_education": dossier.highest_education,
        "files": [_file_entry(f, export=export) for f in dossier.files.order_by("pk")],
        **_content_entries(dossier),
        "submissions": list(dossier.submissions.values("submitted_at", "manifest_sha256").order_by("pk")),
        "events": [event_entry(e, user=user) for e in dossier.events.order_by("created_at", "pk")],
    }


def _file_entry(evidence: EvidenceFile, *, export: Export) -> dict[str, Any]:
    return {
        "kind": evidence.kind,
        "original_name": evidence.original_name,
        "description": evidence.description,
        "content_type": evidence.content_type,
        "size": evidence.size,
        "sha256": evidence.sha256,
        "uploaded_at": evidence.uploaded_at,
        "removed_at": evidence.removed_at,
        "path": export.attach(f"dossiers/{evidence.dossier_id}", evidence.file),
    }


def _content_entries(dossier: Dossier) -> dict[str, Any]:
    """The sections the applicant wrote: training, experience, projects and their self-assessment."""
    return {
        "training": list(
            dossier.training.values("title", "provider", "start_date", "end_date", "hours").order_by("pk")
        ),
        "experience": list(
            dossier.experience.values("employer", "role", "start_date", "end_date", "description").order_by("pk")
        ),
        "projects": list(
            dossier.projects.values("title", "role", "description", "technologies", "outcomes", "links").order_by("pk")
        ),
        "self_assessments": [
            {"competence": s.competence.code, "claimed_level": s.claimed_level, "justification": s.justification}
            for s in dossier.self_assessments.select_related("competence").order_by("pk")
        ],
    }


# --- erasure -------------------------------------------------------------------------------------------------


def _erase_application_material(dossier: Dossier) -> int:
    erased = 0
    with transaction.atomic():
        for evidence in dossier.files.all():
            if evidence.file.name or evidence.original_name != ERASED:
                delete_file(evidence.file)
                evidence.original_name, evidence.description = ERASED, ""
                evidence.removed_at = evidence.removed_at or timezone.now()
                evidence.save(update_fields=["file", "original_name", "description", "removed_at"])
                erased += 1
        for related in (dossier.training, dossier.experience, dossier.projects):
            count, _detail = related.all().delete()
            erased += count
        erased += dossier.self_assessments.exclude(justification="").update(justification="")
        erased += dossier.submissions.exclude(manifest={"erased": True}).update(manifest={"erased": True})
        if dossier.cv_headline or dossier.cv_summary or dossier.highest_education:
            dossier.cv_headline = dossier.cv_summary = dossier.highest_education = ""
            dossier.save(update_fields=["cv_headline", "cv_summary", "highest_education"])
            erased += 1
    return erased


def _delete_drafts(user: User) -> int:
    deleted = 0
    for dossier in Dossier.objects.filter(owner=user, status=DossierStatus.DRAFT, submitted_at__isnull=True):
        for evidence in dossier.files.all():
            delete_file(evidence.file)
        dossier.files.all().delete()
        dossier.events.all().delete()
        dossier.delete()
        deleted += 1
    return deleted


register(DossierPersonalData())
