"""The consumer desk in a real browser, in both languages and at both widths: a client finds a professional in the
public register, lodges a complaint from there, confirms it from the e-mail and reads its reference; a handler
declares no conflict of interest, acknowledges, reviews and upholds it; an administrator who did not handle it
suspends the credential, and the QR page says so at once."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from credentials.models import Credential
from desk.models import Case, Status
from dossiers import services as dossier_services
from dossiers.models import Dossier, DossierStatus
from profiles.models import Profile
from quality import report

from ..conftest import fill_completely
from ..factories import PASSWORD, UserFactory, member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://[^/\s]+(/desk/cases/[0-9a-f-]+/[0-9a-f]+/)")


def issued_credential() -> Credential:
    # In a thread of its own: pyHanko's synchronous signing refuses to start inside Playwright's event loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_issue).result()


def _issue() -> Credential:
    from django.db import connections

    try:
        holder = member(first_name="Mario", last_name="Rossi")
        dossier = dossier_services.start_dossier(owner=holder, profile=Profile.objects.get(code="ai-ml-engineer"))
        fill_completely(dossier, holder)
        dossier_services.submit_dossier(dossier=dossier, actor=holder)
        Dossier.objects.filter(pk=dossier.pk).update(status=DossierStatus.AWAITING_DECISION)
        dossier_services.change_status(
            dossier=dossier, to=DossierStatus.APPROVED, actor=None, action="decision.approved"
        )
        credential = Credential.objects.get(dossier=dossier)
        return credential
    finally:
        connections.close_all()


def log_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("form[action$='/logout/']")).to_have_count(1)


def log_out(page) -> None:
    page.context.clear_cookies()


def test_a_client_complains_from_the_register_and_an_upheld_complaint_suspends_the_credential(
    seen_page, variant, catalogue
):
    page, _ = seen_page, variant.gettext
    credential = issued_credential()
    handler = UserFactory(is_staff=True, first_name="Hana", last_name="Handler", preferred_language=variant.language)
    admin = UserFactory(is_staff=True, role=User.Role.ADMIN, first_name="Ada", last_name="Admin")

    # The client finds the professional in the register and follows its link to the desk.
    page.goto(f"/register/?q=Rossi&lang={variant.language}")
    page.get_by_role("link", name=_("Report a concern")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(_("Consumer desk"))
    expect(page.locator("#id_credential_reference")).to_have_value(credential.serial)
    page.fill("#id_sender_name", "Carla Verdi")
    page.fill("#id_sender_email", "carla@example.org")
    page.fill("#id_subject", "Model delivered without validation")
    page.fill("#id_message", "The model we paid for was delivered without the validation agreed in writing.")
    page.get_by_role("button", name=_("Send")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(_("Check your e-mail"))

    # The e-mail's link confirms the address; the case is received with its reference number.
    page.goto(LINK.search(mail.outbox[-1].body).group(1))
    page.get_by_role("button", name=_("Confirm and send")).click()
    case = Case.objects.get()
    assert case.status == Status.RECEIVED and case.credential_id == credential.pk
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.reference)
    expect(page.get_by_role("heading", name=_("What happens next"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]

    # Staff assign the handler, who declares no conflict and takes the complaint to an upheld decision.
    log_in(page, admin)
    page.goto("/desk/staff/")
    page.get_by_role("link", name=case.reference).click()
    page.locator("#action-assign select").select_option(str(handler.pk))
    page.locator("#action-assign button").click()
    log_out(page)
    log_in(page, handler)
    page.goto(f"/desk/staff/{case.pk}/")
    expect(page.get_by_text(case.message)).to_have_count(0)
    page.locator("#action-declare input[value=no]").check()
    page.locator("#action-declare button").click()
    expect(page.get_by_text(case.message)).to_be_visible()
    page.locator("#action-acknowledge button").click()
    page.locator("#action-review button").click()
    page.locator("#action-decide input[value=upheld]").check()
    page.fill("#action-decide textarea", "The validation agreed in writing was not delivered.")
    page.locator("#action-decide button").click()
    expect(page.locator(".badge.decided")).to_be_visible()
    log_out(page)

    # An administrator who did not handle it suspends the credential; the QR page says so at once.
    log_in(page, admin)
    page.goto(f"/desk/staff/{case.pk}/")
    page.locator("#action-credential select[name=credential_action]").select_option("suspend")
    page.locator("#action-credential select[name=category]").select_option("misconduct")
    page.fill("#action-credential textarea", "Upheld complaint.")
    page.locator("#action-credential button").click()
    credential.refresh_from_db()
    assert credential.status == Credential.Status.SUSPENDED
    page.goto(f"/v/{credential.token}?lang={variant.language}")
    expect(page.locator("main")).to_contain_text(_("Breach of the code of conduct"))

    # The period report counts the complaint, its outcome and the suspension.
    page.goto("/quality/report/")
    complaints = page.locator("section", has=page.get_by_role("heading", name=_("Consumer desk and complaints")))
    expect(complaints.locator("tr", has_text=_("complaints received").capitalize())).to_contain_text("1")
    expect(complaints.locator("svg")).to_have_count(1)
    figures = report.period_report(first_day=timezone.localdate(), last_day=timezone.localdate())["complaints"]
    assert figures["outcomes"]["upheld"] == 1 and figures["credentials_suspended"] == 1


def test_an_administrator_publishes_the_transparency_page_and_the_public_reads_it_in_their_language(seen_page, variant):
    page, _ = seen_page, variant.gettext
    admin = UserFactory(is_staff=True, role=User.Role.ADMIN)

    log_in(page, admin)
    page.goto("/quality/transparency/")
    fees = page.locator("form", has=page.locator("input[name=key][value=fees]"))
    fees.locator("input[name=fees-title_en]").fill("Fees")
    fees.locator("input[name=fees-title_it]").fill("Quote")
    fees.locator("textarea[name=fees-body_en]").fill("Certification costs 250 euro.")
    fees.locator("textarea[name=fees-body_it]").fill("La certificazione costa 250 euro.")
    fees.get_by_role("button", name=_("Publish")).click()
    expect(page.locator(".message")).to_contain_text(_("Published."))
    log_out(page)

    page.goto("/")
    page.get_by_role("link", name=_("Transparency")).click()
    expect(page.get_by_role("heading", name="Quote" if variant.language == "it" else "Fees")).to_be_visible()
    expect(page.locator("#fees")).to_contain_text(
        "La certificazione costa 250 euro." if variant.language == "it" else "Certification costs 250 euro."
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
