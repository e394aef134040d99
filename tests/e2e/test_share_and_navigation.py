"""Issue 16 as verifiers and admins meet the product, in English and Italian at desktop and phone widths, every page
checked with axe-core: a holder shares a credential on its public page and takes it back; an administrator's
header fits one line on a desktop and folds behind a menu button on a phone; the scoresheet and the expiring
list fit a phone with their section titles inside their boxes; the home page says what the association
certifies, lists the profiles and leads to applying and verifying."""

import datetime
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from assessments.models import Committee
from assessments.services import assignments, declarations
from credentials.models import Credential
from credentials.services import issuance
from demo.files import png_bytes
from dossiers import services as dossier_services
from dossiers.models import Dossier, DossierStatus
from profiles.models import Profile

from ..assessments.conftest import assess, check_complete, committee_user
from ..conftest import fill_completely, upload
from ..factories import PASSWORD, UserFactory, member
from .navigation import open_staff_group

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, user) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def assert_no_sideways_scrolling(page) -> None:
    """Nothing makes the page scroll sideways, and nothing sticks out of the screen but a wide table inside its
    own scrolling box."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"
    sticking_out = page.evaluate(
        """() => Array.from(document.querySelectorAll('body *'))
            .filter(e => !e.closest('.table-scroll') && e.getClientRects().length)
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
            .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))"""
    )
    assert not sticking_out, f"on {page.url} these stick out of the screen: {sticking_out}"


def in_a_thread(function, *args):
    """Run ``function`` (which issues and seals) in a thread of its own: Playwright keeps an event loop running in
    the test's thread, and pyHanko's synchronous signing refuses to start another one there."""

    def run():
        try:
            return function(*args)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def _issued_credential(language: str) -> Credential:
    profile = Profile.objects.get(code="ai-ml-engineer")
    applicant = member(first_name="Ada", last_name="Lovelace", preferred_language=language)
    dossier = dossier_services.start_dossier(owner=applicant, profile=profile)
    fill_completely(dossier, applicant)
    dossier_services.submit_dossier(dossier=dossier, actor=applicant)
    Dossier.objects.filter(pk=dossier.pk).update(status=DossierStatus.AWAITING_DECISION)
    dossier_services.change_status(dossier=dossier, to=DossierStatus.APPROVED, actor=None, action="decision.approved")
    credential = Credential.objects.select_related("profile", "holder").get(dossier=dossier)
    assert credential.issuance == Credential.Issuance.DONE
    return credential


def test_a_holder_shares_a_credential_on_its_public_page_and_switches_it_off(seen_page, variant, catalogue):
    page = seen_page
    credential = in_a_thread(_issued_credential, variant.language)
    sign_in(page, credential.holder)

    page.goto(f"/credentials/{credential.pk}/")
    section = page.locator("#public-page")
    expect(section.get_by_role("heading", name=variant.gettext("Public page"))).to_be_visible()
    section.get_by_role("button", name=variant.gettext("Switch the public page on")).click()

    credential.refresh_from_db()
    address = f"{settings.SITE_URL.rstrip('/')}/c/{credential.public_slug}"
    expect(page.locator(".messages")).to_contain_text(address)
    field = page.get_by_label(variant.gettext("Address of the public page"))
    expect(field).to_have_value(address)
    copy = section.get_by_role("button", name=variant.gettext("Copy the address"))
    expect(copy).to_be_visible()  # the script shows it; without script the field is copied by hand
    copy.click()
    said = section.locator("[data-copy-status]")
    expect(said).to_have_text(
        re.compile(
            "|".join(
                re.escape(variant.gettext(text))
                for text in ("Address copied.", "The address is selected: copy it with Ctrl+C (⌘C on a Mac).")
            )
        )
    )
    linkedin = page.get_by_role("link", name=variant.gettext("Add to LinkedIn profile"))
    assert f"%2Fc%2F{credential.public_slug}" in linkedin.get_attribute("href")
    assert_no_sideways_scrolling(page)

    # The page itself, as anyone who follows the link sees it.
    page.context.clear_cookies()
    page.goto(f"/c/{credential.public_slug}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
    expect(page.locator(".verdict")).to_contain_text(variant.gettext("Valid"))
    expect(page.locator(".competences li").first).to_be_visible()
    expect(page.locator("meta[property='og:url']")).to_have_attribute("content", address)
    expect(page.locator("meta[property='og:title']")).to_have_attribute("content", re.compile("^Ada Lovelace · "))
    expect(
        page.get_by_role("link", name=variant.gettext("Open the verification page (the QR code's page)"))
    ).to_have_attribute("href", re.compile(r"/v/"))
    expect(page.get_by_role("link", name=variant.gettext("Find it in the public register"))).to_be_visible()
    assert_no_sideways_scrolling(page)

    # Switched off, the address shows nothing.
    sign_in(page, credential.holder)
    page.goto(f"/credentials/{credential.pk}/")
    page.locator("#public-page").get_by_role("button", name=variant.gettext("Switch the public page off")).click()
    expect(page.locator(".messages")).to_contain_text(
        variant.gettext("Your credential's public page is off: its address no longer shows anything.")
    )
    assert page.request.get(f"/c/{credential.public_slug}").status == 404


def header_admin(language: str) -> User:
    admin = UserFactory(role=User.Role.ADMIN, is_staff=True, preferred_language=language)
    committee = Committee.objects.create(name="Technical committee")
    committee.profiles.add(Profile.objects.get(code="ai-ml-engineer"))
    committee_user(committee, is_assessor=True)
    return admin


def test_an_administrators_header_fits_a_desktop_line_and_folds_behind_a_menu_on_a_phone(seen_page, variant, catalogue):
    page = seen_page
    admin = header_admin(variant.language)
    sign_in(page, admin)
    page.goto("/")
    toggle = page.locator("[data-nav] .nav-toggle")
    group = page.locator("[data-nav-group]")
    staff_link = page.get_by_role("link", name=variant.gettext("Manage credentials"), exact=True)

    if variant.width == "desktop":
        expect(toggle).to_be_hidden()
        # One line: the brand and every item of the header share a top edge within a few pixels.
        tops = page.evaluate(
            "Array.from(document.querySelectorAll('[data-nav] .brand, [data-nav] .nav-menu > ul > li, [data-nav] "
            ".nav-group > summary')).map(e => e.getBoundingClientRect().top)"
        )
        heights = page.evaluate(
            "Array.from(document.querySelectorAll('[data-nav] .nav-menu > ul > li, [data-nav] .nav-group > summary'))"
            ".map(e => e.getBoundingClientRect().bottom)"
        )
        brand_box = page.locator("[data-nav] .brand").bounding_box()
        assert max(heights) <= brand_box["y"] + brand_box["height"] + 16, "the header wraps to a second line"
        assert max(tops) - min(tops) < 24, f"the header wraps to a second line: {tops}"
    else:
        expect(toggle).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(page.get_by_role("link", name=variant.gettext("My credentials"), exact=True)).to_be_hidden()
        # The keyboard opens it: the button is a real button.
        toggle.focus()
        page.keyboard.press("Enter")
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(page.get_by_role("link", name=variant.gettext("My credentials"), exact=True)).to_be_visible()
        assert toggle.get_attribute("aria-controls") == "site-menu"
    # The staff's links are grouped: closed at first, opened by its summary, closed again by Escape.
    expect(staff_link).to_be_hidden()
    open_staff_group(page)
    expect(staff_link).to_be_visible()
    expect(page.get_by_role("link", name=variant.gettext("Administration"), exact=True)).to_be_visible()
    assert_no_sideways_scrolling(page)
    staff_link.focus()
    page.keyboard.press("Escape")
    expect(staff_link).to_be_hidden()
    expect(group.locator("summary")).to_be_focused()
    if variant.width == "phone":
        page.keyboard.press("Escape")
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(toggle).to_be_focused()
        expect(page.get_by_role("link", name=variant.gettext("My credentials"), exact=True)).to_be_hidden()
    assert_no_sideways_scrolling(page)
    # And the staff link leads where it says.
    open_staff_group(page)
    staff_link.click()
    expect(page).to_have_url(re.compile(r"/credentials/manage/$"))


def test_without_script_every_header_link_is_there_and_the_menu_button_is_not(browser, live_server, variant, catalogue):
    context = browser.new_context(
        base_url=live_server.url, locale=variant.locale, viewport=variant.viewport, java_script_enabled=False
    )
    try:
        page = context.new_page()
        admin = header_admin(variant.language)
        sign_in(page, admin)
        page.goto("/")
        expect(page.locator("[data-nav] .nav-toggle")).to_be_hidden()
        expect(page.get_by_role("link", name=variant.gettext("My credentials"), exact=True)).to_be_visible()
        page.locator("[data-nav-group] summary").click()  # a <details> opens without script
        expect(page.get_by_role("link", name=variant.gettext("Manage credentials"), exact=True)).to_be_visible()
        assert_no_sideways_scrolling(page)
    finally:
        context.close()


def _scoresheet(language: str):
    profile = Profile.objects.get(code="ai-ml-engineer")
    applicant = member(first_name="Grace", last_name="Hopper", preferred_language=language)
    dossier = dossier_services.start_dossier(owner=applicant, profile=profile)
    fill_completely(dossier, applicant)
    # What real dossiers hold and a phone must still fit: a long address and a long file name, unbroken.
    dossier_services.save_project_entry(
        dossier=dossier,
        actor=applicant,
        title="Feature store",
        role="Lead",
        description="Online and offline features for the scoring models.",
        technologies="Python/PyTorch/scikit-learn/Feast/Kubernetes/Prometheus",
        outcomes="Latency down by half.",
        links=["https://git.example.org/" + "machine-learning-platform/" * 4 + "feature-store"],
    )
    upload(dossier, applicant, png_bytes(), "architecture-diagram-of-the-feature-store-final-version-2.png")
    dossier_services.submit_dossier(dossier=dossier, actor=applicant)
    committee = Committee.objects.create(name="Technical committee")
    committee.profiles.add(profile)
    secretary = UserFactory(is_staff=True)
    first, second = (committee_user(committee, is_assessor=True) for _ in range(2))
    check_complete(dossier, secretary)
    assignments.assign_assessors(dossier=dossier, actor=secretary, assessors=[first, second])
    assignment = dossier.assignments.get(member=first, role="assessor")
    declarations.declare_conflict_of_interest(assignment=assignment, actor=first, has_conflict=False)
    User.objects.filter(pk=first.pk).update(preferred_language=language)
    return assignment, first


def _submit_both(assignment) -> None:
    for other in assignment.dossier.assignments.filter(role="assessor"):
        assess(assignment.dossier, other.member, 3)


def assert_titles_inside_their_boxes(page, selector: str) -> None:
    """Each box's title (its legend) starts below the box's top border, rather than cutting through it."""
    found = page.evaluate(
        """selector => Array.from(document.querySelectorAll(selector)).map(box => {
            const legend = box.querySelector(':scope > legend');
            const b = box.getBoundingClientRect(), l = legend.getBoundingClientRect();
            const border = parseFloat(getComputedStyle(box).borderTopWidth);
            return {box: b.top + border, title: l.top, left: l.left >= b.left, right: l.right <= b.right + 0.5};
        })""",
        selector,
    )
    assert found, f"no {selector} on {page.url}"
    for box in found:
        assert box["title"] >= box["box"], f"a title overlaps its box's top border on {page.url}: {box}"
        assert box["left"] and box["right"], f"a title leaves its box on {page.url}: {box}"


def test_the_scoresheet_fits_the_screen_with_each_criterion_title_inside_its_box(seen_page, variant, catalogue):
    page = seen_page
    assignment, assessor = _scoresheet(variant.language)
    sign_in(page, assessor)

    page.goto(f"/committee/assignments/{assignment.pk}/score/")

    expect(page.locator("fieldset.criterion").first).to_be_visible()
    assert_titles_inside_their_boxes(page, "fieldset.criterion")
    assert_no_sideways_scrolling(page)

    # Submitted, beside the other assessor's sheet, with the amendment form.
    in_a_thread(_submit_both, assignment)
    page.reload()
    expect(page.locator(".sheet").first).to_be_visible()
    assert_no_sideways_scrolling(page)


def _expiring(language: str) -> User:
    admin = UserFactory(role=User.Role.ADMIN, is_staff=True, preferred_language=language)
    profile = Profile.objects.get(code="ai-ml-engineer")
    started = timezone.now().replace(microsecond=0) - datetime.timedelta(days=3 * 365 - 30)
    issuance.create_credential(
        holder=member(first_name="Expiring", last_name="Soon"),
        profile=profile,
        scheme_version=profile.scheme_version,
        valid_from=started,
        decided_at=started,
        actor=None,
    )
    return admin


def test_the_expiring_list_fits_the_screen_with_its_section_titles_inside_their_boxes(seen_page, variant, catalogue):
    page = seen_page
    admin = in_a_thread(_expiring, variant.language)
    sign_in(page, admin)

    page.goto("/credentials/manage/expiring/")

    expect(page.get_by_text("Expiring Soon").first).to_be_visible()
    assert_titles_inside_their_boxes(page, "fieldset.card")
    assert_no_sideways_scrolling(page)


def test_the_home_page_says_what_is_certified_lists_the_profiles_and_leads_to_applying_and_verifying(
    seen_page, variant, catalogue
):
    page = seen_page
    page.goto("/")

    expect(page.locator(".hero")).to_contain_text(settings.ASSOCIATION_NAME)
    expect(page.get_by_role("heading", level=1)).to_have_text(variant.gettext("Certification for AI professionals"))
    profiles = Profile.objects.filter(is_published=True)
    assert profiles.exists()
    for profile in profiles:
        link = page.locator(".home-profiles").get_by_role("link", name=profile.tr("title", variant.language))
        expect(link).to_have_attribute("href", f"/profiles/{profile.code}/")
    main = page.locator("main")
    expect(main.get_by_role("link", name=variant.gettext("Search the public register"))).to_have_attribute(
        "href", "/register/"
    )
    expect(main.get_by_role("link", name=variant.gettext("Verify a file or a serial number"))).to_have_attribute(
        "href", "/verify/"
    )
    main.get_by_role("link", name=variant.gettext("Sign up")).click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/"))
    assert_no_sideways_scrolling(page)
