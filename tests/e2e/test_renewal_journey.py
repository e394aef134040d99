"""The renewal journey in a real browser: the holder follows the renewal link of the expiry reminder, signs in,
logs CPD hours with an evidence file, applies; staff approve on the review page; the holder opens the new
credential, which links to the old one, and downloads its sealed PDF."""

import datetime
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from django.db import connections
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from credentials.models import Credential, RenewalApplication
from credentials.services import cpd
from credentials.services.lifecycle import renewal_url
from demo.files import pdf_bytes
from dossiers import services as dossier_services
from dossiers.models import Dossier, DossierStatus
from profiles.models import Profile

from ..conftest import fill_completely
from ..factories import PASSWORD, UserFactory, member
from .navigation import open_menu

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page, user) -> None:
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    open_menu(page)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def credential_due_for_renewal() -> Credential:
    """An issued credential whose validity ends in 30 days, with two years of CPD already logged.

    Issued in a thread of its own: Playwright keeps an event loop running in the test's thread, and pyHanko's
    synchronous signing (the PDF seal) refuses to start another one there."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_issue).result()


def _issue() -> Credential:
    try:
        profile = Profile.objects.get(code="ai-ml-engineer")
        holder = member(first_name="Grace", last_name="Hopper")
        dossier = dossier_services.start_dossier(owner=holder, profile=profile)
        fill_completely(dossier, holder)
        dossier_services.submit_dossier(dossier=dossier, actor=holder)
        Dossier.objects.filter(pk=dossier.pk).update(status=DossierStatus.AWAITING_DECISION)
        dossier_services.change_status(
            dossier=dossier, to=DossierStatus.APPROVED, actor=None, action="decision.approved"
        )
        credential = Credential.objects.get(dossier=dossier)
        assert credential.issuance == Credential.Issuance.DONE
        end = timezone.now().replace(microsecond=0) + datetime.timedelta(days=30)
        Credential.objects.filter(pk=credential.pk).update(
            valid_from=end - datetime.timedelta(days=3 * 365), valid_until=end
        )
        credential.refresh_from_db()
        start, _end = cpd.cycle_of(credential)
        for year in range(2):
            day = start + datetime.timedelta(days=365 * year + 20)
            for category, hours in (("training", "12"), ("teaching", "8")):
                cpd.log_activity(
                    holder=holder,
                    credential=credential,
                    date=day,
                    category=category,
                    hours=hours,
                    description=f"{category}, year {year + 1}",
                )
        return credential
    finally:
        connections.close_all()


def test_a_holder_renews_from_the_reminder_link_and_downloads_the_new_certificate(page, snap, catalogue, tmp_path):
    credential = credential_due_for_renewal()
    holder = credential.holder

    # The reminder's link, opened signed out: sign in, then straight to the renewal page.
    page.goto(urlsplit(renewal_url(credential)).path)
    log_in(page, holder)
    expect(page.get_by_role("heading", name="Renew your credential")).to_be_visible()
    expect(page.locator(".cpd-progress")).to_have_attribute("data-met", "false")  # year 3 has no hours yet
    snap("renewal-before-cpd")

    # Log this year's CPD, with the certificate of attendance.
    page.get_by_role("link", name="Open the CPD log").click()
    evidence = tmp_path / "attendance.pdf"
    evidence.write_bytes(pdf_bytes("Certificate of attendance"))
    page.fill("input[name=date]", (timezone.localdate() - datetime.timedelta(days=5)).isoformat())
    page.select_option("select[name=category]", "professional_practice")
    page.fill("input[name=hours]", "20")
    page.fill("textarea[name=description]", "Model risk review of the credit scoring platform, documented")
    page.set_input_files("input[name=evidence]", str(evidence))
    page.get_by_role("button", name="Log the activity").click()
    expect(page.get_by_text("The activity is logged.")).to_be_visible()
    expect(page.locator(".cpd-progress")).to_have_attribute("data-met", "true")
    expect(page.get_by_role("link", name="Download")).to_have_count(1)
    snap("cpd-log")

    # Apply, with the declaration of continued practice.
    page.get_by_role("link", name="Renewal", exact=True).click()
    page.fill("textarea[name=declaration]", "I lead the ML platform team at Example S.p.A. since 2024.")
    page.get_by_role("button", name="Submit the application").click()
    expect(page.locator("#application-status")).to_have_text("Submitted")
    snap("applied")

    # Staff approve on the review page.
    reviewer = UserFactory(role=User.Role.ADMIN, is_staff=True)
    open_menu(page)
    page.get_by_role("button", name="Log out").click()
    page.goto("/credentials/renewals/")
    log_in(page, reviewer)
    page.get_by_role("link", name=credential.holder_name).click()
    expect(page.get_by_role("link", name="attendance.pdf")).to_be_visible()  # the evidence, downloadable
    page.get_by_label("Approve: issue the renewed credential").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#application-status")).to_have_text("Approved")
    snap("approved")

    application = RenewalApplication.objects.get(credential=credential)
    new = Credential.objects.get(pk=application.new_credential_id)
    assert new.predecessor_id == credential.pk and new.issuance == Credential.Issuance.DONE
    assert new.valid_from == credential.valid_until

    # The holder finds the new credential from the old one, and downloads its sealed PDF.
    open_menu(page)
    page.get_by_role("button", name="Log out").click()
    page.goto(f"/credentials/{credential.pk}/")
    log_in(page, holder)
    page.get_by_role("link", name=new.serial).click()
    expect(page.locator("span.badge.not_yet_valid")).to_have_text("Not yet valid")  # until the old one ends
    expect(page.get_by_role("link", name=credential.serial)).to_be_visible()  # and back to its predecessor
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF certificate").first.click()
    pdf = download_info.value.path().read_bytes()
    assert pdf.startswith(b"%PDF") and b"/ByteRange" in pdf  # PAdES-sealed
    with new.pdf.open("rb") as handle:
        assert handle.read() == pdf
    snap("new-credential")
