"""The issuance pipeline against the database: one credential per approval, idempotent, retried, audited."""

import json

import pytest
from django.core import mail
from django.utils import timezone

from credentials.documents.seal import check_seal
from credentials.models import Credential, StatusList, StatusListEntry
from credentials.services import issuance
from credentials.services.issuance import STATUS_LIST_SIZE
from dossiers import services as dossier_services
from dossiers.models import Dossier, DossierStatus
from tests.edc_files import needs_edc_material


def approve(dossier, capture):
    """Approve a submitted dossier the way a decision does (through the dossier's status change)."""
    Dossier.objects.filter(pk=dossier.pk).update(status=DossierStatus.AWAITING_DECISION)
    with capture(execute=True):
        dossier_services.change_status(
            dossier=dossier, to=DossierStatus.APPROVED, actor=None, action="decision.approved"
        )
    return Credential.objects.get(dossier=dossier)


@pytest.fixture
def approved(complete_dossier, applicant, django_capture_on_commit_callbacks):
    dossier_services.submit_dossier(dossier=complete_dossier, actor=applicant)
    return approve(complete_dossier, django_capture_on_commit_callbacks)


def test_approval_issues_one_sealed_credential_with_pdf_and_qr(approved, applicant):
    approved.refresh_from_db()
    assert approved.issuance == Credential.Issuance.DONE and approved.status == Credential.Status.ACTIVE
    assert approved.serial.startswith(f"AIPIA-{timezone.now().year}-")
    with approved.sealed_json.open("rb") as handle:
        sealed = json.loads(handle.read())
    check = check_seal(sealed)
    assert check.intact
    credential = json.loads(check.payload)
    assert credential["id"] == f"urn:uuid:{approved.pk}"
    with approved.pdf.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    with approved.qr_png.open("rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    assert approved.token and approved.seal.organization_identifier == "VATIT-12345678901"
    assert approved.events.filter(action="credential.issued").exists()


def test_each_credential_gets_one_revocation_and_one_suspension_index(approved):
    entries = StatusListEntry.objects.filter(credential=approved)
    assert sorted(e.purpose for e in entries) == ["revocation", "suspension"]
    assert all(0 <= e.index < e.status_list.size for e in entries)
    assert all(e.status_list.size >= 131072 for e in entries)


def test_the_holder_receives_the_pdf_by_email_once(approved, applicant, django_capture_on_commit_callbacks):
    messages = [m for m in mail.outbox if m.to == [applicant.email] and m.attachments]
    assert len(messages) == 1
    assert messages[0].attachments[0][2] == "application/pdf"
    assert issuance.notify_holder(credential_id=approved.pk) is False


def test_running_the_pipeline_again_changes_nothing(approved):
    approved.refresh_from_db()
    before = (approved.serial, approved.pdf.name, approved.token, approved.issuance_attempts)
    assert issuance.issue_credential(credential_id=approved.pk) is False
    approved.refresh_from_db()
    assert (approved.serial, approved.pdf.name, approved.token, approved.issuance_attempts) == before


def new_credential(holder, profile) -> Credential:
    """A credential row with its status entries, as every route creates it (the pipeline is not run)."""
    now = timezone.now()
    return issuance.create_credential(
        holder=holder,
        profile=profile,
        scheme_version=profile.scheme_version,
        valid_from=now,
        decided_at=now,
        actor=None,
    )


def test_each_list_counts_the_entries_it_hands_out(applicant, profile):
    for _ in range(3):
        new_credential(applicant, profile)

    for status_list in StatusList.objects.all():
        assert status_list.allocated == status_list.entries.count() == 3


def test_a_half_full_list_hands_the_next_credentials_to_a_new_list(applicant, profile):
    first = new_credential(applicant, profile)
    StatusList.objects.update(allocated=STATUS_LIST_SIZE // 2 - 1)
    second = new_credential(applicant, profile)  # takes the last place below half

    third = new_credential(applicant, profile)

    def numbers(credential):
        return sorted(e.status_list.number for e in credential.status_entries.all())

    assert numbers(first) == numbers(second) == [1, 1]
    assert numbers(third) == [2, 2]
    assert set(StatusList.objects.filter(number=2).values_list("allocated", flat=True)) == {1}
    assert set(StatusList.objects.filter(number=2).values_list("size", flat=True)) == {STATUS_LIST_SIZE}


def test_a_second_approval_signal_does_not_create_a_second_credential(approved):
    dossier = approved.dossier
    again = issuance.start_issuance(dossier=dossier, actor=None)
    assert again.pk == approved.pk
    assert Credential.objects.filter(dossier=dossier).count() == 1


def test_a_failing_step_is_recorded_then_an_admin_retry_issues_it(
    complete_dossier, applicant, monkeypatch, django_capture_on_commit_callbacks, settings
):
    from credentials.documents import pdf

    dossier_services.submit_dossier(dossier=complete_dossier, actor=applicant)

    def broken(self, data):
        raise RuntimeError("renderer out of memory")

    monkeypatch.setattr(pdf.CertificateRenderer, "render", broken)
    settings.CELERY_TASK_EAGER_PROPAGATES = False
    credential = approve(complete_dossier, django_capture_on_commit_callbacks)
    credential.refresh_from_db()
    assert credential.issuance == Credential.Issuance.FAILED
    assert credential.status == Credential.Status.ISSUING
    assert "renderer out of memory" in credential.issuance_error and credential.issuance_step == "documents"
    assert credential.events.filter(action="credential.issuance_failed").exists()

    monkeypatch.undo()
    from ..factories import UserFactory

    with django_capture_on_commit_callbacks(execute=True):
        issuance.retry_issuance(credential=credential, actor=UserFactory(is_staff=True))
    credential.refresh_from_db()
    assert credential.issuance == Credential.Issuance.DONE and credential.status == Credential.Status.ACTIVE


def test_a_running_issuance_is_not_taken_by_a_second_worker_until_its_lease_expires(approved):
    Credential.objects.filter(pk=approved.pk).update(
        issuance=Credential.Issuance.RUNNING, issuance_started_at=timezone.now()
    )
    assert issuance.issue_credential(credential_id=approved.pk) is False
    Credential.objects.filter(pk=approved.pk).update(issuance_started_at=timezone.now() - issuance.LEASE * 2)
    assert issuance.issue_credential(credential_id=approved.pk) is True
    approved.refresh_from_db()
    assert approved.issuance == Credential.Issuance.DONE


def read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


def test_a_run_whose_lease_expired_finishes_late_and_loses_leaving_the_winners_files(
    approved, monkeypatch, django_capture_on_commit_callbacks, stored_names
):
    # The late run (A) claimed a credential that needs issuing again (e.g. after a retry of a failure).
    Credential.objects.filter(pk=approved.pk).update(issuance=Credential.Issuance.PENDING)
    real_build = issuance.build_documents
    taken_over = {}

    def slow_build(credential, key):
        documents = real_build(credential, key)
        if not taken_over:
            # While A builds, its lease expires; run B takes the credential over and finishes it.
            taken_over["yes"] = True
            Credential.objects.filter(pk=credential.pk).update(issuance_started_at=timezone.now() - issuance.LEASE * 2)
            with django_capture_on_commit_callbacks(execute=True):
                assert issuance.issue_credential(credential_id=credential.pk) is True
            winner = Credential.objects.get(pk=credential.pk)
            taken_over["files"] = {f: (getattr(winner, f).name, read(getattr(winner, f))) for f in FILES}
            # A's own documents differ from B's (another signing time): a late overwrite would show.
            documents.sealed_json += b" "
            documents.pdf += b"%late run\n"
        return documents

    monkeypatch.setattr(issuance, "build_documents", slow_build)
    with django_capture_on_commit_callbacks(execute=True):
        late = issuance.issue_credential(credential_id=approved.pk)

    assert late is False
    row = Credential.objects.get(pk=approved.pk)
    assert row.issuance == Credential.Issuance.DONE
    for field, (name, content) in taken_over["files"].items():
        assert getattr(row, field).name == name and read(getattr(row, field)) == content
    # Only the winner's files are left: the late run's are deleted, and so are those of the first issuance.
    left = [name for name in stored_names() if name.startswith(f"credentials/{row.pk}/")]
    assert left == sorted(name for name, _content in taken_over["files"].values())
    assert row.events.filter(action="credential.issued").count() == 2  # the first issuance and B's, not A's


FILES = ("sealed_json", "pdf", "qr_png")


def test_the_holder_page_offers_downloads_and_the_share_link(approved, applicant, client):
    client.force_login(applicant)
    page = client.get(f"/credentials/{approved.pk}/").content.decode()
    assert "/v/" in page and "linkedin.com/profile/add" in page
    for kind in ("pdf", "jsonld", "qr"):
        response = client.get(f"/credentials/{approved.pk}/download/{kind}/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content)  # reading it all closes the file


def test_another_user_cannot_see_or_download_a_credential(approved, client):
    from ..factories import member

    client.force_login(member())
    assert client.get(f"/credentials/{approved.pk}/").status_code == 404
    assert client.get(f"/credentials/{approved.pk}/download/pdf/").status_code == 404


def test_the_qr_link_opens_a_verification_page_without_login(approved, client):
    approved.refresh_from_db()
    response = client.get(f"/v/{approved.token}")
    assert response.status_code == 200
    assert approved.holder_name in response.content.decode()
    assert client.get(f"/v/{approved.token[:-3]}abc").status_code == 400


def test_jwks_publishes_every_seal_certificate_ever_used(approved, client):
    keys = client.get("/.well-known/jwks.json").json()["keys"]
    assert approved.seal.kid in [k["kid"] for k in keys]
    assert all(k["x5c"] for k in keys)


def test_export_writes_the_three_files(approved, tmp_path):
    from django.core.management import call_command

    target = tmp_path / "export"
    call_command("export_credential", str(approved.pk), str(target))
    names = sorted(p.name for p in target.iterdir())
    assert names == sorted([f"{approved.pk}.jsonld", f"{approved.pk}.pdf", f"{approved.pk}-qr.png"])


@needs_edc_material
def test_the_issued_credential_conforms_strictly_to_the_edc_shapes(approved, settings):
    from credentials.documents.shacl import check_conformance

    with approved.sealed_json.open("rb") as handle:
        payload = json.loads(check_seal(json.loads(handle.read())).payload)
    report = check_conformance(payload, edc_dir=settings.EDC_DIR)
    assert report.conforms, report.messages
    assert payload["issuer"]["eIDASIdentifier"]["notation"] == approved.seal.organization_identifier


def test_the_pdf_carries_the_sealed_credential_and_a_valid_seal(approved):
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    with approved.pdf.open("rb") as handle:
        data = handle.read()
    reader = PdfFileReader(BytesIO(data))
    assert reader.embedded_signatures and reader.embedded_signatures[0].field_name == "Seal"
    with approved.sealed_json.open("rb") as handle:
        sealed = handle.read()
    _name, file_spec = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    assert file_spec.get_object()["/EF"]["/F"].get_object().data == sealed


def test_the_holder_gets_the_credential_and_its_files_through_the_api(approved, applicant):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(applicant)
    (listed,) = client.get("/api/v1/credentials/").json()
    assert listed["id"] == str(approved.pk) and listed["status"] == "active" and "/v/" in listed["verify_url"]
    response = client.get(listed["downloads"]["jsonld"])
    assert response.status_code == 200 and response["Content-Type"] == "application/ld+json"
    assert b"".join(response.streaming_content)  # reading it all closes the file
    other = APIClient()
    from ..factories import member

    other.force_authenticate(member())
    assert other.get(f"/api/v1/credentials/{approved.pk}/").status_code == 404
    assert other.get(f"/api/v1/credentials/{approved.pk}/files/pdf").status_code == 404
