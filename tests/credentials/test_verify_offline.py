"""The offline verifier, run as a separate process without Django settings, against downloaded keys and lists."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from credentials.models import StatusList
from tests.edc_files import material_dir

PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def issued(complete_dossier, applicant, django_capture_on_commit_callbacks):
    from dossiers import services as dossier_services

    from .test_issuance import approve

    dossier_services.submit_dossier(dossier=complete_dossier, actor=applicant)
    return approve(complete_dossier, django_capture_on_commit_callbacks)


@pytest.fixture
def downloads(issued, client, tmp_path):
    """What a third party downloads: the JWKS, the sealed credential, the PDF and the two status lists."""
    from credentials.services import status

    (tmp_path / "jwks.json").write_bytes(client.get("/.well-known/jwks.json").content)
    with issued.sealed_json.open("rb") as handle:
        (tmp_path / "credential.jsonld").write_bytes(handle.read())
    with issued.pdf.open("rb") as handle:
        (tmp_path / "certificate.pdf").write_bytes(handle.read())
    for status_list in StatusList.objects.filter(entries__credential=issued):
        published = status.ensure_published(status_list=status_list)
        (tmp_path / f"{status_list.purpose}.json").write_bytes(bytes(published.sealed_json))
    return tmp_path


def run(*args):
    env = {key: value for key, value in os.environ.items() if key not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    env["EDC_DIR"] = str(material_dir())
    return subprocess.run(  # noqa: S603 - our own module, with arguments made by the test
        [sys.executable, "-m", "credentials.verify_offline", *map(str, args)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def lists(folder):
    return ["--status-list", folder / "revocation.json", "--status-list", folder / "suspension.json"]


def test_a_sealed_credential_with_its_status_lists_is_valid_offline(downloads):
    result = run(downloads / "credential.jsonld", "--keys", downloads / "jwks.json", *lists(downloads), "--json")

    assert result.returncode == 0, result.stdout + result.stderr
    answer = json.loads(result.stdout)
    assert answer["valid"] is True and answer["status"] == "active"
    assert {check["result"] for check in answer["checks"]} == {"passed"}


def test_a_pdf_certificate_is_valid_offline(downloads):
    result = run(downloads / "certificate.pdf", "--keys", downloads / "jwks.json", *lists(downloads))

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("VALID") and "[passed] pdf" in result.stdout


def test_without_the_status_lists_the_answer_is_not_checked_never_not_revoked(downloads):
    result = run(downloads / "credential.jsonld", "--keys", downloads / "jwks.json", "--json")

    assert result.returncode == 1
    answer = json.loads(result.stdout)
    revocation = next(check for check in answer["checks"] if check["name"] == "revocation")
    assert revocation["result"] == "skipped" and "no status list was given" in revocation["detail"]
    assert answer["status"] == "unknown"


def test_a_revocation_in_the_downloaded_list_is_seen_offline(issued, downloads):
    from accounts.models import User
    from credentials.services import status

    from ..factories import UserFactory

    status.revoke(
        credential=issued, actor=UserFactory(role=User.Role.ADMIN, is_staff=True), category="misconduct", reason="Fraud"
    )
    revocation = StatusList.objects.get(entries__credential=issued, purpose="revocation")
    (downloads / "revocation.json").write_bytes(bytes(revocation.sealed_json))

    result = run(downloads / "credential.jsonld", "--keys", downloads / "jwks.json", *lists(downloads), "--json")

    assert result.returncode == 1
    assert json.loads(result.stdout)["status"] == "revoked"


def test_a_qr_url_is_checked_with_the_keys_and_says_its_status_needs_the_live_page(issued, downloads):
    result = run(f"https://credentials.example.org/v/{issued.token}", "--keys", downloads / "jwks.json", "--json")

    answer = json.loads(result.stdout)
    results = {check["name"]: check["result"] for check in answer["checks"]}
    assert results["seal"] == "passed" and results["issuer"] == "passed" and results["expiry"] == "passed"
    assert results["revocation"] == "skipped"
    assert answer["credential"]["holder"] == issued.holder_name
    assert result.returncode == 1  # genuine, but "could not check" is not "valid"


def test_a_tampered_token_is_refused(issued, downloads):
    token = issued.token
    tampered = token[:-6] + ("123456" if not token.endswith("123456") else "654321")  # inside the signature

    result = run(tampered, "--keys", downloads / "jwks.json")

    assert result.returncode == 1 and result.stdout.startswith("NOT VERIFIED"), result.stderr


def test_a_tampered_credential_is_not_valid(downloads):
    sealed = json.loads((downloads / "credential.jsonld").read_text(encoding="utf-8"))
    sealed["payload"] = sealed["payload"].replace("ai-ml-engineer", "ai-architect")
    (downloads / "tampered.jsonld").write_text(json.dumps(sealed), encoding="utf-8")

    result = run(downloads / "tampered.jsonld", "--keys", downloads / "jwks.json", *lists(downloads), "--json")

    assert result.returncode == 1
    assert next(c for c in json.loads(result.stdout)["checks"] if c["name"] == "seal")["result"] == "failed"


def test_usage_errors_exit_with_2(downloads):
    assert run("not-a-token-nor-a-file", "--keys", downloads / "jwks.json").returncode == 2
    assert run(downloads / "credential.jsonld", "--keys", downloads / "missing.json").returncode == 2
    assert run(downloads / "credential.jsonld").returncode == 2
