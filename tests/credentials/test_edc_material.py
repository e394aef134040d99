"""The official EDC material on every machine: installed from a mirror or the official URLs, checked against pinned
digests, and verification that stays right without it."""

import functools
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import urllib.error
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from credentials.checks import edc_material_installed
from credentials.documents import edc_material
from tests.edc_files import SAMPLES_DIR, needs_samples

PROJECT_DIR = Path(__file__).resolve().parents[2]
NAMES = [item.name for item in edc_material.FILES]


@pytest.fixture
def mirror(tmp_path) -> Path:
    """A mirror folder holding the official files (copied from the shared mirror beside the checkout)."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    for name in NAMES:
        shutil.copyfile(SAMPLES_DIR / name, folder / name)
    return folder


@pytest.fixture
def served(mirror):
    """The mirror served over HTTP on 127.0.0.1: a base URL."""
    handler = functools.partial(_QuietHandler, directory=str(mirror))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def no_network(url: str, accept: str) -> bytes:
    raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")


def refuse_calls(url: str, accept: str) -> bytes:
    raise AssertionError(f"nothing should have been fetched, yet {url} was")


# --- installing -------------------------------------------------------------------------------------------------


@needs_samples
def test_the_files_are_installed_from_a_mirror_folder_and_checked(mirror, tmp_path):
    target = tmp_path / "edc"

    report = edc_material.install(target, mirrors=[str(mirror)], opener=refuse_calls)

    assert report.complete and [outcome.result for outcome in report.outcomes] == ["installed"] * 4
    assert edc_material.is_complete(target)
    assert sorted(path.name for path in target.iterdir()) == sorted(NAMES)


@needs_samples
def test_the_files_are_installed_from_a_mirror_base_url(served, tmp_path):
    target = tmp_path / "edc"

    report = edc_material.install(target, mirrors=[served])

    assert report.complete
    assert all(outcome.source.startswith(served) for outcome in report.outcomes)


@needs_samples
def test_a_file_matching_no_pinned_digest_is_refused_and_never_written(mirror, tmp_path):
    shapes = mirror / "EDC-generic-no-cv.ttl"
    shapes.write_bytes(shapes.read_bytes().replace(b"sh:minCount 1", b"sh:minCount 0", 1))
    target = tmp_path / "edc"

    report = edc_material.install(target, mirrors=[str(mirror)], opener=no_network)

    assert not report.complete and report.missing == ["EDC-generic-no-cv.ttl"]
    refused = next(outcome for outcome in report.outcomes if outcome.name == "EDC-generic-no-cv.ttl")
    assert refused.result == "refused" and "matches no pinned digest" in refused.problems[0]
    assert not (target / "EDC-generic-no-cv.ttl").exists()
    assert "REFUSED" in "\n".join(edc_material.describe(report))


def test_offline_without_a_mirror_nothing_is_written_and_the_message_says_what_is_missing_and_how_to_get_it(tmp_path):
    target = tmp_path / "edc"

    report = edc_material.install(target, mirrors=[], opener=no_network)

    assert not report.complete and report.missing == NAMES
    assert not target.exists()
    message = "\n".join(edc_material.describe(report))
    for item in edc_material.FILES:
        assert f"{item.url}  ->  {item.name}" in message
    assert "EDC_MIRROR" in message and "format check" in message
    assert "Temporary failure in name resolution" in message


@needs_samples
def test_files_already_installed_are_kept_without_fetching_anything(mirror, tmp_path):
    target = tmp_path / "edc"
    edc_material.install(target, mirrors=[str(mirror)])

    report = edc_material.install(target, mirrors=[], opener=refuse_calls)

    assert [outcome.result for outcome in report.outcomes] == ["present"] * 4


@needs_samples
def test_an_altered_installed_file_is_replaced_by_the_official_one(mirror, tmp_path):
    target = tmp_path / "edc"
    edc_material.install(target, mirrors=[str(mirror)])
    (target / "edc-ap-context.jsonld").write_text("{}")

    assert edc_material.problems(target) == [
        "edc-ap-context.jsonld is not the official file (its SHA-256 matches no pinned digest)"
    ]
    edc_material.install(target, mirrors=[str(mirror)])
    assert edc_material.is_complete(target)


@needs_samples
def test_the_official_urls_are_asked_for_their_media_types_when_no_mirror_has_the_files(mirror, tmp_path):
    asked = []

    def official(url, accept):
        asked.append((url, accept))
        return (mirror / next(item.name for item in edc_material.FILES if item.url == url)).read_bytes()

    report = edc_material.install(tmp_path / "edc", mirrors=[str(tmp_path / "empty")], opener=official)

    assert report.complete
    assert ("http://data.europa.eu/snb/model/ap/edc-generic-full", "text/turtle") in asked
    assert ("https://www.w3.org/2018/credentials/v1", "application/ld+json, application/json;q=0.9") in asked


def test_a_configured_mirror_comes_before_a_local_one(mirror, tmp_path):
    assert edc_material.mirrors_from(" https://mirror.example/edc ", [mirror]) == ["https://mirror.example/edc"]
    assert edc_material.mirrors_from("", [tmp_path / "nothing", mirror]) == [str(mirror)]
    assert edc_material.mirrors_from("", [tmp_path / "nothing"]) == []


# --- the command and the start-up check -------------------------------------------------------------------------


@needs_samples
def test_the_command_installs_into_edc_dir_from_the_configured_mirror(mirror, tmp_path, settings):
    settings.EDC_DIR = tmp_path / "edc"
    settings.EDC_MIRROR = str(mirror)
    out = io.StringIO()

    call_command("install_edc_material", stdout=out)

    assert edc_material.is_complete(tmp_path / "edc")
    assert "The EDC contexts and shapes are installed." in out.getvalue()


def test_the_command_completes_without_the_files_unless_they_are_required(tmp_path, settings):
    settings.EDC_DIR = tmp_path / "edc"
    out = io.StringIO()

    call_command("install_edc_material", mirror=str(tmp_path / "no-mirror"), no_download=True, stdout=out)

    assert "MISSING" in out.getvalue() and "Installation continues without them" in out.getvalue()
    with pytest.raises(CommandError, match="EDC material missing"):
        call_command("install_edc_material", mirror=str(tmp_path / "no-mirror"), no_download=True, require=True)


@pytest.mark.parametrize(("debug", "level"), [(True, "credentials.W001"), (False, "credentials.E001")])
def test_the_start_up_check_warns_in_development_and_errors_in_production_without_the_material(
    tmp_path, settings, debug, level
):
    settings.EDC_DIR = tmp_path / "edc"
    settings.DEBUG = debug

    [message] = edc_material_installed(None)

    assert message.id == level and "install_edc_material" in message.hint


@needs_samples
def test_the_start_up_check_is_quiet_once_the_material_is_installed(mirror, tmp_path, settings):
    edc_material.install(tmp_path / "edc", mirrors=[str(mirror)])
    settings.EDC_DIR = tmp_path / "edc"
    settings.DEBUG = False

    assert edc_material_installed(None) == []


@needs_samples
def test_a_clone_without_the_shared_folder_installs_the_material_from_a_mirror_set_in_the_environment(served, tmp_path):
    # A fresh clone: the project's files only, nothing beside it (no ../shared).
    clone = tmp_path / "clone" / "aipia"
    tracked = subprocess.run(  # noqa: S603 - git, with fixed arguments
        [shutil.which("git") or "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT_DIR,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, tracked):
        source = PROJECT_DIR / name.decode()
        if source.is_file():
            (clone / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, clone / name.decode())
    env = {key: value for key, value in os.environ.items() if not key.startswith(("EDC_", "DJANGO_", "DATABASE_URL"))}
    env["EDC_MIRROR"] = served

    done = subprocess.run(
        [sys.executable, "manage.py", "install_edc_material", "--require"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert edc_material.is_complete(clone / "var" / "edc")
    assert f"installed from {served}" in done.stdout


# --- verification on a machine with and without the material -----------------------------------------------------


@pytest.fixture
def issued(complete_dossier, applicant, django_capture_on_commit_callbacks):
    from dossiers import services as dossier_services

    from .test_issuance import approve

    dossier_services.submit_dossier(dossier=complete_dossier, actor=applicant)
    return approve(complete_dossier, django_capture_on_commit_callbacks)


def read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


@needs_samples
@pytest.mark.parametrize("kind", ["sealed_json", "pdf"])
def test_our_jsonld_and_pdf_verify_as_valid_with_material_installed_from_a_mirror(
    issued, mirror, tmp_path, settings, client, kind
):
    settings.EDC_DIR = tmp_path / "installed"
    edc_material.install(settings.EDC_DIR, mirrors=[str(mirror)])
    data = read(getattr(issued, kind))

    answer = APIClient().post("/api/v1/verifications", {"file": io.BytesIO(data)}, format="multipart").json()
    page = client.post("/verify/", {"file": io.BytesIO(data)})

    assert answer["valid"] is True and answer["status"] == "active", answer
    assert {check["name"]: check["result"] for check in answer["checks"]}["format"] == "passed"
    assert page.status_code == 200 and "✓" in page.content.decode()


@pytest.mark.parametrize("kind", ["sealed_json", "pdf"])
def test_without_the_material_our_credential_is_valid_and_the_skipped_format_check_names_no_server_path(
    issued, tmp_path, settings, client, kind
):
    settings.EDC_DIR = tmp_path / "srv" / "secret-place" / "edc"
    data = read(getattr(issued, kind))

    response = APIClient().post("/api/v1/verifications", {"file": io.BytesIO(data)}, format="multipart")
    page = client.post("/verify/", {"file": io.BytesIO(data)})

    answer = response.json()
    assert answer["valid"] is True and answer["status"] == "active", answer
    assert {check["name"]: check["result"] for check in answer["checks"]}["format"] == "skipped"
    for text in (json.dumps(answer), page.content.decode()):
        assert "secret-place" not in text and str(tmp_path) not in text and "Traceback" not in text
    assert "✓" in page.content.decode()
