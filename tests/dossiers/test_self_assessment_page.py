"""The self-assessment page offers each competence only the levels the e-CF framework defines for it, and never
throws typed text away when something is refused (issue 15)."""

import re

import pytest

from dossiers.completeness import MIN_JUSTIFICATION_CHARS

JUSTIFICATION = "I tuned and monitored production models for drift over two years at Acme. " * 2


@pytest.fixture
def owner_client(client, applicant):
    client.force_login(applicant)
    return client


def offered_levels(html: str, prefix: str) -> list[str]:
    select = re.search(rf'<select name="{prefix}-claimed_level".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="(\d)"', select)


def test_each_competence_offers_only_the_levels_the_framework_defines_for_it(owner_client, dossier):
    html = owner_client.get(f"/dossiers/{dossier.pk}/self-assessment/").content.decode()

    for pc in dossier.profile.profile_competences.select_related("competence"):
        competence = pc.competence
        prefix = competence.code.replace(".", "-")
        expected = [str(n) for n in range(competence.min_level, competence.max_level + 1)]
        assert offered_levels(html, prefix) == expected, competence.code


def test_a_level_outside_the_competence_range_is_refused_and_the_typed_text_is_kept(owner_client, dossier):
    pc = next(
        pc for pc in dossier.profile.profile_competences.select_related("competence") if pc.competence.min_level > 1
    )
    prefix = pc.competence.code.replace(".", "-")

    response = owner_client.post(
        f"/dossiers/{dossier.pk}/self-assessment/",
        {f"{prefix}-claimed_level": "1", f"{prefix}-justification": JUSTIFICATION},
    )

    assert response.status_code == 400
    assert JUSTIFICATION.strip() in response.content.decode().replace("&#x27;", "'")
    assert not dossier.self_assessments.exists()
    assert len(JUSTIFICATION) >= MIN_JUSTIFICATION_CHARS
