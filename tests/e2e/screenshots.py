"""`make screenshots`: the four journeys, step by step, at desktop and phone widths, as PNG files.

Not a test of the suite (its name does not start with test_; `make screenshots` collects it by name): Chromium
driven by Playwright against pytest-django's live server on a database seeded with the demo data
(``demo.services.seed_demo``, what `make run` serves), writing into SCREENSHOTS_DIR (var/screenshots/ from
`make screenshots`) one folder per width, ``<journey>-<step number>-<step>.png`` in each:

- applicant: the home page, signing up, then a demo member's complete dossier, submitted;
- committee: the secretariat's completeness check and assignment, both assessors' declarations and scores, the
  decision and what the applicant reads;
- verifier: the PDF certificate, the page its QR code opens, a check of the PDF itself, the public register,
  the credential's public page, and a suspended and a revoked credential;
- admin: the expiring credentials, a renewal's confirmation and its job, a suspension.

Each width gets a fresh database (the journeys change the demo data), and every page it loads is checked with
axe-core as in the browser tests.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from django.conf import settings
from django.db import connections
from playwright.sync_api import expect

from credentials.models import Credential
from credentials.services.public_page import set_public_page
from demo.services import DEMO_PASSWORD, seed_demo
from dossiers.models import Dossier, DossierStatus

from .navigation import click_in_menu, open_menu

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OUTPUT = Path(os.environ.get("SCREENSHOTS_DIR") or Path(settings.BASE_DIR) / "var" / "screenshots")
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


class Camera:
    """Saves each step of a journey as ``<folder>/<journey>-NN-<step>.png``, the whole page."""

    def __init__(self, page, folder: Path):
        self.page, self.folder, self.journey, self.number = page, folder, "", 0
        folder.mkdir(parents=True, exist_ok=True)

    def start(self, journey: str) -> None:
        self.journey, self.number = journey, 0

    def __call__(self, step: str) -> Path:
        self.number += 1
        path = self.folder / f"{self.journey}-{self.number:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def save_image(self, step: str, image) -> Path:
        self.number += 1
        path = self.folder / f"{self.journey}-{self.number:02d}-{step}.png"
        image.save(path)
        return path


def in_a_thread(function, *args):
    """Issuing seals with pyHanko, which refuses to run in the thread where Playwright keeps its event loop."""

    def run():
        try:
            return function(*args)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def sign_in(page, email: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture
def camera(browser, live_server, request):
    from .conftest import AccessibilityWatch

    width = request.param
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport=WIDTHS[width])
    context.set_default_timeout(20_000)
    page = context.new_page()
    watch = AccessibilityWatch(page)
    yield Camera(page, OUTPUT / width)
    context.close()
    assert not watch.found, "axe-core found accessibility violations\n" + watch.report()


@pytest.mark.parametrize("camera", list(WIDTHS), indirect=True)
def test_screenshots_of_the_four_journeys(camera):
    in_a_thread(seed_demo)
    applicant_journey(camera)
    committee_journey(camera)
    verifier_journey(camera)
    admin_journey(camera)
    taken = sorted(camera.folder.glob("*.png"))
    assert {path.name.split("-")[0] for path in taken} == {"applicant", "committee", "verifier", "admin"}


def applicant_journey(snap: Camera) -> None:
    page = snap.page
    snap.start("applicant")
    page.goto("/")
    snap("home")
    page.locator("main").get_by_role("link", name="Sign up").click()
    page.fill("input[name=first_name]", "Chiara")
    page.fill("input[name=last_name]", "Ferrara")
    page.fill("input[name=email]", "chiara.ferrara@example.org")
    page.fill("input[name=password1]", "a-long-and-unusual-passphrase")
    page.fill("input[name=password2]", "a-long-and-unusual-passphrase")
    snap("sign-up")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    snap("sign-up-confirm-email")

    # A member in good standing whose dossier is complete: from the list to the submission.
    sign_in(page, "marco.bianchi@demo.aipia.it")
    page.goto("/dossiers/")
    snap("my-dossiers")
    dossier = Dossier.objects.get(owner__email="marco.bianchi@demo.aipia.it", profile__code="ai-data-engineer")
    page.goto(f"/dossiers/{dossier.pk}/")
    snap("dossier-ready")
    page.locator("main a[href$='/self-assessment/']").first.click()
    snap("self-assessment")
    page.goto(f"/dossiers/{dossier.pk}/")
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.locator(".badge").first).to_have_text("Submitted")
    snap("submitted-what-happens-next")


def committee_journey(snap: Camera) -> None:
    page = snap.page
    snap.start("committee")
    dossier = Dossier.objects.get(owner__email="anna.rossi@demo.aipia.it", profile__code="ai-ml-engineer")
    assert dossier.status == DossierStatus.SUBMITTED

    sign_in(page, "admin@demo.aipia.it")
    click_in_menu(page, "Committee")
    snap("dashboard")
    page.goto(f"/committee/dossiers/{dossier.pk}/")
    snap("submitted-dossier")
    page.get_by_role("link", name="Check completeness").click()
    page.wait_for_url(re.compile(r"/completeness/$"))
    expect(page.locator("form fieldset.card").first).to_be_visible()
    for item in page.locator("form fieldset.card").all():
        item.get_by_label("Confirmed", exact=True).check()
    snap("completeness-check")
    page.get_by_role("button", name="Record the completeness check").click()
    expect(page.get_by_text("The dossier is complete: the assessment can start.")).to_be_visible()
    snap("assignment")
    page.get_by_role("button", name="Assign the selected assessors").click()
    expect(page.locator(".badge").first).to_have_text("Under assessment")
    snap("assigned")

    assessors = dossier.assignments.filter(role="assessor").select_related("member")
    for number, (assignment, score) in enumerate(zip(assessors, ("3", "4"), strict=True), start=1):
        sign_in(page, assignment.member.email)
        page.goto(f"/committee/assignments/{assignment.pk}/")
        if number == 1:
            snap("assessor-declaration")
        page.get_by_label("I have no conflict of interest with this applicant").check()
        page.get_by_role("button", name="Record my declaration").click()
        page.wait_for_load_state()
        if "/score/" not in page.url:
            page.locator("a[href$='/score/']").first.click()
        expect(page.locator("select[name^=score_]").first).to_be_visible()
        for select in page.locator("select[name^=score_]").all():
            select.select_option(score)
        page.get_by_label("Overall recommendation").select_option("pass")
        snap(f"scoresheet-assessor-{number}")
        page.get_by_role("button", name="Submit scores").click()
        expect(page.get_by_text("Submitted").first).to_be_visible()
        snap(f"scores-submitted-assessor-{number}")

    sign_in(page, "paolo.decision@demo.aipia.it")
    page.goto(f"/committee/dossiers/{dossier.pk}/decision/")
    page.get_by_label("Approve: certify the applicant").check()
    page.get_by_label("Rationale").fill("Consistent production evidence on every criterion; both assessors agree.")
    snap("decision")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Approved").first).to_be_visible()
    snap("decided")

    sign_in(page, "anna.rossi@demo.aipia.it")
    page.goto(f"/dossiers/{dossier.pk}/")
    snap("applicant-reads-the-decision")


def verifier_journey(snap: Camera) -> None:
    page = snap.page
    snap.start("verifier")
    credential = Credential.objects.get(
        holder__email="davide.russo@demo.aipia.it", dossier__isnull=False, issuance=Credential.Issuance.DONE
    )
    with credential.pdf.open("rb") as handle:
        pdf = handle.read()
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=150 / 72).to_pil()
    finally:
        document.close()
    snap.save_image("pdf-certificate", image)
    (barcode,) = zxingcpp.read_barcodes(image)
    qr_path = re.sub(r"^https?://[^/]+", "", barcode.text)
    assert qr_path.startswith("/v/")

    page.context.clear_cookies()
    page.goto(qr_path)
    expect(page.locator(".verdict")).to_contain_text("Valid")
    snap("qr-page")
    page.goto("/verify/")
    snap("verify-page")
    pdf_file = snap.folder / "certificate.pdf"
    pdf_file.write_bytes(pdf)
    try:
        page.locator("input[type=file]").set_input_files(str(pdf_file))
        page.locator("main form").filter(has=page.locator("input[type=file]")).locator("button[type=submit]").click()
        expect(page.locator(".verdict")).to_be_visible()
    finally:
        pdf_file.unlink()
    snap("pdf-checked")
    page.goto("/register/?q=Russo")
    snap("register")

    slug = set_public_page(credential=credential, holder=credential.holder, shared=True).public_slug
    page.goto(f"/c/{slug}")
    snap("public-page")

    for email, step in (("francesca.marino@demo.aipia.it", "suspended"), ("sofia.greco@demo.aipia.it", "revoked")):
        other = Credential.objects.filter(holder__email=email, dossier__isnull=True).first()
        page.goto(f"/v/{other.token}")
        snap(f"qr-page-{step}")


def admin_journey(snap: Camera) -> None:
    page = snap.page
    snap.start("admin")
    sign_in(page, "admin@demo.aipia.it")
    open_menu(page)
    snap("header-menu")
    page.goto("/credentials/manage/expiring/")
    expect(page.locator("input[id^=credential-]").first).to_be_visible()
    snap("expiring")
    expiring = Credential.objects.get(
        holder__email="marco.bianchi@demo.aipia.it", dossier__isnull=True, status=Credential.Status.ACTIVE
    )
    page.locator(f"#credential-{expiring.pk}").check()
    page.get_by_role("button", name="Renew", exact=True).click()
    snap("renewal-confirmation")
    page.get_by_role("button", name="Start the renewal").click()
    expect(page.locator("[data-field=status-text]")).to_have_text("Finished.", timeout=60_000)
    page.reload()
    snap("renewal-job")

    suspended = Credential.objects.filter(
        holder__email="davide.russo@demo.aipia.it", status=Credential.Status.ACTIVE
    ).first()
    page.goto(f"/credentials/manage/{suspended.pk}/")
    snap("credential")
    section = page.locator("section[aria-labelledby=suspend-heading]")
    section.locator("select[name=category]").select_option(index=1)
    section.locator("textarea[name=reason]").fill("A complaint about a model audit is being examined.")
    snap("suspension-form")
    section.get_by_role("button", name="Suspend").click()
    expect(page.locator(".badge").first).to_have_text("Suspended")
    snap("suspended")
