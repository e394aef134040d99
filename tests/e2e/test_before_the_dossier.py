"""What an applicant meets before and while rating their competences (issue 15), in both languages and at both
widths: the membership notice before any work, with a link that leads somewhere, and a self-assessment that
offers each competence only the levels the e-CF framework defines for it."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from dossiers import services as dossier_services
from profiles.models import Profile

from ..factories import PASSWORD, UserFactory, member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_someone_not_yet_a_member_is_told_on_the_profile_page_before_applying_with_the_link_to_join(
    seen_page, variant, catalogue
):
    page = seen_page
    sign_in(page, UserFactory(preferred_language=variant.language))

    page.goto("/profiles/ai-ml-engineer/")

    note = page.get_by_role("note")
    expect(note).to_contain_text(variant.gettext("Only members in good standing can submit a dossier."))
    link = note.get_by_role("link", name=variant.gettext("Join or renew your membership"))
    expect(link).to_have_attribute("href", settings.MEMBERSHIP_INFO_URL)
    # The notice comes before the button that starts the work, not after it.
    apply = page.get_by_role("button", name=variant.gettext("Apply for this profile"))
    assert note.bounding_box()["y"] < apply.bounding_box()["y"]


def test_the_self_assessment_offers_each_competence_only_its_levels_and_says_the_range(seen_page, variant, catalogue):
    page = seen_page
    owner = member(preferred_language=variant.language)
    profile = Profile.objects.get(code="ai-ml-engineer")
    dossier = dossier_services.start_dossier(owner=owner, profile=profile)
    sign_in(page, owner)

    page.goto(f"/dossiers/{dossier.pk}/self-assessment/")

    for pc in profile.profile_competences.select_related("competence"):
        competence = pc.competence
        prefix = competence.code.replace(".", "-")
        options = page.locator(f"select[name='{prefix}-claimed_level'] option").all_inner_texts()
        assert options[1:] == [f"e-{n}" for n in range(competence.min_level, competence.max_level + 1)]
        expect(page.locator(f"#id_{prefix}-claimed_level_helptext")).to_have_text(
            variant.gettext("%(code)s is defined at levels e-%(low)d to e-%(high)d.")
            % {"code": competence.code, "low": competence.min_level, "high": competence.max_level}
        )
