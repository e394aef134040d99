"""The third-party route (ISO/IEC 17024) and the Law 4/2013 art. 7 attestation."""

import datetime
import io
import json

import pypdfium2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from aipia.errors import DomainError, InvalidTransition, NotAllowed
from credentials import lifecycle, routes, status
from credentials.models import Credential, CredentialEvent, ExternalCertification, StatusListEntry
from credentials.services import status_list_url
from credentials.shacl import check_conformance
from demo.files import pdf_bytes, png_bytes

from ..edc_files import material_dir, needs_edc_material
from ..factories import UserFactory, member

Status = Credential.Status


def record(holder, profile, *, number="PRS-0001", valid_until=None, scan=None, **extra):
    today = timezone.localdate()
    return routes.record_external_certification(
        holder=holder,
        profile=profile,
        body=extra.get("body", "CertBody S.r.l."),
        accreditation=extra.get("accreditation", "ACCREDIA PRS n. 123"),
        scheme=extra.get("scheme", "AI Engineer scheme 2025"),
        number=number,
        issued_on=extra.get("issued_on", today - datetime.timedelta(days=30)),
        valid_until=valid_until or today + datetime.timedelta(days=5 * 365),
        scan=io.BytesIO(pdf_bytes("certificate") if scan is None else scan),
    )


def payload(credential) -> dict:
    credential.refresh_from_db()
    with credential.sealed_json.open("rb") as handle:
        return json.loads(json.loads(handle.read())["payload"])


def pdf_text(credential) -> str:
    with credential.pdf.open("rb") as handle:
        document = pypdfium2.PdfDocument(handle.read())
    try:
        return " ".join(document[index].get_textpage().get_text_bounded() for index in range(len(document)))
    finally:
        document.close()


def bit(credential, purpose):
    entry = StatusListEntry.objects.select_related("status_list").get(credential=credential, purpose=purpose)
    return status.status_bit(list_url=status_list_url(entry.status_list), index=entry.index)


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, email="checker@example.org")


# --- third-party certification --------------------------------------------------------------------------------


def test_a_member_records_a_certification_with_its_scan_and_digest(applicant, profile):
    import hashlib

    scan = pdf_bytes("certificate")
    certification = record(applicant, profile, scan=scan)

    assert certification.status == ExternalCertification.Status.SUBMITTED
    assert certification.scan_sha256 == hashlib.sha256(scan).hexdigest()
    assert certification.scan.name.endswith("certificate.pdf")
    with certification.scan.open("rb") as handle:
        assert handle.read() == scan


@pytest.mark.parametrize(
    ("scan", "message"),
    [(b"just some text, named .pdf", "accepted type"), (b"MZ\x90\x00 an executable", "accepted type"), (b"", "empty")],
    ids=["text", "executable", "empty"],
)
def test_a_scan_is_judged_by_its_content(applicant, profile, scan, message):
    with pytest.raises(DomainError, match=message):
        record(applicant, profile, scan=scan)

    assert not ExternalCertification.objects.exists()


def test_a_scan_over_the_size_limit_is_refused(applicant, profile, settings):
    settings.EVIDENCE_MAX_BYTES = 1000

    with pytest.raises(DomainError, match="larger than the limit"):
        record(applicant, profile, scan=png_bytes(size=(800, 800)))


def test_an_expired_or_duplicate_certificate_is_refused(applicant, profile):
    with pytest.raises(DomainError, match="expired"):
        record(applicant, profile, valid_until=timezone.localdate() - datetime.timedelta(days=1))
    record(applicant, profile, number="N-1")
    with pytest.raises(DomainError, match="already been recorded"):
        record(member(), profile, number="n-1")


def test_only_members_in_good_standing_record_a_certification(profile):
    lapsed = member()
    Membership.objects.filter(user=lapsed).update(status=Membership.Status.LAPSED)

    with pytest.raises(NotAllowed):
        record(lapsed, profile)


def test_verifying_issues_the_associations_credential_with_the_certification_as_its_basis(
    applicant, profile, staff, django_capture_on_commit_callbacks, mailoutbox
):
    certification = record(applicant, profile, number="PRS-4242")

    with django_capture_on_commit_callbacks(execute=True):
        credential = routes.verify_external_certification(certification=certification, actor=staff, note="Checked")

    credential.refresh_from_db()
    certification.refresh_from_db()
    assert certification.status == ExternalCertification.Status.VERIFIED
    assert (certification.checked_by, certification.check_note) == (staff, "Checked")
    assert credential.status == Status.ACTIVE
    assert (credential.kind, credential.basis) == (Credential.Kind.CERTIFICATION, Credential.Basis.THIRD_PARTY)
    assert credential.external_certification == certification
    assert CredentialEvent.objects.filter(credential=credential, action="external_certification.verified").exists()
    note = payload(credential)["credentialSubject"]["hasClaim"]["additionalNote"][0]["noteLiteral"]
    assert "PRS-4242" in note["en"] and "CertBody S.r.l." in note["en"] and "ISO/IEC 17024" in note["it"]
    assert "PRS-4242" in pdf_text(credential)
    assert any("verified" in message.subject for message in mailoutbox)


@needs_edc_material
def test_a_third_party_credential_conforms_to_the_edc_shapes(
    applicant, profile, staff, django_capture_on_commit_callbacks
):
    certification = record(applicant, profile)
    with django_capture_on_commit_callbacks(execute=True):
        credential = routes.verify_external_certification(certification=certification, actor=staff)

    report = check_conformance(payload(credential), edc_dir=material_dir())

    assert report.conforms, report.messages


def test_the_credential_ends_with_the_external_certificate_when_that_ends_first(applicant, profile, staff):
    ends = timezone.localdate() + datetime.timedelta(days=400)
    certification = record(applicant, profile, valid_until=ends)

    credential = routes.verify_external_certification(certification=certification, actor=staff)

    # Valid through that day: to the end of it in the issuer's time zone (credentials/days.py).
    assert credential.valid_until == lifecycle.end_of_day(ends)


def test_the_credential_lasts_three_years_when_the_external_certificate_lasts_longer(applicant, profile, staff):
    certification = record(applicant, profile, valid_until=timezone.localdate() + datetime.timedelta(days=10 * 365))

    credential = routes.verify_external_certification(certification=certification, actor=staff)

    assert credential.valid_until.year == credential.valid_from.year + 3


def test_rejecting_needs_a_reason_and_issues_nothing(
    applicant, profile, staff, mailoutbox, django_capture_on_commit_callbacks
):
    certification = record(applicant, profile)
    with pytest.raises(DomainError, match="reason"):
        routes.reject_external_certification(certification=certification, actor=staff, note=" ")

    with django_capture_on_commit_callbacks(execute=True):
        routes.reject_external_certification(certification=certification, actor=staff, note="Body not accredited")

    certification.refresh_from_db()
    assert certification.status == ExternalCertification.Status.REJECTED
    assert not Credential.objects.filter(external_certification=certification).exists()
    assert "Body not accredited" in mailoutbox[-1].body
    with pytest.raises(InvalidTransition):
        routes.verify_external_certification(certification=certification, actor=staff)


def test_only_staff_check_and_nobody_checks_their_own(applicant, profile, staff):
    certification = record(applicant, profile)
    with pytest.raises(NotAllowed):
        routes.verify_external_certification(certification=certification, actor=member())
    with pytest.raises(NotAllowed):
        routes.verify_external_certification(certification=certification, actor=applicant)
    Membership.objects.create(
        user=staff, member_number="S-1", valid_until=timezone.localdate() + datetime.timedelta(days=9)
    )
    own = record(staff, profile, number="STAFF-1")
    with pytest.raises(NotAllowed, match="own"):
        routes.verify_external_certification(certification=own, actor=staff)


def test_the_api_records_a_certification_from_a_multipart_upload(client, applicant, profile):
    client.force_login(applicant)
    today = timezone.localdate()
    form = {
        "profile": profile.code,
        "body": "CertBody",
        "scheme": "Scheme",
        "number": "API-1",
        "issued_on": (today - datetime.timedelta(days=3)).isoformat(),
        "valid_until": (today + datetime.timedelta(days=300)).isoformat(),
    }

    created = client.post(
        "/api/v1/external-certifications",
        {**form, "scan": SimpleUploadedFile("c.pdf", pdf_bytes(), "application/pdf")},
    )
    refused = client.post(
        "/api/v1/external-certifications",
        {**form, "number": "API-2", "scan": SimpleUploadedFile("c.pdf", b"not a pdf at all", "application/pdf")},
    )

    assert created.status_code == 201, created.content
    assert created.json()["status"] == "submitted"
    assert refused.status_code == 400 and refused.json()["code"] == "upload_rejected"
    assert [row["number"] for row in client.get("/api/v1/external-certifications").json()] == ["API-1"]


def test_the_api_lets_staff_verify_and_refuses_members(client, applicant, profile, staff):
    certification = record(applicant, profile)
    client.force_login(member())
    assert client.post(f"/api/v1/external-certifications/{certification.pk}/verification").status_code == 403

    client.force_login(staff)
    answer = client.post(
        f"/api/v1/external-certifications/{certification.pk}/verification",
        {"note": "ok"},
        content_type="application/json",
    )

    assert answer.status_code == 201
    assert Credential.objects.get(pk=answer.json()["id"]).basis == Credential.Basis.THIRD_PARTY


def test_the_review_page_is_for_staff_only(client, applicant, profile, staff):
    record(applicant, profile, number="PAGE-1")
    client.force_login(applicant)
    assert client.get("/credentials/external/review/").status_code == 404
    assert client.get("/credentials/external/").status_code == 200

    client.force_login(staff)
    page = client.get("/credentials/external/review/")

    assert page.status_code == 200 and "PAGE-1" in page.content.decode()


def test_a_scan_downloads_for_its_holder_and_staff_only(client, applicant, profile, staff):
    certification = record(applicant, profile)
    url = f"/credentials/external/{certification.pk}/scan/"
    client.force_login(member())
    assert client.get(url).status_code == 404
    client.force_login(staff)
    for_staff = client.get(url)
    staff_content = b"".join(for_staff.streaming_content)  # reading it all closes the file
    client.force_login(applicant)
    content = b"".join(client.get(url).streaming_content)

    assert for_staff.status_code == 200 and staff_content == content
    assert content.startswith(b"%PDF")
    assert (
        for_staff["Content-Disposition"] == f'attachment; filename="certificate-scan-{certification.pk.hex[:12]}.pdf"'
    )
    assert for_staff["Content-Type"] == "application/pdf"


# --- Law 4/2013 art. 7 attestation ----------------------------------------------------------------------------


@pytest.fixture
def attestation(applicant, django_capture_on_commit_callbacks) -> Credential:
    with django_capture_on_commit_callbacks(execute=True):
        credential = routes.issue_attestation(member=applicant, actor=applicant)
    credential.refresh_from_db()
    assert credential.status == Status.ACTIVE
    return credential


def test_an_attestation_is_valid_until_the_membership_ends_and_states_it(applicant, attestation):
    membership = applicant.membership

    assert (attestation.kind, attestation.basis) == (Credential.Kind.ATTESTATION, Credential.Basis.MEMBERSHIP)
    assert attestation.valid_until == lifecycle.end_of_day(membership.valid_until)
    assert not attestation.profile.is_published
    document = payload(attestation)
    claim = document["credentialSubject"]["hasClaim"]
    notes = [note["noteLiteral"]["en"] for note in claim["additionalNote"]]
    assert "Law 4/2013" in claim["title"]["en"]
    assert "learningOutcome" not in json.dumps(document)
    assert any(membership.member_number in note for note in notes)
    assert any("code of conduct" in note for note in notes)
    assert any("help desk" in note for note in notes)
    text = pdf_text(attestation)
    assert "Attestato" in text and membership.member_number in text


@needs_edc_material
def test_an_attestation_conforms_to_the_edc_shapes(attestation):
    report = check_conformance(payload(attestation), edc_dir=material_dir())

    assert report.conforms, report.messages


def test_an_attestation_lists_the_certifications_held(issued_credential, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        credential = routes.issue_attestation(member=issued_credential.holder, actor=issued_credential.holder)

    notes = [n["noteLiteral"]["en"] for n in payload(credential)["credentialSubject"]["hasClaim"]["additionalNote"]]

    assert any(issued_credential.serial in note for note in notes)


def test_an_attestation_is_refused_to_members_not_in_good_standing_and_to_others(applicant):
    Membership.objects.filter(user=applicant).update(status=Membership.Status.LAPSED)
    with pytest.raises(NotAllowed):
        routes.issue_attestation(member=applicant, actor=applicant)
    with pytest.raises(NotAllowed):
        routes.issue_attestation(member=member(), actor=applicant)


def test_a_second_attestation_for_the_same_membership_is_refused_and_a_renewed_one_supersedes_it(
    applicant, attestation
):
    with pytest.raises(InvalidTransition):
        routes.issue_attestation(member=applicant, actor=applicant)
    membership = applicant.membership
    membership.valid_until += datetime.timedelta(days=365)
    membership.save()

    renewed = routes.issue_attestation(member=applicant, actor=applicant)

    assert renewed.predecessor == attestation
    assert renewed.valid_until == lifecycle.end_of_day(membership.valid_until)


def test_staff_issue_an_attestation_by_member_number(client, applicant, staff):
    client.force_login(staff)

    answer = client.post(
        "/api/v1/attestations", {"member_number": applicant.membership.member_number}, content_type="application/json"
    )

    assert answer.status_code == 201
    assert Credential.objects.get(pk=answer.json()["id"]).holder == applicant


def test_a_member_requests_their_attestation_from_their_account_page(client, applicant):
    client.force_login(applicant)
    assert "Request my attestation" in client.get("/me/").content.decode()

    answer = client.post("/credentials/attestation/")

    credential = Credential.objects.get(holder=applicant, kind=Credential.Kind.ATTESTATION)
    assert answer.status_code == 302 and answer["Location"] == f"/credentials/{credential.pk}/"


def test_a_lapsed_membership_suspends_the_attestation_and_its_renewal_reinstates_it(applicant, attestation):
    membership = applicant.membership
    membership.status = Membership.Status.LAPSED
    membership.save()

    attestation.refresh_from_db()
    assert attestation.status == Status.SUSPENDED
    assert attestation.suspension_reason == routes.MEMBERSHIP_LAPSED
    assert bit(attestation, "suspension") is True
    event = attestation.events.get(action="credential.suspended")
    assert event.actor is None and event.reason == routes.MEMBERSHIP_LAPSED

    membership.status = Membership.Status.ACTIVE
    membership.save()

    attestation.refresh_from_db()
    assert attestation.status == Status.ACTIVE
    assert bit(attestation, "suspension") is False


def test_restoring_the_membership_leaves_a_suspension_for_another_reason(applicant, attestation, admin_user):
    status.suspend(
        credential=attestation, actor=admin_user, category="under_investigation", reason="Complaint under review"
    )
    membership = applicant.membership
    membership.status = Membership.Status.SUSPENDED
    membership.save()
    membership.status = Membership.Status.ACTIVE
    membership.save()

    attestation.refresh_from_db()
    assert attestation.status == Status.SUSPENDED
    assert attestation.suspension_reason == "Complaint under review"


def test_the_daily_sweep_catches_memberships_changed_without_a_save(applicant, attestation, issued_credential):
    Membership.objects.filter(user=applicant).update(status=Membership.Status.SUSPENDED)

    assert routes.sync_all_attestations() == {"suspended": 1, "reinstated": 0}
    assert routes.sync_all_attestations() == {"suspended": 0, "reinstated": 0}
    attestation.refresh_from_db()
    issued_credential.refresh_from_db()
    assert attestation.status == Status.SUSPENDED
    assert issued_credential.status == Status.ACTIVE  # certifications do not follow the membership


def test_a_revoked_attestation_stays_revoked_whatever_the_membership_does(applicant, attestation, admin_user):
    status.revoke(credential=attestation, actor=admin_user, category="misconduct", reason="Misconduct")
    membership = applicant.membership
    membership.status = Membership.Status.LAPSED
    membership.save()
    membership.status = Membership.Status.ACTIVE
    membership.save()

    attestation.refresh_from_db()
    assert attestation.status == Status.REVOKED


def test_the_attestation_email_speaks_of_the_attestation_not_of_a_certification(applicant, attestation):
    from django.core import mail

    (message,) = [m for m in mail.outbox if m.attachments and applicant.email in m.to]

    assert "Law 4/2013" in message.body and "membership" in message.body
    assert "certified as" not in message.body


def test_a_member_without_credentials_finds_the_other_routes_on_my_credentials(client, applicant):
    client.force_login(applicant)

    html = client.get(reverse("credentials:list")).content.decode()

    assert f'href="{reverse("credentials:external-list")}"' in html
    assert f'href="{reverse("accounts:profile")}#attestation"' in html
    assert 'id="attestation"' in client.get(reverse("accounts:profile")).content.decode()
