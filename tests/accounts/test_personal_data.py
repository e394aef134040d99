"""The registry of personal data: every app that holds some registers, and the export and erasures ask each."""

import datetime
import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts import personal_data
from accounts.personal_data import Export, PersonalData, contributors, register
from accounts.privacy import erase_account, erase_expired_personal_data, export_personal_data
from dossiers.models import EvidenceFile


class Spy(PersonalData):
    label = "spy"

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def export(self, *, user, export: Export) -> None:
        self.calls.append(("export", user))
        export.data["spy"] = {"dossiers_seen": len(export.data["dossiers"])}

    def erase_expired(self, *, now, holder) -> dict[str, int]:
        self.calls.append(("erase_expired", holder))
        return {"spied": 1}

    def erase_account(self, *, user) -> dict[str, int]:
        self.calls.append(("erase_account", user))
        return {"spied_accounts": 1}


@pytest.fixture
def spy(monkeypatch) -> Spy:
    contributor = Spy()
    monkeypatch.setitem(personal_data._registry, contributor.label, contributor)
    return contributor


def read_data(archive: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        return json.loads(opened.read("data.json"))


def test_every_app_holding_personal_data_is_registered_after_the_apps_it_depends_on():
    assert [c.label for c in contributors()] == ["outbox", "dossiers", "assessments", "credentials", "desk"]


def test_the_export_asks_every_contributor_in_order_after_the_account(spy, dossier, applicant):
    data = read_data(export_personal_data(user=applicant))

    assert spy.calls == [("export", applicant)]
    assert list(data) == [
        "format",
        "exported_at",
        "account",
        "membership",
        "emails",
        "dossiers",
        "credentials",
        "cpd_activities",
        "renewal_applications",
        "external_certifications",
        "desk",
        "spy",
    ]
    assert data["spy"] == {"dossiers_seen": 1}


def test_the_sweep_asks_every_contributor_and_returns_their_counts_in_order(spy, applicant):
    counts = erase_expired_personal_data(holder=applicant)

    assert spy.calls == [("erase_expired", applicant)]
    assert list(counts) == [
        "outbox_emails",
        "application_material",
        "assessment_records",
        "decisions",
        "credentials",
        "external_certifications",
        "desk_cases",
        "desk_unconfirmed",
        "spied",
    ]


def test_closing_an_account_runs_the_sweep_then_asks_every_contributor(spy, applicant):
    counts = erase_account(user=applicant, actor=applicant)

    assert spy.calls == [("erase_expired", applicant), ("erase_account", applicant)]
    assert list(counts)[-6:] == [
        "spied",
        "outbox_email_copies",
        "drafts",
        "register_listings",
        "public_pages",
        "spied_accounts",
    ]


def test_registering_an_app_again_replaces_its_contributor_in_its_place(monkeypatch):
    monkeypatch.setattr(personal_data, "_registry", dict(personal_data._registry))
    replacement = type("Replacement", (PersonalData,), {"label": "assessments"})()

    register(replacement)

    assert [c.label for c in contributors()] == ["outbox", "dossiers", "assessments", "credentials", "desk"]
    assert contributors()[2] is replacement


def test_a_contributor_without_the_label_of_its_app_is_refused():
    with pytest.raises(ValueError, match="label"):
        register(PersonalData())


def test_an_attached_file_is_named_after_its_prefix_and_stored_name(dossier, applicant):
    evidence = EvidenceFile(dossier=dossier, kind=EvidenceFile.Kind.EVIDENCE, size=3, sha256="0" * 64)
    evidence.file.save("proof.png", ContentFile(b"png"), save=False)
    export = Export()

    name = export.attach("dossiers/x", evidence.file)

    assert name == f"files/dossiers/x/{evidence.file.name.rsplit('/', 1)[-1]}"
    assert export.files == {name: evidence.file}
    assert export.attach("dossiers/x", EvidenceFile().file) is None


def test_the_retention_cutoff_is_the_setting_in_days_before_now(settings):
    settings.RETENTION_DECISION_DAYS = 30
    now = timezone.now()

    assert personal_data.retention_cutoff(now, "RETENTION_DECISION_DAYS") == now - datetime.timedelta(days=30)
