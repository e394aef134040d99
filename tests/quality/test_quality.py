"""Transparency, impartiality risks, personnel records and the period report: pages, API and what they count."""

import csv
import datetime
import io

import pytest
from django.core import mail  # noqa: F401
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from aipia.errors import DomainError, NotAllowed
from assessments.models import Committee, CommitteeMember, ImpartialityDeclaration
from credentials.documents import categories
from desk import services as desk
from desk.models import Kind, Outcome
from quality import report, services
from quality.models import ImpartialityRisk, PublishedSection, SectionRevision

from ..factories import UserFactory


@pytest.fixture
def admin(db) -> User:
    return UserFactory(role=User.Role.ADMIN, is_staff=True)


def publish(admin, **overrides):
    values = {
        "key": "statute",
        "title_en": "Statute",
        "title_it": "Statuto",
        "body_en": "The association's statute, approved by the assembly.",
        "body_it": "Lo statuto dell'associazione, approvato dall'assemblea.",
    }
    return services.publish_section(actor=admin, **{**values, **overrides})


def test_a_published_section_keeps_every_version_and_the_public_page_shows_its_language_and_dates(client, admin):
    publish(admin)
    publish(admin)  # the same text again: no new version
    publish(admin, body_en="The statute as amended in 2026.", body_it="Lo statuto come modificato nel 2026.")

    assert SectionRevision.objects.count() == 2
    english = client.get("/transparency/").content.decode()
    assert "The statute as amended in 2026." in english and "Last changed on" in english
    italian = client.get("/transparency/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "Lo statuto come modificato nel 2026." in italian
    answer = APIClient().get("/api/v1/transparency").json()
    assert answer[0]["key"] == "statute" and len(answer[0]["changes"]) == 2


def test_only_administrators_publish_and_a_section_needs_both_languages(admin):
    with pytest.raises(NotAllowed):
        publish(UserFactory(is_staff=True))
    with pytest.raises(DomainError, match="Italian"):
        publish(admin, body_it="  ")
    assert not PublishedSection.objects.exists()


def test_a_risk_is_reviewed_until_it_is_closed_and_overdue_reviews_are_counted(admin):
    today = timezone.localdate()
    risk = services.record_risk(
        actor=admin,
        threat="An assessor trains candidates of the same profile.",
        source=ImpartialityRisk.Source.TRAINING,
        likelihood="medium",
        mitigation="Trainers never assess their own trainees; declarations checked at assignment.",
        review_by=today,
    )
    services.review_risk(
        risk=risk,
        actor=admin,
        likelihood="low",
        note="No case in the year.",
        next_review_by=today + datetime.timedelta(days=1),
    )
    period = report.Period(today - datetime.timedelta(days=30), today + datetime.timedelta(days=5))
    figures = report.impartiality(period)
    assert figures["risks_reviewed"] == 1 and figures["risks_open_at_end"] == 1
    assert figures["risk_reviews_overdue_at_end"] == 1  # due tomorrow, the period ends in five days

    services.review_risk(risk=risk, actor=admin, likelihood="low", note="Training stopped.", next_review_by=None)
    risk.refresh_from_db()
    assert risk.closed_at is not None
    assert report.impartiality(period)["risks_open_at_end"] == 0


def test_the_report_counts_a_complaint_upheld_and_the_suspension_it_led_to(
    issued_credential, admin, django_capture_on_commit_callbacks
):
    handler = UserFactory(is_staff=True)
    case = desk.submit_request(
        kind=Kind.COMPLAINT,
        about="professional",
        sender_name="Carla",
        sender_email="carla@example.org",
        subject="Unfinished work",
        message="The work was left unfinished and nobody answers.",
        language="en",
        credential_reference=str(issued_credential.pk),
    )
    case = desk.confirm_request(case=case)
    desk.assign_handler(case=case, actor=admin, handler=handler)
    desk.declare_conflict(case=case, actor=handler, has_conflict=False)
    desk.acknowledge(case=case, actor=handler)
    desk.start_review(case=case, actor=handler)
    desk.decide(case=case, actor=handler, outcome=Outcome.UPHELD, conclusion="The work was unfinished.")
    desk.act_on_credential(case=case, actor=admin, action="suspend", category=categories.MISCONDUCT, reason="Upheld.")

    today = timezone.localdate()
    data = report.period_report(first_day=today - datetime.timedelta(days=7), last_day=today)

    assert data["complaints"]["complaints_received"] == 1
    assert data["complaints"]["outcomes"]["upheld"] == 1 and data["complaints"]["open_at_end"] == 0
    assert data["complaints"]["credentials_suspended"] == 1
    assert data["credentials"]["issued"] == 1 and data["credentials"]["suspended"] == 1
    assert (
        data["applications"]["submitted"] == 1 and data["applications"]["approved"] == 0
    )  # approved by the fixture's shortcut
    before = report.period_report(
        first_day=today - datetime.timedelta(days=60), last_day=today - datetime.timedelta(days=8)
    )
    assert before["complaints"]["received"] == 0 and before["credentials"]["issued"] == 0


def test_the_report_api_answers_json_csv_and_pdf_to_staff_only(admin, db):
    api = APIClient()
    api.force_authenticate(admin)
    url = "/api/v1/reports/period?from=2026-01-01&to=2026-12-31"

    data = api.get(url).json()
    assert set(data) == {"applications", "assessment", "appeals", "complaints", "credentials", "cpd", "impartiality"}
    answer = api.get(url + "&format=csv")
    assert answer["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode())))
    assert rows[0] == ["section", "measure", "value"]
    assert ["complaints", "outcomes.upheld", "0"] in rows
    pdf = api.get(url + "&format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert api.get("/api/v1/reports/period?from=2026-12-31&to=2026-01-01").status_code == 400

    member = APIClient()
    member.force_authenticate(UserFactory())
    assert member.get(url).status_code == 404


def test_the_report_page_offers_its_pdf_and_csv_to_staff_only(client, admin, db):
    client.force_login(admin)
    page = client.get("/quality/report/?start=2026-01-01&end=2026-12-31").content.decode()
    assert "Period report" in page and "format=pdf" in page and "format=csv" in page
    assert client.get("/quality/report/?start=2026-01-01&end=2026-12-31&format=pdf").content.startswith(b"%PDF")
    client.force_login(UserFactory())
    assert client.get("/quality/report/").status_code == 404


def test_personnel_records_show_a_members_declaration_records_and_monitoring(client, admin, profile):
    assessor = UserFactory(first_name="Alan", last_name="Turing")
    committee = Committee.objects.create(name="ML committee")
    committee.profiles.add(profile)
    CommitteeMember.objects.create(committee=committee, user=assessor, is_assessor=True)
    ImpartialityDeclaration.objects.create(
        user=assessor,
        text_version="2026",
        signed_at=timezone.now(),
        valid_until=timezone.localdate() + datetime.timedelta(days=300),
    )
    services.record_competence(
        actor=admin,
        person=assessor,
        kind="training",
        title="Assessor calibration workshop",
        obtained_on=timezone.localdate(),
        hours=8,
    )
    with pytest.raises(DomainError):
        services.record_competence(
            actor=admin,
            person=assessor,
            kind="training",
            title="Future course",
            obtained_on=timezone.localdate() + datetime.timedelta(days=3),
        )

    client.force_login(admin)
    page = client.get("/quality/personnel/").content.decode()
    assert "Alan Turing" in page and "Assessor calibration workshop" in page and "valid until" in page
    api = APIClient()
    api.force_authenticate(admin)
    (entry,) = api.get(f"/api/v1/quality/personnel?from=2026-01-01&to={timezone.localdate()}").json()
    assert entry["roles"] == ["assessor"] and entry["monitoring"]["sheets_submitted"] == 0
    assert entry["records"][0]["hours"] == 8
