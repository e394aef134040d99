import copy
import json

import pytest
from django.core.management import call_command
from django.utils.html import escape
from rest_framework.test import APIClient

from aipia.errors import DomainError
from profiles.models import EcfCompetence, Profile
from profiles.services import DEFAULT_CATALOGUE, export_catalogue, import_catalogue

SEED_PROFILES = {"ai-ml-engineer", "ai-data-scientist", "ai-data-engineer", "ai-deep-learning-engineer"}


def test_the_catalogue_holds_all_41_ecf_competences_across_the_five_areas(catalogue):
    codes = list(EcfCompetence.objects.values_list("code", flat=True))
    assert len(codes) == 41
    assert {c[0] for c in codes} == {"A", "B", "C", "D", "E"}
    assert codes[0] == "A.1" and codes[-1] == "E.9"
    assert codes.index("D.10") > codes.index("D.9")


def test_the_four_seed_profiles_are_published_with_criteria_and_rules(catalogue):
    assert set(Profile.objects.values_list("code", flat=True)) == SEED_PROFILES
    for profile in Profile.objects.all():
        assert profile.title_en and profile.title_it and profile.mission_en and profile.mission_it
        assert profile.profile_competences.count() >= 5
        for pc in profile.profile_competences.select_related("competence"):
            assert pc.competence.min_level <= pc.level <= pc.competence.max_level
        assert profile.criteria.count() >= 4
        assert all([r["score"] for r in c.rubric] == [0, 1, 2, 3, 4] for c in profile.criteria.all())
        assert profile.pass_rules["min_assessors"] >= 2
        assert profile.cpd_rules["validity_years"] == 3


def test_the_ml_engineer_profile_carries_the_seed_text(catalogue):
    mle = Profile.objects.get(code="ai-ml-engineer")
    assert mle.mission_en.startswith("The AI Machine Learning Engineer turns the prototypes built by data scientists")
    tasks = [t["en"] for t in mle.main_tasks]
    assert "Implement reproducible, versioned training pipelines." in tasks
    assert len(tasks) == 6
    assert any("MLflow" in s["en"] for s in mle.technical_skills)


def test_importing_the_same_catalogue_twice_changes_nothing(catalogue):
    before = export_catalogue()
    counts = import_catalogue(data=json.loads(DEFAULT_CATALOGUE.read_text()))
    assert counts["profiles_created"] == 0 and counts["competences_created"] == 0
    assert export_catalogue() == before


def test_export_then_import_round_trips_an_edited_profile(catalogue):
    data = export_catalogue()
    data["profiles"][0]["title"]["it"] = "Titolo modificato"
    data["profiles"][0]["competences"] = data["profiles"][0]["competences"][:2]
    import_catalogue(data=data)
    profile = Profile.objects.get(code=data["profiles"][0]["code"])
    assert profile.title_it == "Titolo modificato"
    assert profile.profile_competences.count() == 2
    assert export_catalogue() == data


def test_an_invalid_catalogue_names_the_bad_entry_and_writes_nothing(catalogue):
    before = export_catalogue()
    data = copy.deepcopy(before)
    data["profiles"][1]["title"]["it"] = "cambiato"
    data["profiles"][2]["competences"][0]["level"] = 9
    with pytest.raises(DomainError, match=r"profiles\[2\]\.competences\[0\]"):
        import_catalogue(data=data)
    assert export_catalogue() == before


def test_a_level_outside_the_competences_range_is_refused(catalogue):
    data = export_catalogue()
    a1 = next(c for c in data["ecf_competences"] if c["code"] == "A.1")
    data["profiles"][0]["competences"].append({"code": "A.1", "level": a1["levels"][0] - 1})
    with pytest.raises(DomainError, match=r"A\.1 is defined at levels"):
        import_catalogue(data=data)


def test_the_export_and_import_commands_round_trip(catalogue, tmp_path):
    path = tmp_path / "catalogue.json"
    call_command("export_catalogue", str(path))
    Profile.objects.filter(code="ai-data-engineer").update(title_en="Changed")
    call_command("import_catalogue", str(path))
    assert Profile.objects.get(code="ai-data-engineer").title_en == "AI Data Engineer"


def test_profiles_are_public_through_the_api(catalogue):
    client = APIClient()
    listing = client.get("/api/v1/profiles/")
    assert listing.status_code == 200
    assert {p["code"] for p in listing.json()} == SEED_PROFILES
    detail = client.get("/api/v1/profiles/ai-ml-engineer/").json()
    assert detail["title"]["it"] and detail["competences"][0]["level"] in range(1, 6)
    assert detail["criteria"][0]["rubric"]
    assert client.get("/api/v1/profiles/no-such-profile/").status_code == 404


def test_an_unpublished_profile_is_hidden(catalogue, client):
    Profile.objects.filter(code="ai-data-engineer").update(is_published=False)
    assert APIClient().get("/api/v1/profiles/ai-data-engineer/").status_code == 404
    assert client.get("/profiles/ai-data-engineer/").status_code == 404
    assert b"AI Data Engineer" not in client.get("/profiles/").content


def test_the_profile_pages_show_competences_and_criteria_in_both_languages(catalogue, client):
    page = client.get("/profiles/ai-ml-engineer/").content.decode()
    assert "AI Machine Learning Engineer" in page and "B.1" in page and "CR1" in page
    client.post("/i18n/setlang/", {"language": "it", "next": "/"})
    italian = client.get("/profiles/ai-ml-engineer/").content.decode()
    mle = Profile.objects.get(code="ai-ml-engineer")
    assert escape(mle.mission_it[:60]) in italian
    assert "Competenze e-CF" in italian or "competenze" in italian.lower()
