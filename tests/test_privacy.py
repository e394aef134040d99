"""Personal data: the export, retention per record type, erasure that keeps revocation intact."""

import datetime
import hashlib
import io
import json
import zipfile
from unittest.mock import ANY

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from accounts.personal_data import ERASED
from accounts.privacy import erase_account, erase_expired_personal_data, export_personal_data
from assessments.models import Decision
from credentials.models import Credential, StatusListEntry
from credentials.services import status
from credentials.services.issuance import status_list_url
from dossiers import services as dossier_services
from dossiers.models import DossierEvent, EvidenceFile

from .conftest import fill_completely
from .credentials.conftest import approve
from .factories import UserFactory, member

DAY = datetime.timedelta(days=1)


@pytest.fixture
def admin(db) -> User:
    return UserFactory(role=User.Role.ADMIN, is_staff=True, email="dpo@example.org")


@pytest.fixture
def issued(complete_dossier, applicant, django_capture_on_commit_callbacks) -> Credential:
    dossier_services.submit_dossier(dossier=complete_dossier, actor=applicant)
    return approve(complete_dossier, django_capture_on_commit_callbacks)


@pytest.fixture
def decided(issued, admin):
    """The approved dossier behind an issued credential, with its decision; closed at ``closed_at``."""
    dossier = issued.dossier
    Decision.objects.create(
        dossier=dossier,
        outcome="approve",
        rationale="Strong portfolio.",
        decided_by=admin,
        decided_at=timezone.now(),
    )
    closed_at = DossierEvent.objects.filter(dossier=dossier, to_status=dossier.status).latest("created_at").created_at
    return dossier, closed_at


def read_zip(data: bytes) -> tuple[dict, dict[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(files.pop("data.json")), files


def bit(credential, purpose):
    entry = StatusListEntry.objects.select_related("status_list").get(credential=credential, purpose=purpose)
    return status.status_bit(list_url=status_list_url(entry.status_list), index=entry.index)


def test_the_export_holds_the_persons_own_data_and_files_only(issued, profile):
    holder = issued.holder
    other = member(first_name="Grace")
    other_dossier = dossier_services.start_dossier(owner=other, profile=profile)
    fill_completely(other_dossier, other)

    data, files = read_zip(export_personal_data(user=holder))

    assert data["account"]["email"] == holder.email
    assert data["membership"]["member_number"] == holder.membership.member_number
    assert [d["id"] for d in data["dossiers"]] == [str(issued.dossier_id)]
    assert [c["serial"] for c in data["credentials"]] == [issued.serial]
    assert data["dossiers"][0]["training"] and data["dossiers"][0]["self_assessments"]
    evidence = EvidenceFile.objects.filter(dossier=issued.dossier).first()
    listed = next(f for f in data["dossiers"][0]["files"] if f["sha256"] == evidence.sha256)
    assert hashlib.sha256(files[listed["path"]]).hexdigest() == evidence.sha256
    assert files[data["credentials"][0]["files"]["pdf"]].startswith(b"%PDF")
    assert other.email not in json.dumps(data)
    assert not any(str(other_dossier.pk) in name for name in files)


def test_data_json_gives_each_record_its_fields_in_a_fixed_order(decided):
    dossier, _closed_at = decided

    data, _files = read_zip(export_personal_data(user=dossier.owner))

    assert list(data["account"]) == [
        "id",
        "email",
        "first_name",
        "last_name",
        "role",
        "preferred_language",
        "date_joined",
        "last_login",
    ]
    assert list(data["membership"]) == ["member_number", "status", "valid_until"]
    assert list(data["dossiers"][0]) == [
        "id",
        "profile",
        "status",
        "created_at",
        "submitted_at",
        "cv_headline",
        "cv_summary",
        "years_of_experience",
        "highest_education",
        "files",
        "training",
        "experience",
        "projects",
        "self_assessments",
        "submissions",
        "events",
        "decisions",
        "appeal",
    ]
    assert data["dossiers"][0]["decisions"] == [
        {"kind": "initial", "outcome": "approve", "rationale": "Strong portfolio.", "decided_at": ANY}
    ]
    assert list(data["dossiers"][0]["events"][0]) == [
        "action",
        "from_status",
        "to_status",
        "reason",
        "by_you",
        "created_at",
    ]
    assert list(data["credentials"][0]) == [
        "id",
        "serial",
        "kind",
        "basis",
        "profile",
        "status",
        "holder_name",
        "issued_at",
        "valid_from",
        "valid_until",
        "suspended_at",
        "suspension_reason",
        "revoked_at",
        "revocation_reason",
        "listed_in_register",
        "public_page",
        "predecessor",
        "external_certification",
        "files",
        "events",
    ]
    assert list(data["credentials"][0]["files"]) == ["pdf", "jsonld", "qr"]


def test_the_export_downloads_from_the_api_and_the_account_page(client, applicant):
    assert client.get("/api/v1/me/export").status_code in (401, 403)
    client.force_login(applicant)

    for url in ("/api/v1/me/export", "/me/export/"):
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/zip"
        assert read_zip(response.content)[0]["account"]["email"] == applicant.email


def test_application_material_goes_first_then_assessment_records_then_decisions(decided, settings):
    dossier, closed_at = decided
    settings.RETENTION_APPLICATION_DAYS, settings.RETENTION_ASSESSMENT_DAYS = 10, 20
    settings.RETENTION_DECISION_DAYS, settings.RETENTION_CREDENTIAL_DAYS = 30, 3650
    stored = [f.file.name for f in dossier.files.all()]
    storage = dossier.files.first().file.storage

    assert erase_expired_personal_data(now=closed_at + 9 * DAY)["application_material"] == 0
    counts = erase_expired_personal_data(now=closed_at + 11 * DAY)

    dossier.refresh_from_db()
    assert counts["application_material"] > 0 and counts["decisions"] == 0
    assert not any(storage.exists(name) for name in stored)
    assert not dossier.training.exists() and dossier.cv_summary == ""
    assert set(dossier.self_assessments.values_list("justification", flat=True)) == {""}
    assert Decision.objects.get(dossier=dossier).rationale == "Strong portfolio."
    assert erase_expired_personal_data(now=closed_at + 11 * DAY)["application_material"] == 0  # idempotent

    erase_expired_personal_data(now=closed_at + 31 * DAY)

    assert Decision.objects.get(dossier=dossier).rationale == ERASED
    credential = dossier.credential
    credential.refresh_from_db()
    assert credential.holder_name != ERASED and credential.pdf  # still within its retention


def test_a_credential_is_erased_after_its_validity_and_retention_but_keeps_its_status(issued, admin, settings, client):
    settings.RETENTION_CREDENTIAL_DAYS = 30
    status.revoke(credential=issued, actor=admin, category="misconduct", reason="Fraudulent evidence")
    issued.refresh_from_db()
    pdf_name = issued.pdf.name
    storage = issued.pdf.storage
    after = issued.valid_until + 31 * DAY

    assert erase_expired_personal_data(now=issued.valid_until + 29 * DAY)["credentials"] == 0
    assert erase_expired_personal_data(now=after)["credentials"] == 1

    issued.refresh_from_db()
    assert issued.holder_name == ERASED and not issued.pdf and not storage.exists(pdf_name)
    assert issued.sealed_json  # the credential itself, which verification checks
    assert issued.status == Credential.Status.REVOKED
    assert issued.revocation_reason == "Fraudulent evidence"
    assert bit(issued, "revocation") is True
    report = client.get(f"/api/v1/credentials/{issued.pk}/verification").json()
    assert report["status"] == "revoked" and report["valid"] is False


def test_erasure_never_lifts_a_suspension(issued, admin, settings):
    settings.RETENTION_CREDENTIAL_DAYS = 0
    status.suspend(credential=issued, actor=admin, category="under_investigation", reason="Under investigation")

    erase_expired_personal_data(now=issued.valid_until + DAY)

    issued.refresh_from_db()
    assert issued.status == Credential.Status.SUSPENDED
    assert bit(issued, "suspension") is True


def test_an_account_erased_on_request_is_closed_and_its_credential_stays_verifiable(issued, profile, client):
    holder = issued.holder
    draft = dossier_services.start_dossier(owner=holder, profile=_other_profile(profile))

    counts = erase_account(user=holder, actor=holder)

    holder.refresh_from_db()
    issued.refresh_from_db()
    assert counts["drafts"] == 1 and not type(draft).objects.filter(pk=draft.pk).exists()
    assert holder.email.endswith("@erased.invalid") and not holder.is_active and not holder.has_usable_password()
    assert issued.status == Credential.Status.ACTIVE and not issued.listed_in_register
    assert issued.dossier.training.exists()  # application material within its retention is kept
    report = client.get(f"/api/v1/credentials/{issued.pk}/verification").json()
    assert report["status"] == "active"


def test_only_the_person_or_an_administrator_erases_an_account(applicant, admin):
    from aipia.errors import NotAllowed

    with pytest.raises(NotAllowed):
        erase_account(user=applicant, actor=member())
    erase_account(user=applicant, actor=admin)
    applicant.refresh_from_db()
    assert not applicant.is_active


def test_the_purge_command_prints_its_counts_as_json(decided, settings, capsys):
    _dossier, closed_at = decided
    settings.RETENTION_APPLICATION_DAYS = 1

    call_command("purge_personal_data", "--as-of", (closed_at + 3 * DAY).date().isoformat(), "--json")

    counts = json.loads(capsys.readouterr().out)
    assert counts["application_material"] > 0 and counts["credentials"] == 0


def _other_profile(profile):
    from profiles.models import Profile

    return Profile.objects.filter(is_published=True).exclude(pk=profile.pk).first()


def test_the_retention_sweep_runs_nightly_as_a_task(db, settings):
    from accounts.tasks import erase_expired_personal_data_task

    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "accounts.erase_expired_personal_data"]
    result = erase_expired_personal_data_task.delay().get()

    assert len(entries) == 1
    assert set(result) >= {"application_material", "assessment_records", "decisions", "credentials"}
