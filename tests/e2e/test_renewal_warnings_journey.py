"""What a holder is told before it is too late (issue 15), in both languages and at both widths: the credential
page says in how many days it expires and links to the renewal; the renewal page says what the CPD still lacks,
refuses an application without the acknowledgement, and takes it with it."""

import datetime
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import expect

from credentials.models import Credential, RenewalApplication
from credentials.services.clock import end_of_day
from dossiers import services as dossier_services
from dossiers.models import Dossier, DossierStatus
from profiles.models import Profile

from ..conftest import fill_completely
from ..factories import PASSWORD, member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DAYS_LEFT = 30


def sign_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def credential_expiring_without_cpd(language: str) -> Credential:
    """An issued credential whose last day of validity is DAYS_LEFT days away, with no CPD logged.

    Issued in a thread of its own: Playwright keeps an event loop running in the test's thread, and pyHanko's
    synchronous signing (the PDF seal) refuses to start another one there."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_issue, language).result()


def _issue(language: str) -> Credential:
    try:
        profile = Profile.objects.get(code="ai-ml-engineer")
        holder = member(first_name="Grace", last_name="Hopper", preferred_language=language)
        dossier = dossier_services.start_dossier(owner=holder, profile=profile)
        fill_completely(dossier, holder)
        dossier_services.submit_dossier(dossier=dossier, actor=holder)
        Dossier.objects.filter(pk=dossier.pk).update(status=DossierStatus.AWAITING_DECISION)
        dossier_services.change_status(
            dossier=dossier, to=DossierStatus.APPROVED, actor=None, action="decision.approved"
        )
        credential = Credential.objects.get(dossier=dossier)
        assert credential.issuance == Credential.Issuance.DONE
        end = end_of_day(timezone.localdate() + datetime.timedelta(days=DAYS_LEFT))
        Credential.objects.filter(pk=credential.pk).update(
            valid_from=end - datetime.timedelta(days=3 * 365), valid_until=end
        )
        return Credential.objects.select_related("holder").get(pk=credential.pk)
    finally:
        connections.close_all()


def expected_banner(language: str, last_day: datetime.date) -> str:
    with translation.override(language):
        return translation.ngettext(
            "Your credential expires in %(days)s day, on %(date)s.",
            "Your credential expires in %(days)s days, on %(date)s.",
            DAYS_LEFT,
        ) % {"days": DAYS_LEFT, "date": date_format(last_day, "DATE_FORMAT")}


def test_a_holder_sees_the_expiry_banner_and_cannot_apply_with_short_cpd_without_acknowledging_it(
    seen_page, variant, catalogue
):
    page = seen_page
    credential = credential_expiring_without_cpd(variant.language)
    last_day = timezone.localdate() + datetime.timedelta(days=DAYS_LEFT)
    sign_in(page, credential.holder)

    # The credential page: the banner, with the days left and the date, and the way to renew.
    page.goto(f"/credentials/{credential.pk}/")
    banner = page.locator(".message.expiry")
    expect(banner).to_contain_text(expected_banner(variant.language, last_day))
    # My credentials says it too.
    page.goto("/credentials/")
    expect(page.locator(".message.expiry")).to_contain_text(expected_banner(variant.language, last_day))
    page.goto(f"/credentials/{credential.pk}/")
    page.locator(".message.expiry").get_by_role("link", name=variant.gettext("Apply for renewal")).click()
    page.wait_for_url(f"**/credentials/{credential.pk}/renewal/")

    # The renewal page says what is missing before anything is submitted.
    warning = page.locator("#cpd-shortfall")
    expect(warning).to_contain_text(variant.gettext("Your CPD does not meet the profile's rules yet."))
    expect(warning.locator("li")).to_have_count(4)  # the cycle's total and each of its three years
    checkbox = page.locator("input[name=acknowledge_cpd_shortfall]")
    expect(checkbox).not_to_be_checked()

    # Without the acknowledgement: refused, with the reason beside the box, and the declaration kept.
    declaration = "I lead the ML platform team at Example S.p.A. since 2024."
    page.fill("textarea[name=declaration]", declaration)
    page.get_by_role("button", name=variant.gettext("Submit the application")).click()
    expect(page.locator("#id_acknowledge_cpd_shortfall_error")).to_contain_text(
        variant.gettext("Tick the box to apply with incomplete CPD, or log the missing hours first.")
    )
    expect(page.locator("textarea[name=declaration]")).to_have_value(declaration)
    assert not RenewalApplication.objects.filter(credential=credential).exists()

    # With it: submitted.
    page.locator("input[name=acknowledge_cpd_shortfall]").check()
    page.get_by_role("button", name=variant.gettext("Submit the application")).click()
    expect(page.locator("#application-status")).to_have_text(variant.gettext("Submitted"))
    application = RenewalApplication.objects.get(credential=credential)
    assert application.cpd_snapshot["shortfall_acknowledged"] is True

    # The banner now leads to the application instead.
    page.goto(f"/credentials/{credential.pk}/")
    expect(
        page.locator(".message.expiry").get_by_role("link", name=variant.gettext("Open your renewal application"))
    ).to_be_visible()
