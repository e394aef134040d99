"""The completeness check's checklist: what the secretariat confirms of a submitted version before any assessment.

The items come from the scheme (every competence of the profile needs a self-assessment) and from the frozen
manifest of the version checked, never from the live dossier: identity and membership, CV, training, experience,
projects, evidence files, the self-assessment of each competence, the applicant's declarations. For each item the
checklist says what the version shows (``found``) and whether it is there at all (``present``); whether it is
good enough is the secretariat's verdict, recorded by ``services.completeness``. ``present`` is None where only a
person can tell (the declarations, kept outside the dossier).

Reads only. Labels are translated when read, so a check recorded in one language reads in the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.services import membership_problem
from dossiers.models import Dossier, DossierSubmission, EvidenceFile
from profiles.models import EcfCompetence

SELF_ASSESSMENT = "self_assessment:"
SECTIONS = ("identity", "cv", "training", "experience", "projects", "evidence")
DECLARATIONS = "declarations"


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    found: str
    present: bool | None


def label(key: str) -> str:
    """The item's title in the active language; a self-assessment item names its competence."""
    labels = {
        "identity": _("Identity and membership"),
        "cv": _("CV"),
        "training": _("Training"),
        "experience": _("Professional experience"),
        "projects": _("Projects"),
        "evidence": _("Evidence files"),
        DECLARATIONS: _("Declarations"),
    }
    if key.startswith(SELF_ASSESSMENT):
        code = key.removeprefix(SELF_ASSESSMENT)
        competence = EcfCompetence.objects.filter(code=code).first()
        title = f"{code} {competence.tr('title')}" if competence else code
        return _("Self-assessment: %(competence)s") % {"competence": title}
    return labels.get(key, key)


def _identity(manifest: dict[str, Any], owner: User) -> tuple[str, bool]:
    applicant = manifest.get("applicant", {})
    problem = membership_problem(user=owner)
    named = bool(str(applicant.get("name", "")).strip() and str(applicant.get("email", "")).strip())
    standing = problem or _("Member in good standing today.")
    return f"{applicant.get('name') or '—'} <{applicant.get('email') or '—'}>. {standing}", named and not problem


def _cv(manifest: dict[str, Any]) -> tuple[str, bool]:
    cv = manifest.get("cv", {})
    files = [f["name"] for f in manifest.get("files", []) if f.get("kind") == EvidenceFile.Kind.CV]
    years = cv.get("years_of_experience")
    parts = [
        _("CV file: %(names)s.") % {"names": ", ".join(files)} if files else _("No CV file."),
        _("Headline: %(headline)s.") % {"headline": cv.get("headline") or "—"},
        _("Summary: %(n)d characters.") % {"n": len(str(cv.get("summary") or "").strip())},
        _("Years of experience: %(years)s.") % {"years": "—" if years is None else years},
    ]
    present = bool(files and str(cv.get("headline") or "").strip() and str(cv.get("summary") or "").strip())
    return " ".join(parts), present and years is not None


def _entries(manifest: dict[str, Any], section: str) -> tuple[str, bool]:
    entries = manifest.get(section, [])
    count = len(entries)
    if section == "training":
        hours = sum(int(e.get("hours") or 0) for e in entries)
        found = ngettext(
            "%(count)d course or qualification, %(hours)d hours in all.",
            "%(count)d courses or qualifications, %(hours)d hours in all.",
            count,
        ) % {"count": count, "hours": hours}
    elif section == "experience":
        found = ngettext("%(count)d professional experience.", "%(count)d professional experiences.", count) % {
            "count": count
        }
    else:
        found = ngettext("%(count)d project.", "%(count)d projects.", count) % {"count": count}
    return found, count > 0


def _evidence(manifest: dict[str, Any]) -> tuple[str, bool]:
    names = [f["name"] for f in manifest.get("files", []) if f.get("kind") == EvidenceFile.Kind.EVIDENCE]
    count = len(names)
    found = ngettext("%(count)d evidence file: %(names)s.", "%(count)d evidence files: %(names)s.", count) % {
        "count": count,
        "names": ", ".join(names) or "—",
    }
    return found, count > 0


def _self_assessments(manifest: dict[str, Any], dossier: Dossier) -> list[ChecklistItem]:
    claimed = {s["competence"]: s for s in manifest.get("self_assessment", [])}
    items = []
    for pc in dossier.profile.profile_competences.select_related("competence"):
        key = f"{SELF_ASSESSMENT}{pc.competence.code}"
        entry = claimed.get(pc.competence.code)
        if entry is None:
            items.append(ChecklistItem(key, label(key), _("No self-assessment."), False))
            continue
        justification = str(entry.get("justification") or "").strip()
        found = _(
            "Claimed level e-%(claimed)s (the profile asks for e-%(required)s); justification of %(n)d characters."
        ) % {
            "claimed": entry.get("claimed_level"),
            "required": pc.level,
            "n": len(justification),
        }
        items.append(ChecklistItem(key, label(key), found, bool(justification and entry.get("claimed_level"))))
    return items


def checklist(*, dossier: Dossier, submission: DossierSubmission) -> list[ChecklistItem]:
    """Every item to check in ``submission`` of ``dossier``, in the order of the dossier's sections."""
    manifest = submission.manifest
    identity, identity_present = _identity(manifest, dossier.owner)
    items = [ChecklistItem("identity", label("identity"), identity, identity_present)]
    cv, cv_present = _cv(manifest)
    items.append(ChecklistItem("cv", label("cv"), cv, cv_present))
    for section in ("training", "experience", "projects"):
        found, present = _entries(manifest, section)
        items.append(ChecklistItem(section, label(section), found, present))
    evidence, evidence_present = _evidence(manifest)
    items.append(ChecklistItem("evidence", label("evidence"), evidence, evidence_present))
    items.extend(_self_assessments(manifest, dossier))
    items.append(
        ChecklistItem(
            DECLARATIONS,
            label(DECLARATIONS),
            _(
                "The declarations the scheme asks of the applicant (the information given is true; the scheme's rules "
                "and the code of conduct are accepted) are kept outside the dossier: confirm them from the "
                "association's records."
            ),
            None,
        )
    )
    return items
