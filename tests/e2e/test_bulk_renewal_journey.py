"""An administrator's bulk renewal in a real browser: a mix of credentials inside and outside the renewal rules is
selected on the expiring list; the confirmation shows the split and why; the administrator renews those outside
the rules too, with a reason; the job page lists what happened to each credential."""

import datetime
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from credentials.models import BulkJob, BulkJobItem, Credential, CredentialEvent
from credentials.services import issuance, status
from profiles.models import Profile

from ..credentials.test_renewal import log_enough
from ..factories import PASSWORD, UserFactory, member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REASON = "CPD records checked on paper by the board, minutes of 1 December"


def expiring_credentials(admin: User) -> dict[str, Credential]:
    """Four credentials ending in the next weeks: one within the rules, two without CPD, one revoked.

    Issued in a thread of its own: Playwright keeps an event loop running in the test's thread, and pyHanko's
    synchronous signing (the PDF seal) refuses to start another one there."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_issue, admin).result()


def _issue(admin: User) -> dict[str, Credential]:
    try:
        profile = Profile.objects.get(code="ai-ml-engineer")
        made = {}
        for days, name in ((30, "within"), (40, "no_cpd"), (50, "no_cpd_either"), (60, "revoked")):
            now = timezone.now().replace(microsecond=0)
            started = now - datetime.timedelta(days=3 * 365 - days)
            credential = issuance.create_credential(
                holder=member(first_name=name.replace("_", " ").title(), last_name="Example"),
                profile=profile,
                scheme_version=profile.scheme_version,
                valid_from=started,
                decided_at=started,
                actor=None,
            )
            made[name] = Credential.objects.get(pk=credential.pk)
        log_enough(made["within"])
        status.revoke(credential=made["revoked"], actor=admin, category="misconduct", reason="Forged portfolio")
        return made
    finally:
        connections.close_all()


def test_an_admin_renews_a_mix_sees_the_split_overrides_with_a_reason_and_reads_each_outcome(page, snap, catalogue):
    admin = UserFactory(role=User.Role.ADMIN, is_staff=True)
    credentials = expiring_credentials(admin)
    assert all(c.issuance == Credential.Issuance.DONE for c in credentials.values())

    page.goto("/accounts/login/?next=/credentials/manage/expiring/")
    page.fill("input[name=login]", admin.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page.get_by_role("heading", name="Expiring credentials")).to_be_visible()
    for credential in credentials.values():
        page.locator(f"#credential-{credential.pk}").check()
    page.get_by_role("button", name="Renew", exact=True).click()

    # The split, before anything happens.
    expect(page.locator("#count-within")).to_contain_text("1 credential is within the rules")
    expect(page.locator("#count-outside")).to_contain_text("2 credentials are outside the rules")
    expect(page.locator("#count-refused")).to_contain_text("1 credential cannot be renewed")
    expect(page.locator("#outside")).to_contain_text("CPD rules not met")
    expect(page.locator("#refused")).to_contain_text("revoked")
    assert not BulkJob.objects.exists()
    snap("bulk-renewal-split")

    page.get_by_label("Renew the 2 credentials outside the rules too").check()
    page.get_by_label("Reason for renewing outside the rules").fill(REASON)
    page.get_by_role("button", name="Start the renewal").click()

    expect(page.locator("[data-field=status-text]")).to_have_text("Finished.", timeout=60_000)
    page.reload()
    rows = page.locator("#bulk-items tbody tr")
    expect(rows).to_have_count(4)
    for name in ("within", "no_cpd", "no_cpd_either"):
        row = rows.filter(has_text=credentials[name].serial)
        expect(row).to_contain_text("Renewed")
        expect(row).to_contain_text("New credential AIPIA-")
    expect(rows.filter(has_text=credentials["revoked"].serial)).to_contain_text("revoked")
    expect(page.locator("#bulk-job")).to_contain_text(REASON)
    snap("bulk-renewal-outcomes")

    job = BulkJob.objects.get()
    assert sorted(job.items.values_list("status", flat=True)) == sorted(
        [BulkJobItem.Status.DONE] * 3 + [BulkJobItem.Status.FAILED]
    )
    for name in ("no_cpd", "no_cpd_either"):
        event = CredentialEvent.objects.get(credential=credentials[name], action="renewal.approved")
        assert event.data["override_reason"] == REASON
    assert (
        "override_reason"
        not in CredentialEvent.objects.get(credential=credentials["within"], action="renewal.approved").data
    )
