"""CPD: the rule check (totals, each cycle year, category caps), the holder's log, evidence uploads, ownership."""

import datetime
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts import roles
from aipia.errors import DomainError, InvalidTransition, NotAllowed
from credentials.models import CPDActivity, Credential
from credentials.services import cpd, renewal
from credentials.services.issuance import create_credential
from demo.files import pdf_bytes, png_bytes
from dossiers.uploads import UploadRejected

from ..factories import PASSWORD, UserFactory, member

RULES = {
    "validity_years": 3,
    "min_hours_total": 60,
    "min_hours_per_year": 15,
    "categories": [
        {"code": "training", "title": {"en": "Training and courses", "it": "Formazione e corsi"}, "max_share": 0.7},
        {"code": "teaching", "title": {"en": "Teaching", "it": "Docenza"}, "max_share": 0.4},
        {"code": "community", "title": {"en": "Community", "it": "Comunità"}, "max_share": 0.3},
    ],
}
START = datetime.date(2026, 3, 1)
END = datetime.date(2029, 3, 1)
AFTER = datetime.date(2029, 6, 1)


def act(date, category, hours):
    return SimpleNamespace(date=date, category=category, hours=Decimal(hours))


def check(activities, today=AFTER, rules=RULES):
    return cpd.cpd_progress(rules, activities, cycle_start=START, cycle_end=END, today=today)


def balanced(year_hours=("10", "8", "3")):
    """Each of the three years: training, teaching, community hours as given (21 h a year by default)."""
    return [
        act(START + datetime.timedelta(days=365 * year + 30), category, hours)
        for year in range(3)
        for category, hours in zip(("training", "teaching", "community"), year_hours, strict=True)
    ]


# --- the rules -------------------------------------------------------------------------------------------------


def test_a_balanced_record_meets_every_rule():
    progress = check(balanced())
    assert progress.met
    assert progress.counted_total == Decimal("63")
    assert [y.hours for y in progress.years] == [Decimal("21")] * 3
    assert progress.problems == []


def test_the_total_must_reach_the_minimum_over_the_cycle():
    progress = check(balanced(("9", "6", "1")))  # 16 h a year: each year passes, the cycle has 48 of 60
    assert all(y.met for y in progress.years)
    assert progress.counted_total == Decimal("48")
    assert not progress.met
    assert any("48 of the 60" in problem for problem in progress.problems)


def test_hours_over_a_category_cap_do_not_count():
    # Training is capped at 0.7 x 60 = 42 hours: 90 hours of training alone count for 42.
    activities = [act(START + datetime.timedelta(days=365 * y + 5), "training", "30") for y in range(3)]
    progress = check(activities)
    training = next(c for c in progress.categories if c.code == "training")
    assert training.hours == Decimal("90") and training.cap == Decimal("42.0") and training.counted == Decimal("42.0")
    assert progress.counted_total == Decimal("42.0") and progress.logged_total == Decimal("90")
    assert progress.uncounted == Decimal("48.0")
    assert all(y.met for y in progress.years)  # caps govern the cycle's mix, not each year's regularity
    assert not progress.met
    assert any("at most 42.0 count" in problem for problem in progress.problems)


def test_each_cycle_year_needs_its_own_minimum():
    activities = [*balanced(), act(START + datetime.timedelta(days=40), "training", "10")]
    activities = [a for a in activities if not (datetime.date(2027, 3, 1) <= a.date < datetime.date(2028, 3, 1))]
    progress = check(activities)
    assert [y.hours for y in progress.years] == [Decimal("31"), Decimal("0"), Decimal("21")]
    assert not progress.met
    assert any(problem.startswith("Year 2 (2027-03-01 to 2028-02-29)") for problem in progress.problems)


def test_a_three_year_cycle_has_three_years_ending_at_the_cycle_end():
    years = cpd.cycle_years(START, END)
    assert years == [
        (datetime.date(2026, 3, 1), datetime.date(2027, 2, 28)),
        (datetime.date(2027, 3, 1), datetime.date(2028, 2, 29)),
        (datetime.date(2028, 3, 1), datetime.date(2029, 3, 1)),
    ]


def test_activities_outside_the_cycle_or_in_unknown_categories_count_for_nothing():
    activities = [
        act(START - datetime.timedelta(days=1), "training", "20"),
        act(END + datetime.timedelta(days=1), "training", "20"),
        act(START + datetime.timedelta(days=3), "gardening", "20"),
    ]
    progress = check(activities)
    assert progress.counted_total == 0
    assert progress.logged_total == Decimal("20")  # the one inside the cycle
    assert [y.hours for y in progress.years] == [0, 0, 0]
    assert any("do not recognise" in problem for problem in progress.problems)


def test_years_are_labelled_past_current_and_future_as_of_today():
    progress = check([], today=datetime.date(2027, 6, 1))
    assert [y.state for y in progress.years] == ["past", "current", "future"]


def test_a_category_without_a_share_is_uncapped():
    rules = {**RULES, "categories": [{"code": "training", "title": {"en": "Training"}}]}
    progress = check(balanced(("21", "0", "0")), rules=rules)
    assert progress.categories[0].cap is None and progress.counted_total == Decimal("63")
    assert progress.met


# --- the log -----------------------------------------------------------------------------------------------------


@pytest.fixture
def credential(applicant, profile, django_capture_on_commit_callbacks) -> Credential:
    """A credential whose cycle started two years ago (its issuance is not needed to log CPD)."""
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(days=2 * 365)
    with django_capture_on_commit_callbacks(execute=False):
        return create_credential(
            holder=applicant, profile=profile, scheme_version="1.0", valid_from=start, decided_at=start, actor=None
        )


def log(credential, **overrides) -> CPDActivity:
    values = {
        "holder": credential.holder,
        "credential": credential,
        "date": timezone.localdate() - datetime.timedelta(days=10),
        "category": "training",
        "hours": "7.5",
        "description": "MLOps course, 3 days",
    }
    return cpd.log_activity(**{**values, **overrides})


def test_logging_an_activity_records_it_and_audits_it(credential):
    activity = log(credential)
    assert activity.hours == Decimal("7.5") and activity.holder == credential.holder
    event = credential.events.get(action="cpd.activity_logged")
    assert event.actor == credential.holder and event.data["activity"] == activity.pk


def test_the_progress_of_a_credential_counts_its_activities(credential):
    log(credential, hours="12")
    progress = cpd.progress_for(credential)
    assert progress.logged_total == Decimal("12") and not progress.met


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("category", "gardening", "invalid_category"),
        ("hours", "0", "invalid_hours"),
        ("hours", "-3", "invalid_hours"),
        ("hours", "1.25", "invalid_hours"),
        ("hours", "1001", "invalid_hours"),
        ("hours", "many", "invalid_hours"),
        ("description", "  ", "description_required"),
    ],
)
def test_invalid_activities_are_refused(credential, field, value, code):
    with pytest.raises(DomainError) as refused:
        log(credential, **{field: value})
    assert refused.value.code == code
    assert not CPDActivity.objects.exists()


def test_an_activity_cannot_be_dated_in_the_future_or_before_the_cycle(credential):
    with pytest.raises(DomainError, match="future"):
        log(credential, date=timezone.localdate() + datetime.timedelta(days=1))
    with pytest.raises(DomainError, match="within the credential's cycle"):
        log(credential, date=timezone.localdate(credential.valid_from) - datetime.timedelta(days=1))


def test_evidence_is_checked_by_content_and_stored_with_its_real_extension(credential):
    activity = log(credential, evidence=io.BytesIO(png_bytes()), evidence_name="certificate.pdf")
    assert activity.evidence.name.endswith("/certificate.png")
    assert len(activity.evidence_sha256) == 64
    with activity.evidence.open("rb") as handle:
        assert handle.read() == png_bytes()


def test_evidence_that_is_not_an_accepted_type_is_refused_whatever_its_name(credential):
    with pytest.raises(UploadRejected, match="not an accepted type"):
        log(credential, evidence=io.BytesIO(b"#!/bin/sh\necho hi\n" * 20), evidence_name="attendance.pdf")
    assert not CPDActivity.objects.exists()


def test_evidence_over_the_size_limit_is_refused(credential, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    with pytest.raises(UploadRejected, match="larger than the limit"):
        log(credential, evidence=io.BytesIO(pdf_bytes("x" * 4000)), evidence_name="big.pdf")
    assert not CPDActivity.objects.exists()


def test_only_the_holder_logs_and_deletes_activities(credential):
    stranger = member()
    with pytest.raises(NotAllowed):
        log(credential, holder=stranger)
    activity = log(credential)
    with pytest.raises(NotAllowed):
        cpd.delete_activity(holder=stranger, activity=activity)
    assert CPDActivity.objects.filter(pk=activity.pk).exists()


def test_the_holder_deletes_an_activity_and_its_evidence(credential, django_capture_on_commit_callbacks):
    activity = log(credential, evidence=io.BytesIO(png_bytes()), evidence_name="proof.png")
    storage, name = activity.evidence.storage, activity.evidence.name
    with django_capture_on_commit_callbacks(execute=True):
        cpd.delete_activity(holder=credential.holder, activity=activity)
    assert not CPDActivity.objects.filter(pk=activity.pk).exists()
    assert not storage.exists(name)
    assert credential.events.filter(action="cpd.activity_deleted").exists()


def test_an_activity_an_approved_renewal_relied_on_cannot_be_deleted(credential, admin_user):
    included = log(credential)
    Credential.objects.filter(pk=credential.pk).update(
        status=Credential.Status.ACTIVE, issuance=Credential.Issuance.DONE
    )
    renewal.renew_by_policy(credential=credential, actor=admin_user, note="policy", override_reason="Board decision 12")
    with pytest.raises(InvalidTransition, match="approved renewal relied on"):
        cpd.delete_activity(holder=credential.holder, activity=included)
    assert CPDActivity.objects.filter(pk=included.pk).exists()


def test_an_activity_a_rejected_application_included_can_still_be_deleted(credential, admin_user):
    activity = log(credential)
    Credential.objects.filter(pk=credential.pk).update(
        status=Credential.Status.ACTIVE,
        issuance=Credential.Issuance.DONE,
        valid_until=timezone.now() + datetime.timedelta(days=30),
    )
    credential.refresh_from_db()
    application = renewal.apply_for_renewal(
        credential=credential, holder=credential.holder, declaration="Still here", acknowledge_cpd_shortfall=True
    )
    renewal.reject_renewal(application=application, reviewer=admin_user, note="No evidence")
    cpd.delete_activity(holder=credential.holder, activity=activity)
    assert not CPDActivity.objects.filter(pk=activity.pk).exists()


def test_no_activity_is_logged_on_a_revoked_credential(credential):
    Credential.objects.filter(pk=credential.pk).update(status=Credential.Status.REVOKED)
    credential.refresh_from_db()
    with pytest.raises(InvalidTransition):
        log(credential)


# --- the API and the page ----------------------------------------------------------------------------------------


def test_the_api_lists_the_holders_record_with_its_progress(client, credential):
    log(credential, hours="10")
    client.force_login(credential.holder)
    answer = client.get(f"/api/v1/credentials/{credential.pk}/cpd/")
    assert answer.status_code == 200
    body = answer.json()
    assert [a["hours"] for a in body["activities"]] == ["10.0"]
    assert body["progress"]["met"] is False and body["progress"]["required_total"] == "60.0"
    assert len(body["progress"]["years"]) == 3


def test_the_api_logs_an_activity_with_an_evidence_file(client, credential):
    client.force_login(credential.holder)
    answer = client.post(
        f"/api/v1/credentials/{credential.pk}/cpd/",
        {
            "date": (timezone.localdate() - datetime.timedelta(days=3)).isoformat(),
            "category": "teaching",
            "hours": "4",
            "description": "Guest lecture",
            "evidence": SimpleUploadedFile("slides.pdf", pdf_bytes("slides"), content_type="application/pdf"),
        },
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["evidence"].endswith("/evidence/")
    activity = CPDActivity.objects.get()
    download = client.get(answer.json()["evidence"])
    with activity.evidence.open("rb") as stored:
        assert download.status_code == 200 and b"".join(download.streaming_content) == stored.read()
    download.close()


def test_the_api_refuses_a_disguised_evidence_file(client, credential):
    client.force_login(credential.holder)
    answer = client.post(
        f"/api/v1/credentials/{credential.pk}/cpd/",
        {
            "date": timezone.localdate().isoformat(),
            "category": "teaching",
            "hours": "4",
            "description": "Guest lecture",
            "evidence": SimpleUploadedFile("slides.pdf", b"MZ\x90\x00" * 100, content_type="application/pdf"),
        },
    )
    assert answer.status_code == 400 and answer.json()["code"] == "upload_rejected"


def test_cpd_evidence_downloads_under_a_name_we_choose_with_the_extension_of_its_content(client, credential):
    activity = log(credential, evidence=io.BytesIO(png_bytes()), evidence_name="certificate.html")
    client.force_login(credential.holder)

    response = client.get(f"/credentials/{credential.pk}/cpd/{activity.pk}/evidence/")

    assert response["Content-Disposition"] == f'attachment; filename="cpd-evidence-{activity.pk}.png"'
    assert response["Content-Type"] == "image/png" and "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == png_bytes()


def test_another_holders_record_and_activities_answer_404(client, credential):
    activity = log(credential, evidence=io.BytesIO(png_bytes()), evidence_name="proof.png")
    client.force_login(member())
    assert client.get(f"/api/v1/credentials/{credential.pk}/cpd/").status_code == 404
    assert client.delete(f"/api/v1/credentials/{credential.pk}/cpd/{activity.pk}").status_code == 404
    assert client.get(f"/credentials/{credential.pk}/cpd/").status_code == 404
    assert client.get(f"/credentials/{credential.pk}/cpd/{activity.pk}/evidence/").status_code == 404
    assert CPDActivity.objects.filter(pk=activity.pk).exists()


def test_the_holder_deletes_an_activity_through_the_api(client, credential):
    activity = log(credential)
    client.force_login(credential.holder)
    assert client.delete(f"/api/v1/credentials/{credential.pk}/cpd/{activity.pk}").status_code == 204
    assert not CPDActivity.objects.exists()


def test_the_cpd_page_shows_progress_bars_in_the_holders_language(client, credential):
    log(credential, hours="12")
    holder = credential.holder
    client.login(email=holder.email, password=PASSWORD)
    page = client.get(f"/credentials/{credential.pk}/cpd/", HTTP_ACCEPT_LANGUAGE="it")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="cpd-total"' in html and 'id="cpd-year-3"' in html
    assert "Formazione e corsi" in html


def test_the_cpd_page_logs_an_activity_from_the_form(client, credential):
    client.force_login(credential.holder)
    answer = client.post(
        f"/credentials/{credential.pk}/cpd/",
        {
            "date": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
            "category": "training",
            "hours": "6",
            "description": "Workshop on evaluation",
            "evidence": SimpleUploadedFile("attendance.png", png_bytes(), content_type="image/png"),
        },
    )
    assert answer.status_code == 302
    assert CPDActivity.objects.get().evidence.name.endswith(".png")


def test_the_cpd_page_shows_why_an_activity_was_refused(client, credential):
    client.force_login(credential.holder)
    answer = client.post(
        f"/credentials/{credential.pk}/cpd/",
        {
            "date": (timezone.localdate() + datetime.timedelta(days=5)).isoformat(),
            "category": "training",
            "hours": "6",
            "description": "Not yet",
        },
    )
    assert answer.status_code == 400
    assert "cannot be dated in the future" in answer.content.decode()
    assert not CPDActivity.objects.exists()


def test_a_stranger_is_not_a_reviewer(db):
    assert not roles.is_association_staff(UserFactory())
