"""A holder's profile badge (issue 16), in both languages and at both widths, axe-core on every page: the credential
page shows the badge, loaded from its public address, with its alternative text and its downloads; the badge's own
addresses answer with the images."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from playwright.sync_api import expect

from credentials.models import Credential
from dossiers import services as dossier_services
from dossiers.models import Dossier, DossierStatus
from profiles.models import Profile

from ..conftest import fill_completely
from ..factories import PASSWORD, member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def issued_credential(language: str) -> Credential:
    """An issued credential, in a thread of its own: pyHanko's synchronous signing cannot run in the test's thread,
    where Playwright keeps an event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_issue, language).result()


def _issue(language: str) -> Credential:
    try:
        profile = Profile.objects.get(code="ai-ml-engineer")
        holder = member(first_name="Ada", last_name="Lovelace", preferred_language=language)
        dossier = dossier_services.start_dossier(owner=holder, profile=profile)
        fill_completely(dossier, holder)
        dossier_services.submit_dossier(dossier=dossier, actor=holder)
        Dossier.objects.filter(pk=dossier.pk).update(status=DossierStatus.AWAITING_DECISION)
        dossier_services.change_status(
            dossier=dossier, to=DossierStatus.APPROVED, actor=None, action="decision.approved"
        )
        credential = Credential.objects.select_related("holder", "profile").get(dossier=dossier)
        assert credential.issuance == Credential.Issuance.DONE
        return credential
    finally:
        connections.close_all()


def test_a_holder_sees_their_profile_badge_on_the_credential_page(seen_page, variant, catalogue):
    page = seen_page
    credential = issued_credential(variant.language)
    title = credential.profile.title_en if variant.language == "en" else credential.profile.title_it
    sign_in(page, credential.holder)

    page.goto(f"/credentials/{credential.pk}/")

    badge = page.get_by_role("img", name=variant.gettext("Badge of the profile %(title)s") % {"title": title})
    expect(badge).to_be_visible()
    expect(badge).to_have_attribute("src", "/profiles/ai-ml-engineer/badge.svg")
    # The browser drew it: an SVG that failed to load has no natural width.
    assert badge.evaluate("image => image.complete && image.naturalWidth") > 0
    box = badge.bounding_box()
    assert box is not None and box["width"] == pytest.approx(120, abs=1)
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    for ext in ("PNG", "SVG"):
        link = page.get_by_role("link", name=variant.gettext(f"Download the badge ({ext})"))
        expect(link).to_have_attribute("href", f"/profiles/ai-ml-engineer/badge.{ext.lower()}")

    png = page.request.get("/profiles/ai-ml-engineer/badge.png")
    assert png.ok and png.headers["content-type"] == "image/png" and png.body().startswith(b"\x89PNG")
