"""A submission's manifest: the frozen content of a dossier as submitted, and its digest.

The committee assesses the manifest of the latest submission, never the live dossier; its SHA-256 over the
canonical JSON (sorted keys, no spaces) is stored with the submission and in the submission's audit event.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

from .models import Dossier, EvidenceFile, ExperienceEntry, ProjectEntry, SelfAssessment, TrainingEntry


def build_manifest(dossier: Dossier, *, number: int, submitted_at: datetime.datetime) -> dict[str, Any]:
    """The frozen content of ``dossier``: every section and every current file with its SHA-256."""
    return {
        "dossier": str(dossier.pk),
        "number": number,
        "submitted_at": submitted_at.isoformat(),
        "profile": {"code": dossier.profile.code, "scheme_version": dossier.scheme_version},
        "applicant": {
            "id": dossier.owner_id,
            "name": dossier.owner.get_full_name(),
            "email": dossier.owner.email,
        },
        "cv": {
            "headline": dossier.cv_headline,
            "summary": dossier.cv_summary,
            "years_of_experience": dossier.years_of_experience,
            "highest_education": dossier.highest_education,
        },
        "training": [_manifest_training(t) for t in dossier.training.all()],
        "experience": [_manifest_experience(e) for e in dossier.experience.all()],
        "projects": [_manifest_project(p) for p in dossier.projects.all()],
        "self_assessment": [
            _manifest_self_assessment(s) for s in dossier.self_assessments.select_related("competence")
        ],
        "files": [_manifest_file(f) for f in dossier.files.filter(removed_at__isnull=True)],
    }


def _evidence_ids(entry: TrainingEntry | ExperienceEntry | ProjectEntry | SelfAssessment) -> list[int]:
    return sorted(f.pk for f in entry.evidence.all())


def _manifest_training(entry: TrainingEntry) -> dict[str, Any]:
    return {
        "title": entry.title,
        "provider": entry.provider,
        "start_date": entry.start_date.isoformat(),
        "end_date": entry.end_date.isoformat() if entry.end_date else None,
        "hours": entry.hours,
        "evidence": _evidence_ids(entry),
    }


def _manifest_experience(entry: ExperienceEntry) -> dict[str, Any]:
    return {
        "employer": entry.employer,
        "role": entry.role,
        "start_date": entry.start_date.isoformat(),
        "end_date": entry.end_date.isoformat() if entry.end_date else None,
        "description": entry.description,
        "competences": sorted(c.code for c in entry.competences.all()),
        "evidence": _evidence_ids(entry),
    }


def _manifest_project(entry: ProjectEntry) -> dict[str, Any]:
    return {
        "title": entry.title,
        "role": entry.role,
        "description": entry.description,
        "technologies": entry.technologies,
        "outcomes": entry.outcomes,
        "links": entry.links,
        "evidence": _evidence_ids(entry),
    }


def _manifest_self_assessment(assessment: SelfAssessment) -> dict[str, Any]:
    return {
        "competence": assessment.competence.code,
        "claimed_level": assessment.claimed_level,
        "justification": assessment.justification,
        "evidence": _evidence_ids(assessment),
    }


def _manifest_file(evidence: EvidenceFile) -> dict[str, Any]:
    return {
        "id": evidence.pk,
        "kind": evidence.kind,
        "name": evidence.original_name,
        "content_type": evidence.content_type,
        "size": evidence.size,
        "sha256": evidence.sha256,
    }


def manifest_digest(manifest: dict[str, Any]) -> str:
    canonical = json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
