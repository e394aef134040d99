"""What the holder is told before it is too late: the expiry banner on their credential pages (and the same reading
in the API), and the warning, with an explicit acknowledgement, before applying for renewal with incomplete CPD."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from rest_framework.test import APIClient

from credentials.models import Credential, CredentialEvent, RenewalApplication
from credentials.services import cpd, renewal
from credentials.services.clock import end_of_day

from .test_renewal import log_enough

AppStatus = RenewalApplication.Status


def valid_through(credential: Credential, last_day: datetime.date) -> Credential:
    """Make ``last_day`` the credential's last day of validity (three years of it, as issued)."""
    end = end_of_day(last_day)
    Credential.objects.filter(pk=credential.pk).update(
        valid_from=end - datetime.timedelta(days=3 * 365), valid_until=end
    )
    credential.refresh_from_db()
    return credential


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def shown(day: datetime.date) -> str:
    return date_format(day, "DATE_FORMAT")


def page(client, credential, name="") -> str:
    client.force_login(credential.holder)
    response = client.get(f"/credentials/{credential.pk}/{name}")
    assert response.status_code == 200
    return response.content.decode()


def banner(html: str) -> str:
    """The expiry banner of a page ("" when there is none)."""
    if 'class="message expiry' not in html:
        return ""
    return html.split('class="message expiry', 1)[1].split("</div>", 1)[0]


def sentence(text: str) -> str:
    return " ".join(text.split())


# --- the outlook: one reading of the renewal window --------------------------------------------------------------


@pytest.fixture
def credential(issued_credential) -> Credential:
    return valid_through(issued_credential, datetime.date(2031, 6, 30))


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return end_of_day(day - datetime.timedelta(days=1)) + datetime.timedelta(hours=hour)


@pytest.mark.parametrize(
    ("today", "state", "days_to_expiry"),
    [
        (datetime.date(2031, 6, 30) - datetime.timedelta(days=settings.RENEWAL_WINDOW_DAYS + 1), "not_open", 181),
        (datetime.date(2031, 6, 30) - datetime.timedelta(days=settings.RENEWAL_WINDOW_DAYS - 1), "expiring", 179),
        (datetime.date(2031, 6, 29), "expiring", 1),
        (datetime.date(2031, 6, 30), "expiring", 0),
        (datetime.date(2031, 7, 1), "grace", -1),
        (datetime.date(2031, 6, 30) + datetime.timedelta(days=settings.RENEWAL_GRACE_DAYS), "grace", -90),
        (datetime.date(2031, 6, 30) + datetime.timedelta(days=settings.RENEWAL_GRACE_DAYS + 2), "closed", -92),
    ],
)
def test_the_outlook_follows_the_renewal_window_and_its_grace_period(credential, today, state, days_to_expiry):
    assert settings.RENEWAL_WINDOW_DAYS == 180 and settings.RENEWAL_GRACE_DAYS == 90  # the defaults the rows assume
    outlook = renewal.outlook(credential, now=at(today))
    assert outlook.state == state
    assert outlook.days_to_expiry == days_to_expiry
    assert outlook.last_day == datetime.date(2031, 6, 30)
    assert outlook.shows_banner is (state != "not_open")
    # The same window as the one the applications are checked against.
    assert renewal.in_window(credential, now=at(today)) is (state in ("expiring", "grace"))


def test_the_window_opens_and_closes_at_midnight_in_the_issuers_time_zone_across_daylight_saving(credential):
    # Valid through 30 June 2031 (summer time in Rome); 180 days earlier is winter time.
    opens, closes = renewal.window(credential)
    assert opens == end_of_day(
        datetime.date(2031, 1, 1)
    )  # midnight starting 2 January in Rome, not 23:00 the day before
    assert closes == end_of_day(datetime.date(2031, 9, 28))
    outlook = renewal.outlook(credential, now=at(datetime.date(2031, 1, 2), hour=0))
    assert outlook.state == "expiring" and outlook.opens_on == datetime.date(2031, 1, 2)
    assert renewal.outlook(
        credential, now=end_of_day(datetime.date(2031, 1, 1)) - datetime.timedelta(minutes=30)
    ).state == ("not_open")


def test_the_outlook_window_is_read_from_the_settings(credential, settings):
    settings.RENEWAL_WINDOW_DAYS = 30
    settings.RENEWAL_GRACE_DAYS = 5
    assert renewal.outlook(credential, now=at(datetime.date(2031, 5, 30))).state == "not_open"
    assert renewal.outlook(credential, now=at(datetime.date(2031, 6, 1))).state == "expiring"
    closing = renewal.outlook(credential, now=at(datetime.date(2031, 7, 2)))
    assert closing.state == "grace" and closing.closes_on == datetime.date(2031, 7, 5) and closing.days_to_close == 3
    assert renewal.outlook(credential, now=at(datetime.date(2031, 7, 7))).state == "closed"


def test_the_outlook_says_what_the_holder_can_do_next(credential):
    now = at(datetime.date(2031, 6, 1))
    assert renewal.outlook(credential, now=now).next_step == "apply"
    application = RenewalApplication.objects.create(
        credential=credential,
        applicant=credential.holder,
        status=AppStatus.SUBMITTED,
        declaration="I practise",
        submitted_at=timezone.now(),
    )
    assert renewal.outlook(credential, now=now).next_step == "open_application"
    RenewalApplication.objects.filter(pk=application.pk).update(status=AppStatus.MORE_INFO)
    assert renewal.outlook(credential, now=now).next_step == "answer"
    RenewalApplication.objects.filter(pk=application.pk).update(status=AppStatus.REJECTED)
    assert renewal.outlook(credential, now=now).next_step == "apply"
    RenewalApplication.objects.filter(pk=application.pk).update(status=AppStatus.REASSESSMENT)
    assert renewal.outlook(credential, now=now).next_step == "new_dossier"


@pytest.mark.parametrize("status", [Credential.Status.REVOKED, Credential.Status.SUSPENDED])
def test_a_revoked_or_suspended_credential_has_no_renewal_outlook(credential, status):
    Credential.objects.filter(pk=credential.pk).update(status=status)
    credential.refresh_from_db()
    outlook = renewal.outlook(credential, now=at(datetime.date(2031, 6, 1)))
    assert outlook.state == "unavailable" and not outlook.shows_banner and outlook.next_step == ""


# --- the banner on the holder's pages ----------------------------------------------------------------------------


def test_a_credential_in_the_window_shows_the_days_left_and_the_link_to_renew(client, issued_credential):
    credential = valid_through(issued_credential, in_days(30))
    text = sentence(banner(page(client, credential)))
    assert f"Your credential expires in 30 days, on {shown(in_days(30))}." in text
    assert f'href="/credentials/{credential.pk}/renewal/"' in text and "Apply for renewal" in text
    listing = client.get("/credentials/").content.decode()
    assert f"Your credential expires in 30 days, on {shown(in_days(30))}." in sentence(banner(listing))


def test_one_day_before_the_end_the_banner_speaks_of_one_day(client, issued_credential):
    credential = valid_through(issued_credential, in_days(1))
    text = sentence(banner(page(client, credential)))
    assert f"Your credential expires in 1 day, on {shown(in_days(1))}." in text
    assert "1 days" not in text


def test_on_the_last_day_the_banner_says_today(client, issued_credential):
    credential = valid_through(issued_credential, in_days(0))
    assert f"Your credential expires today, {shown(in_days(0))}." in sentence(banner(page(client, credential)))


def test_a_credential_outside_the_window_shows_no_banner(client, issued_credential):
    credential = valid_through(issued_credential, in_days(settings.RENEWAL_WINDOW_DAYS + 20))
    assert banner(page(client, credential)) == ""
    assert banner(client.get("/credentials/").content.decode()) == ""


def test_an_expired_credential_in_its_grace_period_says_so_and_until_when(client, issued_credential):
    credential = valid_through(issued_credential, in_days(-10))
    text = sentence(banner(page(client, credential)))
    assert f"Your credential expired on {shown(in_days(-10))}." in text
    assert f"during the grace period, until {shown(in_days(80))}: 80 days left." in text
    assert "Apply for renewal" in text and "expires in" not in text


def test_after_the_grace_period_the_banner_points_to_a_new_dossier(client, issued_credential):
    credential = valid_through(issued_credential, in_days(-settings.RENEWAL_GRACE_DAYS - 5))
    text = sentence(banner(page(client, credential)))
    assert "Your credential expired on" in text and "The renewal period ended on" in text
    assert 'href="/dossiers/"' in text and "/renewal/" not in text


def test_with_an_application_waiting_the_banner_links_to_it(
    client, issued_credential, django_capture_on_commit_callbacks
):
    credential = valid_through(issued_credential, in_days(40))
    with django_capture_on_commit_callbacks(execute=False):
        renewal.apply_for_renewal(
            credential=credential, holder=credential.holder, declaration="I practise", acknowledge_cpd_shortfall=True
        )
    text = sentence(banner(page(client, credential)))
    assert "Your renewal application is with the association." in text
    assert "Open your renewal application" in text and "Apply for renewal" not in text


def test_a_renewed_credential_shows_no_banner(
    client, issued_credential, admin_user, django_capture_on_commit_callbacks
):
    credential = valid_through(issued_credential, in_days(20))
    log_enough(credential)
    with django_capture_on_commit_callbacks(execute=True):
        renewal.renew_by_policy(credential=credential, actor=admin_user, note="Board decision")
    assert banner(page(client, credential)) == ""


def test_the_api_gives_the_days_to_expiry_and_the_renewal_window(issued_credential):
    credential = valid_through(issued_credential, in_days(30))
    api = APIClient()
    api.force_authenticate(credential.holder)
    body = api.get(f"/api/v1/credentials/{credential.pk}/").json()
    assert body["days_to_expiry"] == 30
    assert body["renewal"] == {
        "state": "expiring",
        "last_day": in_days(30).isoformat(),
        # The window opens RENEWAL_WINDOW_DAYS before the end of validity, which is midnight after the last day.
        "opens_on": in_days(31 - settings.RENEWAL_WINDOW_DAYS).isoformat(),
        "closes_on": in_days(30 + settings.RENEWAL_GRACE_DAYS).isoformat(),
        "days_to_close": 30 + settings.RENEWAL_GRACE_DAYS,
        "next_step": "apply",
        "application": None,
    }
    [listed] = api.get("/api/v1/credentials/").json()
    assert listed["days_to_expiry"] == 30 and listed["renewal"]["state"] == "expiring"
    valid_through(credential, in_days(-3))
    expired = api.get(f"/api/v1/credentials/{credential.pk}/").json()
    assert expired["days_to_expiry"] == -3 and expired["renewal"]["state"] == "grace"


# --- applying with incomplete CPD --------------------------------------------------------------------------------


@pytest.fixture
def due_credential(issued_credential) -> Credential:
    return valid_through(issued_credential, in_days(45))


def test_the_service_refuses_an_unacknowledged_cpd_shortfall_and_changes_nothing(due_credential):
    events = CredentialEvent.objects.count()
    with pytest.raises(renewal.CpdShortfallNotAcknowledged) as refused:
        renewal.apply_for_renewal(credential=due_credential, holder=due_credential.holder, declaration="I practise")
    assert refused.value.code == "cpd_shortfall_not_acknowledged" and refused.value.status_code == 400
    assert any("of the 60 hours required" in problem for problem in refused.value.details)
    assert not RenewalApplication.objects.exists() and CredentialEvent.objects.count() == events


def test_an_acknowledged_cpd_shortfall_is_submitted_and_recorded(due_credential, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        application = renewal.apply_for_renewal(
            credential=due_credential,
            holder=due_credential.holder,
            declaration="I practise",
            acknowledge_cpd_shortfall=True,
        )
    assert application.status == AppStatus.SUBMITTED
    assert application.cpd_snapshot["progress"]["met"] is False
    assert application.cpd_snapshot["shortfall_acknowledged"] is True
    event = due_credential.events.get(action="renewal.submitted")
    assert event.data["cpd_shortfall_acknowledged"] is True


def test_no_acknowledgement_is_asked_when_the_cpd_rules_are_met(due_credential, django_capture_on_commit_callbacks):
    log_enough(due_credential)
    with django_capture_on_commit_callbacks(execute=False):
        application = renewal.apply_for_renewal(
            credential=due_credential, holder=due_credential.holder, declaration="I practise"
        )
    assert application.cpd_snapshot["progress"]["met"] is True
    assert "shortfall_acknowledged" not in application.cpd_snapshot
    assert "cpd_shortfall_acknowledged" not in due_credential.events.get(action="renewal.submitted").data


def test_a_resubmission_with_cpd_still_short_needs_the_acknowledgement_too(
    due_credential, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        application = renewal.apply_for_renewal(
            credential=due_credential,
            holder=due_credential.holder,
            declaration="I practise",
            acknowledge_cpd_shortfall=True,
        )
        renewal.request_more_information(application=application, reviewer=admin_user, note="Log your hours")
    with pytest.raises(renewal.CpdShortfallNotAcknowledged):
        renewal.resubmit(application=application, holder=due_credential.holder, declaration="Still short")
    application.refresh_from_db()
    assert application.status == AppStatus.MORE_INFO and application.declaration == "I practise"
    with django_capture_on_commit_callbacks(execute=False):
        renewal.resubmit(
            application=application,
            holder=due_credential.holder,
            declaration="Still short",
            acknowledge_cpd_shortfall=True,
        )
    application.refresh_from_db()
    assert application.status == AppStatus.SUBMITTED and application.cpd_snapshot["shortfall_acknowledged"] is True


@dataclass
class Logged:
    date: datetime.date
    category: str
    hours: Decimal


def test_the_shortfall_counts_the_hours_still_needed():
    rules = {"min_hours_total": 60, "min_hours_per_year": 15, "categories": [{"code": "training"}]}
    activities = [
        Logged(date=datetime.date(2029, 2, 1), category="training", hours=Decimal(20)),
        Logged(date=datetime.date(2030, 2, 1), category="training", hours=Decimal(10)),
    ]
    progress = cpd.cpd_progress(
        rules,
        activities,
        cycle_start=datetime.date(2029, 1, 1),
        cycle_end=datetime.date(2031, 12, 31),
        today=datetime.date(2031, 10, 1),
    )
    gap = cpd.shortfall(progress)
    assert gap is not None and gap.missing_total == 30 and gap.counted_total == 30 and gap.required_total == 60
    assert [(y.number, y.hours, y.missing) for y in gap.years] == [(2, 10, 5), (3, 0, 15)]
    activities.append(Logged(date=datetime.date(2031, 2, 1), category="training", hours=Decimal(30)))
    activities.append(Logged(date=datetime.date(2030, 3, 1), category="training", hours=Decimal(5)))
    met = cpd.cpd_progress(
        rules,
        activities,
        cycle_start=datetime.date(2029, 1, 1),
        cycle_end=datetime.date(2031, 12, 31),
        today=datetime.date(2031, 10, 1),
    )
    assert met.met and cpd.shortfall(met) is None


def test_the_renewal_page_says_what_is_missing_and_asks_for_the_acknowledgement(client, due_credential):
    html = page(client, due_credential, "renewal/")
    warning = sentence(html.split('id="cpd-shortfall"', 1)[1].split("</div>", 1)[0])
    assert "Over the cycle: 60.0 more hours needed (0 of the 60 required count so far)." in warning or (
        "Over the cycle: 60 more hours needed (0 of the 60 required count so far)." in warning
    )
    assert "Year 3" in warning and "15 more hours needed" in warning
    assert "refuse the renewal, or send you to a full re-assessment" in warning
    assert 'name="acknowledge_cpd_shortfall"' in html and "I understand my CPD is incomplete" in html


def test_the_renewal_page_refuses_an_unacknowledged_shortfall_with_a_field_error(client, due_credential):
    client.force_login(due_credential.holder)
    refused = client.post(f"/credentials/{due_credential.pk}/renewal/", {"declaration": "I practise"})
    assert refused.status_code == 400
    html = refused.content.decode()
    error = html.split('id="id_acknowledge_cpd_shortfall_error"', 1)[1].split("</ul>", 1)[0]
    assert "Tick the box to apply with incomplete CPD" in error
    assert "I practise" in html  # what was typed is kept
    assert not RenewalApplication.objects.exists()
    assert not due_credential.events.filter(action__startswith="renewal.").exists()


def test_the_renewal_page_accepts_an_acknowledged_shortfall(client, due_credential, django_capture_on_commit_callbacks):
    client.force_login(due_credential.holder)
    with django_capture_on_commit_callbacks(execute=False):
        answer = client.post(
            f"/credentials/{due_credential.pk}/renewal/",
            {"declaration": "I practise", "acknowledge_cpd_shortfall": "on"},
        )
    assert answer.status_code == 302
    assert RenewalApplication.objects.get().cpd_snapshot["shortfall_acknowledged"] is True


def test_the_renewal_page_does_not_ask_when_the_cpd_rules_are_met(
    client, due_credential, django_capture_on_commit_callbacks
):
    log_enough(due_credential)
    html = page(client, due_credential, "renewal/")
    assert 'id="cpd-shortfall"' not in html and 'name="acknowledge_cpd_shortfall"' not in html
    with django_capture_on_commit_callbacks(execute=False):
        answer = client.post(f"/credentials/{due_credential.pk}/renewal/", {"declaration": "I practise"})
    assert answer.status_code == 302 and RenewalApplication.objects.count() == 1


def test_the_api_refuses_an_unacknowledged_shortfall_with_400(
    client, due_credential, django_capture_on_commit_callbacks
):
    client.force_login(due_credential.holder)
    url = f"/api/v1/credentials/{due_credential.pk}/renewal"
    refused = client.post(url, {"declaration": "I practise"}, content_type="application/json")
    assert refused.status_code == 400
    body = refused.json()
    assert body["code"] == "cpd_shortfall_not_acknowledged" and "incomplete" in body["detail"]
    assert any("60 hours required" in line for line in body["missing"])
    assert not RenewalApplication.objects.exists()
    declined = client.post(
        url, {"declaration": "I practise", "acknowledge_cpd_shortfall": False}, content_type="application/json"
    )
    assert declined.status_code == 400 and not RenewalApplication.objects.exists()
    with django_capture_on_commit_callbacks(execute=False):
        accepted = client.post(
            url, {"declaration": "I practise", "acknowledge_cpd_shortfall": True}, content_type="application/json"
        )
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["cpd_met"] is False


def test_the_api_does_not_ask_when_the_cpd_rules_are_met(client, due_credential, django_capture_on_commit_callbacks):
    log_enough(due_credential)
    client.force_login(due_credential.holder)
    with django_capture_on_commit_callbacks(execute=False):
        accepted = client.post(
            f"/api/v1/credentials/{due_credential.pk}/renewal",
            {"declaration": "I practise"},
            content_type="application/json",
        )
    assert accepted.status_code == 201 and accepted.json()["cpd_met"] is True


def test_the_schema_documents_the_acknowledgement_and_the_renewal_outlook(db):
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    components = schema["components"]["schemas"]
    apply_input = components["RenewalApplicationInputRequest"]["properties"]
    assert apply_input["acknowledge_cpd_shortfall"]["type"] == "boolean"
    operation = schema["paths"]["/api/v1/credentials/{id}/renewal"]["post"]
    assert "cpd_shortfall_not_acknowledged" in operation["responses"]["400"]["description"]
    holder = components["HolderCredential"]["properties"]
    assert holder["days_to_expiry"]["type"] == "integer" and "renewal" in holder
