"""A verifier's journey in a real browser, on a phone-sized screen: scan the QR code printed on an issued
certificate → "Valid" → an admin revokes the credential with a reason → the same page now says "Revoked",
since when, and the category of the reason, never the admin's own words."""

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pypdfium2
import pytest
import zxingcpp
from django.db import connections
from playwright.sync_api import expect

from accounts.models import User
from credentials.models import Credential
from dossiers import services as dossier_services
from dossiers.models import Dossier, DossierStatus
from profiles.models import Profile

from ..conftest import fill_completely
from ..factories import PASSWORD, UserFactory, member
from .navigation import open_menu

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REASON = "The certified person's work experience was found to be falsified."


def log_in(page, user) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    open_menu(page)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def issued_credential() -> Credential:
    """An approval, as a decision makes it; the issuance pipeline runs when it commits (eager Celery).

    In a thread of its own: Playwright keeps an event loop running in the test's thread, and pyHanko's
    synchronous signing (the PDF seal) refuses to start another one there.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_approve_and_issue).result()


def _approve_and_issue() -> Credential:
    try:
        return _approve_and_issue_here()
    finally:
        connections.close_all()


def _approve_and_issue_here() -> Credential:
    profile = Profile.objects.get(code="ai-ml-engineer")
    applicant = member(first_name="Ada", last_name="Lovelace")
    dossier = dossier_services.start_dossier(owner=applicant, profile=profile)
    fill_completely(dossier, applicant)
    dossier_services.submit_dossier(dossier=dossier, actor=applicant)
    Dossier.objects.filter(pk=dossier.pk).update(status=DossierStatus.AWAITING_DECISION)
    dossier_services.change_status(dossier=dossier, to=DossierStatus.APPROVED, actor=None, action="decision.approved")
    credential = Credential.objects.get(dossier=dossier)
    assert credential.issuance == Credential.Issuance.DONE
    return credential


def url_in_the_printed_qr_code(credential: Credential) -> str:
    """What a phone camera reads off the certificate: the PDF rendered at print resolution, then decoded."""
    with credential.pdf.open("rb") as handle:
        document = pypdfium2.PdfDocument(handle.read())
    try:
        image = document[0].render(scale=300 / 72).to_pil()
    finally:
        document.close()
    (barcode,) = zxingcpp.read_barcodes(image)
    return barcode.text


def test_a_verifier_scans_the_certificate_sees_valid_and_after_a_revocation_sees_revoked_and_why(page, snap, catalogue):
    credential = issued_credential()
    verify_path = urlsplit(url_in_the_printed_qr_code(credential)).path
    assert verify_path.startswith("/v/")

    # The verifier's phone opens the QR code's link: no login.
    page.goto(verify_path)
    expect(page.locator(".verdict")).to_contain_text("Valid")
    expect(page.get_by_text("Ada Lovelace").first).to_be_visible()
    snap("verify-valid")

    # The secretariat revokes it, with the reason.
    admin = UserFactory(role=User.Role.ADMIN, is_staff=True)
    log_in(page, admin)
    page.goto(f"/credentials/manage/{credential.pk}/")
    revoke = page.locator("section[aria-labelledby=revoke-heading]")
    revoke.locator("select[name=category]").select_option("misconduct")
    revoke.locator("textarea[name=reason]").fill(REASON)
    revoke.locator("input[name=confirm]").check()
    revoke.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text(REASON).first).to_be_visible()
    snap("manage-revoked")

    # The same link, reloaded by the verifier (signed out): revoked, since when, and the reason's category only.
    page.context.clear_cookies()
    page.goto(verify_path)
    expect(page.locator(".verdict")).to_contain_text("Revoked")
    expect(page.locator(".verdict")).to_contain_text("Breach of the code of conduct")
    expect(page.locator(".verdict")).not_to_contain_text("Valid")
    assert REASON not in page.content()
    snap("verify-revoked")
