"""Import and export of the whole profile catalogue (format ``aipia-catalogue/1``, docs/catalogue.md)."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction

from aipia.errors import DomainError

from .models import AssessmentCriterion, EcfCompetence, Profile, ProfileCompetence

CATALOGUE_FORMAT = "aipia-catalogue/1"
DEFAULT_CATALOGUE = Path(__file__).resolve().parent / "catalogue" / "default.json"
_PROFILE_TEXT = ("title", "summary", "mission")
_PROFILE_LISTS = (
    "main_tasks",
    "deliverables",
    "knowledge",
    "technical_skills",
    "cross_functional_skills",
    "interview_questions",
)


def _bilingual(value: Any, where: str) -> tuple[str, str]:
    if not isinstance(value, dict) or not value.get("en") or not value.get("it"):
        raise DomainError(f"{where}: expected an object with non-empty 'en' and 'it' texts.")
    return str(value["en"]), str(value["it"])


def _bilingual_list(value: Any, where: str) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise DomainError(f"{where}: expected a list.")
    out = []
    for i, item in enumerate(value):
        en, it = _bilingual(item, f"{where}[{i}]")
        out.append({"en": en, "it": it})
    return out


def _level(value: Any, where: str, low: int = 1, high: int = 5) -> int:
    if not isinstance(value, int) or not low <= value <= high:
        raise DomainError(f"{where}: expected a whole number from {low} to {high}.")
    return value


@transaction.atomic
def import_catalogue(*, data: dict[str, Any]) -> dict[str, int]:
    """Create or update every competence and profile in ``data``, matched by code.

    All or nothing: any invalid entry raises DomainError naming it, and nothing is written. Profiles and
    competences absent from ``data`` are left alone. Importing the same data twice changes nothing.
    Returns counts of created and updated rows.
    """
    if not isinstance(data, dict) or data.get("format") != CATALOGUE_FORMAT:
        raise DomainError(f"Not a catalogue: 'format' must be '{CATALOGUE_FORMAT}'.")
    counts = {
        "competences_created": 0,
        "competences_updated": 0,
        "profiles_created": 0,
        "profiles_updated": 0,
    }
    for i, item in enumerate(data.get("ecf_competences", [])):
        created = _import_competence(item, where=f"ecf_competences[{i}]")
        counts["competences_created" if created else "competences_updated"] += 1

    competences = {c.code: c for c in EcfCompetence.objects.all()}
    for i, item in enumerate(data.get("profiles", [])):
        where = f"profiles[{i}]"
        profile, created = _import_profile(item, where=where)
        counts["profiles_created" if created else "profiles_updated"] += 1
        _import_profile_competences(profile, item.get("competences", []), competences, where=where)
        _import_criteria(profile, item.get("criteria", []), where=where)
    return counts


def _import_competence(item: dict[str, Any], *, where: str) -> bool:
    """Create or update one e-CF competence; True if it was created."""
    code = str(item.get("code", ""))
    area = code[:1]
    if area not in EcfCompetence.Area.values or not code[2:].isdigit() or code[1:2] != ".":
        raise DomainError(f"{where}: '{code}' is not an e-CF code such as A.1 or E.9.")
    title_en, title_it = _bilingual(item.get("title"), f"{where}.title")
    description = item.get("description") or {"en": "", "it": ""}
    levels = item.get("levels") or [1, 5]
    low, high = (_level(v, f"{where}.levels") for v in levels)
    if low > high:
        raise DomainError(f"{where}.levels: the lowest level is above the highest.")
    _obj, created = EcfCompetence.objects.update_or_create(
        code=code,
        defaults={
            "area": area,
            "title_en": title_en,
            "title_it": title_it,
            "description_en": description.get("en", ""),
            "description_it": description.get("it", ""),
            "min_level": low,
            "max_level": high,
        },
    )
    return created


def _import_profile(item: dict[str, Any], *, where: str) -> tuple[Profile, bool]:
    """Create or update one profile's own fields (not its competences and criteria); True if it was created."""
    code = str(item.get("code", "")).strip()
    if not code:
        raise DomainError(f"{where}: 'code' is required.")
    defaults: dict[str, Any] = {}
    for name in _PROFILE_TEXT:
        defaults[f"{name}_en"], defaults[f"{name}_it"] = _bilingual(item.get(name), f"{where}.{name}")
    for name in _PROFILE_LISTS:
        defaults[name] = _bilingual_list(item.get(name, []), f"{where}.{name}")
    defaults["eqf_level"] = _level(item.get("eqf_level", 6), f"{where}.eqf_level", 1, 8)
    for name in ("standard_edition", "scheme_version"):
        if name in item:
            defaults[name] = str(item[name])
    for name in ("pass_rules", "cpd_rules"):
        if not isinstance(item.get(name, {}), dict):
            raise DomainError(f"{where}.{name}: expected an object.")
        defaults[name] = item.get(name, {})
    defaults["interview_required"] = bool(item.get("interview_required", False))
    defaults["is_published"] = bool(item.get("is_published", True))
    return Profile.objects.update_or_create(code=code, defaults=defaults)


def _import_profile_competences(
    profile: Profile, entries: list[Any], competences: dict[str, EcfCompetence], *, where: str
) -> None:
    """Make ``entries`` the profile's competences, in their order, with their levels; drop the others."""
    wanted = []
    for j, entry in enumerate(entries):
        competence = competences.get(entry.get("code"))
        if competence is None:
            raise DomainError(f"{where}.competences[{j}]: unknown e-CF competence '{entry.get('code')}'.")
        level = _level(entry.get("level"), f"{where}.competences[{j}].level")
        if not competence.min_level <= level <= competence.max_level:
            raise DomainError(
                f"{where}.competences[{j}]: {competence.code} is defined at levels "
                f"e-{competence.min_level}..e-{competence.max_level}, not e-{level}."
            )
        ProfileCompetence.objects.update_or_create(
            profile=profile, competence=competence, defaults={"level": level, "position": j}
        )
        wanted.append(competence.pk)
    profile.profile_competences.exclude(competence__in=wanted).delete()


def _import_criteria(profile: Profile, entries: list[Any], *, where: str) -> None:
    """Make ``entries`` the profile's assessment criteria, in their order; drop the others."""
    codes = []
    for j, entry in enumerate(entries):
        cwhere = f"{where}.criteria[{j}]"
        title_en, title_it = _bilingual(entry.get("title"), f"{cwhere}.title")
        description = entry.get("description") or {"en": "", "it": ""}
        try:
            weight = Decimal(str(entry.get("weight", "1")))
        except InvalidOperation as exc:
            raise DomainError(f"{cwhere}.weight: not a number.") from exc
        max_score = _level(entry.get("max_score", 4), f"{cwhere}.max_score", 1, 10)
        min_score = _level(entry.get("min_score", 0), f"{cwhere}.min_score", 0, max_score)
        AssessmentCriterion.objects.update_or_create(
            profile=profile,
            code=str(entry.get("code")),
            defaults={
                "title_en": title_en,
                "title_it": title_it,
                "description_en": description.get("en", ""),
                "description_it": description.get("it", ""),
                "weight": weight,
                "max_score": max_score,
                "min_score": min_score,
                "rubric": entry.get("rubric", []),
                "position": j,
            },
        )
        codes.append(str(entry.get("code")))
    profile.criteria.exclude(code__in=codes).delete()


def import_default_catalogue() -> dict[str, int]:
    return import_catalogue(data=json.loads(DEFAULT_CATALOGUE.read_text(encoding="utf-8")))


def export_catalogue() -> dict[str, Any]:
    """The whole catalogue in the import format: ``import_catalogue(data=export_catalogue())`` is a no-op."""

    def both(obj: Any, name: str) -> dict[str, str]:
        return {"en": getattr(obj, f"{name}_en"), "it": getattr(obj, f"{name}_it")}

    competences = [
        {
            "code": c.code,
            "area": c.area,
            "title": both(c, "title"),
            "description": both(c, "description"),
            "levels": [c.min_level, c.max_level],
        }
        for c in EcfCompetence.objects.all()
    ]
    profiles = []
    for p in Profile.objects.prefetch_related("profile_competences__competence", "criteria"):
        entry: dict[str, Any] = {"code": p.code}
        entry.update({name: both(p, name) for name in _PROFILE_TEXT})
        entry.update({name: getattr(p, name) for name in _PROFILE_LISTS})
        entry.update(
            {
                "eqf_level": p.eqf_level,
                "standard_edition": p.standard_edition,
                "scheme_version": p.scheme_version,
                "interview_required": p.interview_required,
                "is_published": p.is_published,
                "competences": [{"code": pc.competence.code, "level": pc.level} for pc in p.profile_competences.all()],
                "criteria": [
                    {
                        "code": c.code,
                        "title": both(c, "title"),
                        "description": both(c, "description"),
                        "weight": str(c.weight),
                        "max_score": c.max_score,
                        "min_score": c.min_score,
                        "rubric": c.rubric,
                    }
                    for c in p.criteria.all()
                ],
                "pass_rules": p.pass_rules,
                "cpd_rules": p.cpd_rules,
            }
        )
        profiles.append(entry)
    return {"format": CATALOGUE_FORMAT, "ecf_competences": competences, "profiles": profiles}
