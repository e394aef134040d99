"""The consumer desk: a sender's request, its confirmation by e-mail, and a complaint's handling to a decision that
can suspend the professional's credential, in the pages and through the API."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.models import User
from aipia.errors import DomainError, InvalidTransition, NotAllowed, NotFound
from aipia.throttling import DeskSubmissionThrottle
from credentials.documents import categories
from credentials.models import Credential
from demo.files import pdf_bytes
from desk import services
from desk.models import TRANSITIONS, Case, CaseEvent, Kind, Message, Outcome, Status
from dossiers.uploads import UploadRejected

from ..factories import UserFactory

LINK = re.compile(r"https?://[^/\s]+(/desk/cases/[0-9a-f-]+/[0-9a-f]+/)")


def complaint(credential=None, **overrides) -> Case:
    values = {
        "kind": Kind.COMPLAINT,
        "about": "professional",
        "sender_name": "Carla Verdi",
        "sender_email": "Carla@Example.org",
        "subject": "Model delivered without the agreed validation",
        "message": "The model we paid for was delivered without any of the validation we agreed in writing.",
        "language": "it",
        "professional_name": credential.holder_name if credential else "Mario Rossi",
        "credential_reference": str(credential.pk) if credential else "",
    }
    return services.submit_request(**{**values, **overrides})


def link_in(message) -> str:
    return LINK.search(message.body).group(1)


@pytest.fixture
def staff(db) -> User:
    return UserFactory(is_staff=True, email="desk@example.org")


@pytest.fixture
def handler(db) -> User:
    return UserFactory(is_staff=True, email="handler@example.org")


def received(credential, capture) -> Case:
    with capture(execute=True):
        case = complaint(credential)
        return services.confirm_request(case=case)


def test_every_status_has_an_entry_in_the_transition_table():
    assert set(TRANSITIONS) == set(Status.values)


def test_a_request_waits_for_its_sender_to_confirm_the_address_and_the_link_mail_is_the_only_way_in(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = complaint()

    assert case.status == Status.UNCONFIRMED and case.reference is None
    assert case.sender_email == "carla@example.org"
    (message,) = mail.outbox
    assert message.to == ["carla@example.org"]
    assert f"/desk/cases/{case.pk}/{services.access_token(case)}/" in message.body
    assert "Conferma il tuo indirizzo" in message.subject  # in the sender's language
    with pytest.raises(NotFound):
        services.case_for_link(case_id=case.pk, token="0" * 40)


def test_confirming_numbers_the_case_sets_its_deadlines_sends_the_receipt_and_tells_the_staff(
    staff, settings, django_capture_on_commit_callbacks
):
    settings.DESK_ACKNOWLEDGE_DAYS = 5
    case = complaint()
    with django_capture_on_commit_callbacks(execute=True):
        case = services.confirm_request(case=case)
        again = services.confirm_request(case=case)

    assert case.status == Status.RECEIVED and re.fullmatch(r"DESK-\d{4}-000001", case.reference)
    assert again.reference == case.reference
    assert (case.acknowledge_by - case.received_at).days == 5
    receipt, notice = mail.outbox
    assert case.reference in receipt.subject and receipt.to == ["carla@example.org"]
    assert f"/desk/cases/{case.pk}/" in receipt.body
    assert notice.to == ["desk@example.org"] and f"/desk/staff/{case.pk}/" in notice.body
    assert CaseEvent.objects.filter(case=case, action="desk.received").count() == 1


def test_a_complaint_names_its_professional_or_is_refused_and_nothing_is_written(db):
    with pytest.raises(DomainError, match="name of the professional"):
        complaint(professional_name="", credential_reference="")
    with pytest.raises(DomainError, match="at least 20"):
        complaint(message="Too short.")
    assert not Case.objects.exists()


def test_a_serial_ties_the_complaint_to_the_credential_only_with_the_holders_name(issued_credential):
    right = complaint(credential_reference=issued_credential.serial, professional_name=issued_credential.holder_name)
    wrong = complaint(credential_reference=issued_credential.serial, professional_name="Someone Else")

    assert right.credential == issued_credential
    assert wrong.credential is None and wrong.professional_name == "Someone Else"


def test_an_attachment_is_typed_by_its_content_and_a_refused_one_stores_nothing(db, settings):
    fake = services.Upload(file=SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 not a pdf at all"), name="invoice.pdf")
    with pytest.raises(UploadRejected):
        complaint(uploads=[fake])
    assert not Case.objects.exists()

    good = services.Upload(file=SimpleUploadedFile("invoice.pdf", pdf_bytes("Invoice")), name="invoice.pdf")
    case = complaint(uploads=[good])
    (attachment,) = case.attachments.all()
    assert attachment.content_type == "application/pdf" and attachment.file.name.endswith(".pdf")
    assert "invoice" not in attachment.file.name


def test_a_handler_declares_no_conflict_before_acting_and_a_conflict_takes_the_case_off_them(
    issued_credential, staff, handler, django_capture_on_commit_callbacks
):
    case = received(issued_credential, django_capture_on_commit_callbacks)
    services.assign_handler(case=case, actor=staff, handler=handler)
    with pytest.raises(NotAllowed, match="conflict of interest"):
        services.acknowledge(case=case, actor=handler)

    services.declare_conflict(case=case, actor=handler, has_conflict=True, reason="I worked with the professional.")
    case.refresh_from_db()
    assert case.handler is None
    with pytest.raises(NotAllowed, match="declared a conflict"):
        services.assign_handler(case=case, actor=staff, handler=handler)


def test_nobody_handles_a_complaint_about_themselves(issued_credential, staff, django_capture_on_commit_callbacks):
    case = received(issued_credential, django_capture_on_commit_callbacks)
    User.objects.filter(pk=issued_credential.holder_id).update(is_staff=True)

    with pytest.raises(NotAllowed, match="about themselves"):
        services.assign_handler(case=case, actor=staff, handler=User.objects.get(pk=issued_credential.holder_id))


def test_an_upheld_complaint_suspends_the_credential_by_another_administrator_and_verifiers_see_it(
    issued_credential, staff, handler, admin_user, client, django_capture_on_commit_callbacks
):
    case = received(issued_credential, django_capture_on_commit_callbacks)
    services.assign_handler(case=case, actor=staff, handler=handler)
    services.declare_conflict(case=case, actor=handler, has_conflict=False)
    services.acknowledge(case=case, actor=handler, message="We are looking into it.")
    with django_capture_on_commit_callbacks(execute=True):
        services.start_review(case=case, actor=handler)
    told = [m for m in mail.outbox if m.to == [issued_credential.holder.email]]
    assert told and f"/desk/answers/{case.pk}/" in told[-1].body
    services.reply_as_professional(case=case, actor=issued_credential.holder, body="The validation was delivered.")
    services.decide(case=case, actor=handler, outcome=Outcome.UPHELD, conclusion="The validation was missing.")

    with pytest.raises(NotAllowed, match="handler"):
        User.objects.filter(pk=handler.pk).update(role=User.Role.ADMIN)
        services.act_on_credential(
            case=case,
            actor=User.objects.get(pk=handler.pk),
            action="suspend",
            category=categories.MISCONDUCT,
            reason="Upheld complaint.",
        )
    credential = services.act_on_credential(
        case=case, actor=admin_user, action="suspend", category=categories.MISCONDUCT, reason="Upheld complaint."
    )

    assert credential.status == Credential.Status.SUSPENDED
    assert credential.suspension_category == categories.MISCONDUCT
    assert case.reference in credential.suspension_reason
    page = client.get(f"/v/{credential.token}")
    assert page.status_code == 200 and "Suspended" in page.content.decode()
    report = APIClient().get(f"/api/v1/credentials/{credential.pk}/verification").json()
    assert report["status"] == "suspended" and report["credential"]["status_category"] == categories.MISCONDUCT


def test_a_credential_is_not_suspended_for_a_complaint_not_upheld(
    issued_credential, staff, handler, admin_user, django_capture_on_commit_callbacks
):
    case = received(issued_credential, django_capture_on_commit_callbacks)
    services.assign_handler(case=case, actor=staff, handler=handler)
    services.declare_conflict(case=case, actor=handler, has_conflict=False)
    services.acknowledge(case=case, actor=handler)
    services.start_review(case=case, actor=handler)
    with pytest.raises(InvalidTransition):  # misconduct needs an upheld decision
        services.act_on_credential(
            case=case, actor=admin_user, action="revoke", category=categories.MISCONDUCT, reason="No."
        )
    services.decide(case=case, actor=handler, outcome=Outcome.NOT_UPHELD, conclusion="No breach was found.")

    with pytest.raises(InvalidTransition):
        services.act_on_credential(
            case=case, actor=admin_user, action="suspend", category=categories.MISCONDUCT, reason="No."
        )
    issued_credential.refresh_from_db()
    assert issued_credential.status == Credential.Status.ACTIVE


def test_a_closed_case_moves_no_further(issued_credential, staff, handler, django_capture_on_commit_callbacks):
    case = received(issued_credential, django_capture_on_commit_callbacks)
    services.assign_handler(case=case, actor=staff, handler=handler)
    services.declare_conflict(case=case, actor=handler, has_conflict=False)
    services.refer(case=case, actor=handler, conclusion="A contract dispute: turn to the ADR body.")

    with pytest.raises(InvalidTransition):
        services.acknowledge(case=case, actor=handler)
    with pytest.raises(InvalidTransition):
        services.reply_as_sender(case=case, body="But I insist.")


def test_the_sender_follows_the_case_confirms_and_writes_through_the_private_link(
    client, issued_credential, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = complaint(issued_credential)
    path = link_in(mail.outbox[-1])

    page = client.get(path)
    assert "Confirm" in page.content.decode() and page["X-Robots-Tag"] == "noindex"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path)
    case.refresh_from_db()
    assert case.status == Status.RECEIVED
    page = client.get(path).content.decode()
    assert case.reference in page and "What happens next" in page

    client.post(path, {"body": "I have more documents to send."})
    assert Message.objects.filter(case=case, author_party=Message.Party.SENDER).count() == 1
    assert client.get(path.replace(services.access_token(case), "f" * 40)).status_code == 404


def test_the_desk_page_takes_a_complaint_from_the_registers_link(client, issued_credential, settings):
    settings.DESK_RATE_LIMIT = "100/hour"
    page = client.get(f"/desk/?kind=complaint&serial={issued_credential.serial}&name={issued_credential.holder_name}")
    assert issued_credential.serial in page.content.decode()
    response = client.post(
        "/desk/",
        {
            "kind": "complaint",
            "about": "professional",
            "professional_name": issued_credential.holder_name,
            "credential_reference": issued_credential.serial,
            "sender_name": "Carla Verdi",
            "sender_email": "carla@example.org",
            "subject": "Unfinished work",
            "message": "The work was left unfinished and the professional no longer answers.",
            "attachments": [SimpleUploadedFile("a.pdf", pdf_bytes("A"))],
        },
    )
    assert response.status_code == 302 and response["Location"] == "/desk/sent/"
    case = Case.objects.get()
    assert case.credential == issued_credential and case.attachments.count() == 1


def test_the_desk_limits_requests_per_address_and_says_so(client, db, monkeypatch):
    monkeypatch.setattr(DeskSubmissionThrottle, "THROTTLE_RATES", {"desk": "1/hour"})
    data = {
        "kind": "question",
        "about": "association",
        "sender_name": "Luca",
        "sender_email": "luca@example.org",
        "subject": "Fees",
        "message": "What are the fees for certification as a data scientist?",
    }
    assert client.post("/desk/", data).status_code == 302
    second = client.post("/desk/", data)
    assert second.status_code == 200 and "Too many requests" in second.content.decode()
    assert Case.objects.count() == 1


def test_staff_pages_show_a_case_only_to_staff_and_its_handler(
    client, issued_credential, staff, handler, django_capture_on_commit_callbacks
):
    case = received(issued_credential, django_capture_on_commit_callbacks)
    client.force_login(UserFactory())
    assert client.get(f"/desk/staff/{case.pk}/").status_code == 404
    client.force_login(issued_credential.holder)
    assert client.get(f"/desk/staff/{case.pk}/").status_code == 404
    assert client.get(f"/desk/answers/{case.pk}/").status_code == 404  # not told yet

    client.force_login(staff)
    response = client.post(f"/desk/staff/{case.pk}/", {"action": "assign", "handler": handler.pk})
    assert response.status_code == 302
    client.force_login(handler)
    page = client.get(f"/desk/staff/{case.pk}/").content.decode()
    assert "Declare whether you have a conflict" in page and case.message not in page
    client.post(f"/desk/staff/{case.pk}/", {"action": "declare", "has_conflict": "no"})
    assert case.message in client.get(f"/desk/staff/{case.pk}/").content.decode()


def test_the_api_takes_a_public_request_and_staff_take_it_to_a_decision(
    issued_credential, staff, handler, django_capture_on_commit_callbacks
):
    public = APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        response = public.post(
            "/api/v1/desk/requests",
            {
                "kind": "complaint",
                "about": "professional",
                "credential_reference": str(issued_credential.pk),
                "sender_name": "Carla Verdi",
                "sender_email": "carla@example.org",
                "subject": "Unfinished work",
                "message": "The work was left unfinished and the professional no longer answers.",
            },
            format="json",
        )
    assert response.status_code == 202 and "token" not in response.content.decode()
    case = Case.objects.get()
    token = services.access_token(case)
    assert public.post(f"/api/v1/desk/cases/{case.pk}/{token}/confirm").json()["status"] == "received"

    api = APIClient()
    api.force_authenticate(staff)
    assert (
        api.post(
            f"/api/v1/desk/staff/cases/{case.pk}/actions", {"action": "assign", "handler": handler.pk}, format="json"
        ).status_code
        == 200
    )
    api.force_authenticate(handler)
    body = api.get(f"/api/v1/desk/staff/cases/{case.pk}").json()
    assert body["message"] is None and "declare" in body["allowed_actions"] and "decide" not in body["allowed_actions"]
    for step in (
        {"action": "declare", "has_conflict": False},
        {"action": "acknowledge"},
        {"action": "review"},
        {"action": "decide", "outcome": "partly_upheld", "conclusion": "Part of the work was missing."},
    ):
        assert api.post(f"/api/v1/desk/staff/cases/{case.pk}/actions", step, format="json").status_code == 200
    assert public.get(f"/api/v1/desk/cases/{case.pk}/{token}").json()["outcome"] == "partly_upheld"
    refused = api.post(f"/api/v1/desk/staff/cases/{case.pk}/actions", {"action": "acknowledge"}, format="json")
    assert refused.status_code == 409

    outsider = APIClient()
    outsider.force_authenticate(UserFactory())
    assert outsider.get(f"/api/v1/desk/staff/cases/{case.pk}").status_code == 404


def test_a_closed_cases_personal_data_is_erased_after_its_retention_period(
    issued_credential, staff, handler, django_capture_on_commit_callbacks, settings
):
    import datetime

    from django.utils import timezone

    from desk.personal_data import DeskPersonalData

    settings.RETENTION_DESK_DAYS = 10
    case = received(issued_credential, django_capture_on_commit_callbacks)
    services.assign_handler(case=case, actor=staff, handler=handler)
    services.declare_conflict(case=case, actor=handler, has_conflict=False)
    services.refer(case=case, actor=handler, conclusion="Turn to the ADR body.")
    stale = complaint()
    Case.objects.filter(pk=stale.pk).update(created_at=timezone.now() - datetime.timedelta(days=40))

    counts = DeskPersonalData().erase_expired(now=timezone.now() + datetime.timedelta(days=11), holder=None)

    assert counts == {"desk_cases": 1, "desk_unconfirmed": 1}
    case.refresh_from_db()
    assert case.sender_email == "[erased]" and case.reference and case.status == Status.REFERRED
    assert not Case.objects.filter(pk=stale.pk).exists()
