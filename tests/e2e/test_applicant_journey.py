"""The applicant's journey in a real browser: sign up → verify email → choose profile → fill every
section → upload evidence → submit → see the status."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Membership, User
from demo.files import pdf_bytes, png_bytes
from dossiers.models import Dossier, DossierStatus

from .navigation import open_menu

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-and-unusual-passphrase"


def assert_fits_a_phone(page) -> None:
    """Nothing forces sideways scrolling on a 390-pixel-wide phone screen."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"


def test_a_new_member_signs_up_builds_a_complete_dossier_and_submits_it(page, snap, catalogue, tmp_path):
    cv = tmp_path / "my-cv.pdf"
    cv.write_bytes(pdf_bytes("Curriculum vitae"))
    proof = tmp_path / "dashboard.png"
    proof.write_bytes(png_bytes("dashboard"))

    # Sign up.
    page.goto("/")
    open_menu(page)
    page.get_by_role("link", name="Sign up").first.click()
    page.fill("input[name=first_name]", "Grace")
    page.fill("input[name=last_name]", "Hopper")
    page.fill("input[name=email]", "grace@example.org")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    snap("signup")
    page.locator("form button[type=submit]").last.click()
    expect(page.get_by_role("heading", name=re.compile("Verify", re.I))).to_be_visible()

    # Verify the e-mail address with the link from the message.
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mail.outbox[-1].body).group(1)
    page.goto(link)
    page.locator("form button[type=submit]").last.click()
    if "/accounts/login/" in page.url:
        page.fill("input[name=login]", "grace@example.org")
        page.fill("input[name=password]", PASSWORD)
        page.locator("form button[type=submit]").last.click()

    # Choose a profile and apply.
    page.goto("/profiles/")
    snap("profiles")
    assert_fits_a_phone(page)
    page.get_by_role("link", name="AI Machine Learning Engineer").click()
    expect(page.get_by_role("heading", name="e-CF competences and levels")).to_be_visible()
    # Before any work, the page says that membership is required, with the link to join.
    expect(page.get_by_role("note")).to_contain_text("not yet a member")
    expect(page.get_by_role("note").get_by_role("link", name="Join or renew your membership")).to_be_visible()
    page.get_by_role("button", name="Apply for this profile").click()
    expect(page.locator(".badge")).to_have_text("Draft")
    expect(page.locator("ul.checklist li").first).to_contain_text("CV")
    # Not a member yet: the page says why submission is impossible and where to join.
    expect(page.locator(".message.error").get_by_text("not yet a member")).to_be_visible()
    expect(page.get_by_role("note").get_by_role("link", name="Join or renew your membership")).to_be_visible()
    snap("overview-empty")

    # The association's office registers the membership (in the Django admin, outside this journey).
    user = User.objects.get(email="grace@example.org")
    Membership.objects.create(
        user=user,
        member_number="AIPIA-00042",
        status=Membership.Status.ACTIVE,
        valid_until=timezone.localdate() + datetime.timedelta(days=365),
    )

    nav = page.get_by_role("navigation", name="Dossier sections")

    # CV: the PDF and the structured summary.
    nav.get_by_role("link", name="CV").click()
    page.locator("input[type=file]").set_input_files(str(cv))
    page.get_by_role("button", name="Upload the CV").click()
    expect(page.get_by_text("my-cv.pdf").first).to_be_visible()
    page.get_by_label("Headline:", exact=True).fill("Senior ML Engineer")
    page.get_by_label("Professional summary:", exact=True).fill(
        "Seven years taking machine learning models to production: pipelines, serving, monitoring, retraining."
    )
    page.get_by_label("Years of professional experience:", exact=True).fill("7")
    page.get_by_label("Highest education:", exact=True).fill("MSc Computer Science")
    page.get_by_role("button", name="Save the summary").click()
    expect(page.get_by_label("Headline:", exact=True)).to_have_value("Senior ML Engineer")

    # Evidence: a file that is not what its name says is refused, a real image is accepted.
    nav.get_by_role("link", name="Evidence").click()
    fake = tmp_path / "certificate.pdf"
    fake.write_bytes(b"\x7fELF\x02\x01\x01" + b"\x00" * 100)
    page.locator("input[type=file]").set_input_files(str(fake))
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_text("not an accepted type")).to_be_visible()
    page.locator("input[type=file]").set_input_files(str(proof))
    page.get_by_label("Description:", exact=True).fill("Monitoring dashboard")
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_text("dashboard.png").first).to_be_visible()
    snap("evidence")
    assert_fits_a_phone(page)

    # Training, with a date error first: the message appears and what was typed stays.
    nav.get_by_role("link", name="Training").click()
    page.get_by_label("Title:", exact=True).fill("MLOps Specialisation")
    page.get_by_label("Provider:", exact=True).fill("Politecnico di Milano")
    page.get_by_label("Start date:", exact=True).fill("2023-03-01")
    page.get_by_label("End date:", exact=True).fill("2023-01-01")
    page.get_by_label("Hours:", exact=True).fill("120")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_text("before the start date").first).to_be_visible()
    expect(page.get_by_label("Title:", exact=True)).to_have_value("MLOps Specialisation")
    page.get_by_label("End date:", exact=True).fill("2023-06-30")
    page.get_by_label("dashboard.png").check()
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_text("MLOps Specialisation").first).to_be_visible()

    # Experience, with the competences it demonstrates.
    nav.get_by_role("link", name="Experience").click()
    page.get_by_label("Employer:", exact=True).fill("PayFlow S.p.A.")
    page.get_by_label("Role:", exact=True).fill("Lead ML Engineer")
    page.get_by_label("Start date:", exact=True).fill("2020-01-01")
    page.get_by_label("Description:", exact=True).fill("Real-time fraud scoring platform.")
    page.get_by_label(re.compile(r"B\.1 ")).check()
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_text("PayFlow S.p.A.").first).to_be_visible()

    # Project portfolio.
    nav.get_by_role("link", name="Projects").click()
    page.get_by_label("Title:", exact=True).fill("Fraud scoring")
    page.get_by_label("Your role:", exact=True).fill("Technical lead")
    page.get_by_label("Description:", exact=True).fill("Streaming fraud models with p99 under 40 ms.")
    page.get_by_label("Outcomes:", exact=True).fill("Fraud losses down 23%.")
    page.get_by_label("Links:", exact=True).fill("https://example.org/case-study")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_text("Fraud scoring").first).to_be_visible()

    # Self-assessment for every competence of the profile.
    nav.get_by_role("link", name="Self-assessment").click()
    fieldsets = page.locator("form fieldset.card")
    count = fieldsets.count()
    assert count == 7
    for i in range(count):
        fieldset = fieldsets.nth(i)
        level = re.search(r"required level e-(\d)", fieldset.locator(":scope > legend").inner_text()).group(1)
        fieldset.locator("select").select_option(level)
        fieldset.locator("textarea").fill("I do this every week in production; see the fraud scoring project.")
    page.get_by_role("button", name="Save the self-assessment").click()
    snap("self-assessment")
    assert_fits_a_phone(page)

    # Overview: complete; submit; the status and the timeline show it.
    nav.get_by_role("link", name="Overview").click()
    expect(page.locator("ul.checklist li.done")).to_have_text("Your dossier is complete")
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.locator(".badge").first).to_have_text("Submitted")
    expect(page.locator("ol.timeline")).to_contain_text("Submitted")
    snap("submitted")
    assert_fits_a_phone(page)

    dossier = Dossier.objects.get(owner=user)
    assert dossier.status == DossierStatus.SUBMITTED
    assert dossier.submissions.get().manifest["files"][0]["sha256"]
    assert any("Submitted" in m.subject for m in mail.outbox)

    # The list of dossiers shows the status too, and editing is over.
    open_menu(page)
    page.get_by_role("link", name="My dossiers").first.click()
    expect(page.get_by_text("Submitted").first).to_be_visible()
