"""The verification module: every check passing and failing, for sealed credentials, PDFs, QR tokens and our own
credentials. Pure tests use an injected trust list and status lookup; the last ones run the real pipeline."""

import base64
import dataclasses
import io
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from credentials.documents import qr
from credentials.documents.credential_data import Competence, CredentialData, StatusEntry
from credentials.documents.edc import build_credential, canonical_json
from credentials.documents.keys import create_test_ca, create_test_seal
from credentials.documents.seal import seal
from credentials.verification import report as verification_report
from credentials.verification import server
from credentials.verification.report import FAILED, PASSED, SKIPPED, StatusUnavailable
from credentials.verification.server import report_for_token, verify_pdf, verify_sealed_credential, verify_token
from credentials.verification.tokens import LiveStatus
from tests.edc_files import SAMPLES, SAMPLES_DIR, material_dir, needs_edc_material

EUROPASS_SAMPLES = SAMPLES
ISSUED = datetime(2026, 3, 2, 9, 15, 30, tzinfo=UTC)
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
REVOCATION_LIST = "https://credentials.aipia.example/status/revocation/1"
SUSPENSION_LIST = "https://credentials.aipia.example/status/suspension/1"
CREDENTIAL_ID = uuid.UUID("0b6f3a52-7d0e-4c4e-9a51-3f1d2c9b8a70")


class FakeStatusLists:
    """Our published lists, as a test double for credentials.services.status.status_bit: None for any other URL."""

    def __init__(self):
        self.bits = {REVOCATION_LIST: set(), SUSPENSION_LIST: set()}
        self.asked = []

    def __call__(self, *, list_url, index):
        self.asked.append((list_url, index))
        if list_url not in self.bits:
            return None
        return index in self.bits[list_url]


@pytest.fixture(scope="module")
def ca():
    return create_test_ca(now=ISSUED - timedelta(days=30))


@pytest.fixture(scope="module")
def key(ca):
    key, _ = create_test_seal(
        organization_name="AIPIA", organization_identifier="VATIT-12345678901", now=ISSUED - timedelta(days=1), ca=ca
    )
    return key


def credential_data(**changes) -> CredentialData:
    data = CredentialData(
        credential_id=CREDENTIAL_ID,
        issuer_id="https://credentials.aipia.example/issuer",
        issuer_legal_name="AIPIA — Associazione Italiana per l'Intelligenza Artificiale",
        issuer_eidas_identifier="VATIT-12345678901",
        issuer_country="IT",
        issuer_homepage="https://aipia.example/",
        holder_given_name="Giulia",
        holder_family_name="Bianchi",
        holder_email="giulia.bianchi@example.org",
        profile_code="ai-ml-engineer",
        profile_title_en="AI/ML Engineer",
        profile_title_it="Ingegnere AI/ML",
        profile_description_en="Designs, builds and operates machine-learning systems.",
        profile_description_it="Progetta, realizza e gestisce sistemi di apprendimento automatico.",
        eqf_level=6,
        scheme_version="1.0",
        standard_edition="UNI 11621-8:2026",
        competences=(Competence(code="A.6", title_en="Application Design", title_it="Progettazione", level=3),),
        assessment_date=ISSUED - timedelta(days=1),
        issued=ISSUED,
        valid_from=ISSUED,
        valid_until=ISSUED.replace(year=2029),
        status_entries=(
            StatusEntry(purpose="revocation", list_number=1, index=94567),
            StatusEntry(purpose="suspension", list_number=1, index=23),
        ),
        status_base_url="https://credentials.aipia.example",
        verify_url="https://credentials.aipia.example/v/x",
    )
    return dataclasses.replace(data, **changes)


def sealed_credential(key, *, document=None, signing_time=ISSUED, **changes) -> dict:
    document = document if document is not None else build_credential(credential_data(**changes))
    return seal(canonical_json(document), key, signing_time=signing_time)


@pytest.fixture(scope="module")
def good_sealed(key):
    return sealed_credential(key)


@pytest.fixture
def lists():
    return FakeStatusLists()


def verify(sealed, ca, lists, *, now=NOW, anchors=None):
    return verify_sealed_credential(
        sealed,
        trust_anchors=[ca.certificate] if anchors is None else anchors,
        status_lookup=lists,
        edc_dir=material_dir(),
        now=now,
    )


def results(report) -> dict[str, str]:
    return {check.name: check.result for check in report.checks}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- a good credential ---------------------------------------------------------------------------------------


def test_a_good_credential_passes_every_check_and_is_valid(good_sealed, ca, lists):
    report = verify(good_sealed, ca, lists)

    assert [check.name for check in report.checks] == [
        "format",
        "seal",
        "issuer",
        "expiry",
        "revocation",
        "suspension",
    ]
    assert results(report) == dict.fromkeys(results(report), PASSED), report.checks
    assert report.valid and report.status == "active"
    assert report.credential.as_dict() == {
        "id": f"urn:uuid:{CREDENTIAL_ID}",
        "holder": "Giulia Bianchi",
        "profile": "ai-ml-engineer",
        "valid_from": "2026-03-02T09:15:30Z",
        "valid_until": "2029-03-02T09:15:30Z",
    }
    assert sorted(lists.asked) == [(REVOCATION_LIST, 94567), (SUSPENSION_LIST, 23)]


def test_the_answer_has_exactly_the_public_shape(good_sealed, ca, lists):
    answer = verify(good_sealed, ca, lists).as_dict()

    assert set(answer) == {"valid", "status", "checks", "credential"}
    assert all(set(check) == {"name", "result", "detail"} and check["detail"] for check in answer["checks"])
    json.dumps(answer)  # serialisable as is


# --- seal ----------------------------------------------------------------------------------------------------


def test_a_tampered_payload_fails_the_seal_and_the_status_is_unknown(good_sealed, ca, lists):
    tampered = json.loads(json.dumps(good_sealed))
    tampered["payload"] = tampered["payload"].replace("Giulia", "Giuliana")

    report = verify(tampered, ca, lists)

    assert results(report)["seal"] == FAILED
    assert "altered after sealing" in report.check("seal").detail
    assert not report.valid and report.status == "unknown"
    assert results(report)["revocation"] == SKIPPED and lists.asked == []


def test_a_tampered_protected_header_fails_the_seal(good_sealed, ca, lists):
    tampered = json.loads(json.dumps(good_sealed))
    header = json.loads(b64url_decode(tampered["signatures"][0]["protected"]))
    header["sigT"] = "2026-03-02T09:15:31Z"
    tampered["signatures"][0]["protected"] = b64url(json.dumps(header, separators=(",", ":")).encode())

    report = verify(tampered, ca, lists)

    assert results(report)["seal"] == FAILED and report.status == "unknown" and not report.valid


def test_a_signature_by_another_key_than_the_certificate_fails_the_seal(good_sealed, ca, lists):
    other, _ = create_test_seal(
        organization_name="AIPIA", organization_identifier="VATIT-12345678901", now=ISSUED - timedelta(days=1), ca=ca
    )
    forged = sealed_credential(other)
    # The forger's signature, presented under our certificate.
    header = json.loads(b64url_decode(good_sealed["signatures"][0]["protected"]))
    forged_header = json.loads(b64url_decode(forged["signatures"][0]["protected"]))
    forged_header["x5c"], forged_header["x5t#S256"], forged_header["kid"] = (
        header["x5c"],
        header["x5t#S256"],
        header["kid"],
    )
    forged["signatures"][0]["protected"] = b64url(json.dumps(forged_header, separators=(",", ":")).encode())

    report = verify(forged, ca, lists)

    assert results(report)["seal"] == FAILED and not report.valid


def test_a_certificate_outside_its_validity_at_signing_time_fails_the_seal(key, ca, lists):
    sealed = sealed_credential(key, signing_time=key.certificate.not_valid_before_utc - timedelta(days=1))

    report = verify(sealed, ca, lists)

    assert results(report)["seal"] == FAILED
    assert "was not valid when it was made" in report.check("seal").detail
    assert not report.valid and report.status == "unknown"


def test_a_seal_made_after_the_certificate_expired_fails_even_if_checked_later(key, ca, lists):
    sealed = sealed_credential(key, signing_time=key.certificate.not_valid_after_utc + timedelta(days=1))

    report = verify(sealed, ca, lists, now=key.certificate.not_valid_after_utc + timedelta(days=2))

    assert results(report)["seal"] == FAILED


# --- issuer --------------------------------------------------------------------------------------------------


def test_a_seal_that_does_not_chain_to_a_trust_anchor_fails_the_issuer_check(good_sealed, ca, lists):
    stranger = create_test_ca(now=ISSUED - timedelta(days=30))

    report = verify(good_sealed, ca, lists, anchors=[stranger.certificate])

    assert results(report)["seal"] == PASSED
    assert results(report)["issuer"] == FAILED
    assert "not in our trust list" in report.check("issuer").detail
    assert not report.valid and report.status == "unknown"


def test_an_organization_identifier_that_is_not_the_issuers_fails_the_issuer_check(ca, lists):
    impostor, _ = create_test_seal(
        organization_name="Someone else", organization_identifier="VATIT-99999999999", now=ISSUED, ca=ca
    )
    sealed = sealed_credential(impostor, signing_time=ISSUED + timedelta(hours=1))

    report = verify(sealed, ca, lists)

    assert results(report)["seal"] == PASSED
    assert results(report)["issuer"] == FAILED
    detail = report.check("issuer").detail
    assert "VATIT-99999999999" in detail and "VATIT-12345678901" in detail
    assert not report.valid


# --- format --------------------------------------------------------------------------------------------------


def test_a_credential_that_breaks_the_edc_shapes_fails_the_format_check(key, ca, lists):
    document = build_credential(credential_data())
    del document["credentialSubject"]["hasClaim"]["specifiedBy"]["title"]
    document["issuer"]["legalName"] = {"en": 42}

    report = verify(sealed_credential(key, document=document), ca, lists)

    assert results(report)["format"] == FAILED
    assert "does not conform to the EDC shapes" in report.check("format").detail
    assert results(report)["seal"] == PASSED
    assert not report.valid and report.status == "unknown"


def test_a_sealed_payload_that_is_not_a_json_object_fails_the_format_check(key, ca, lists):
    sealed = seal(b'["not", "a", "credential"]', key, signing_time=ISSUED)

    report = verify(sealed, ca, lists)

    assert results(report)["format"] == FAILED and not report.valid


def test_something_that_is_not_a_sealed_credential_fails_without_raising(ca, lists):
    report = verify({"hello": "world"}, ca, lists)

    assert results(report)["format"] == FAILED and results(report)["seal"] == FAILED
    assert not report.valid and report.status == "unknown"


# --- expiry --------------------------------------------------------------------------------------------------


def test_an_expired_credential_is_reported_expired(good_sealed, ca, lists):
    report = verify(good_sealed, ca, lists, now=datetime(2029, 3, 3, tzinfo=UTC))

    assert results(report)["expiry"] == FAILED
    assert report.status == "expired" and not report.valid
    assert "2029-03-02" in report.check("expiry").detail


def test_a_credential_not_yet_valid_has_its_own_status_not_expired_nor_unknown(good_sealed, ca, lists):
    report = verify(good_sealed, ca, lists, now=ISSUED - timedelta(days=1))

    assert results(report)["expiry"] == FAILED
    assert report.status == "not_yet_valid" and not report.valid
    assert (report.status_since, report.status_until) == (None, ISSUED)
    assert report.as_dict()["credential"]["status_until"] == "2026-03-02T09:15:30Z"


# --- revocation and suspension ---------------------------------------------------------------------------------


def test_a_revoked_credential_is_reported_revoked(good_sealed, ca, lists):
    lists.bits[REVOCATION_LIST].add(94567)

    report = verify(good_sealed, ca, lists)

    assert results(report)["revocation"] == FAILED and results(report)["suspension"] == PASSED
    assert report.status == "revoked" and not report.valid


def test_a_suspended_then_reinstated_credential_is_suspended_then_valid_again(good_sealed, ca, lists):
    lists.bits[SUSPENSION_LIST].add(23)
    suspended = verify(good_sealed, ca, lists)
    lists.bits[SUSPENSION_LIST].discard(23)
    reinstated = verify(good_sealed, ca, lists)

    assert results(suspended)["suspension"] == FAILED
    assert suspended.status == "suspended" and not suspended.valid
    assert results(reinstated)["suspension"] == PASSED
    assert reinstated.status == "active" and reinstated.valid


def test_another_bit_in_the_same_list_does_not_touch_this_credential(good_sealed, ca, lists):
    lists.bits[REVOCATION_LIST].add(94566)
    lists.bits[SUSPENSION_LIST].add(24)

    assert verify(good_sealed, ca, lists).status == "active"


def with_status(value) -> dict:
    return {**build_credential(credential_data()), "credentialStatus": value}


def test_a_status_list_that_is_not_ours_is_skipped_and_the_credential_is_not_valid(key, ca, lists):
    # Another issuer's EDC may carry W3C status objects: they are read as they always were.
    foreign = {
        "id": "https://status.elsewhere.example/list/7#5",
        "type": "StatusList2021Entry",
        "statusPurpose": "revocation",
        "statusListIndex": "5",
        "statusListCredential": "https://status.elsewhere.example/list/7",
    }
    sealed = sealed_credential(key, document=with_status([foreign]))

    report = verify(sealed, ca, lists)

    revocation = report.check("revocation")
    assert revocation.result == SKIPPED
    assert revocation.detail == (
        "not checked: the status list at status.elsewhere.example is not published by us; "
        "the server does not fetch other sites' URLs."
    )
    assert not report.valid and report.status == "unknown"


@pytest.mark.parametrize(
    "failure", [StatusUnavailable("the list could not be downloaded"), OSError("disk"), RuntimeError("database")]
)
def test_a_status_list_that_cannot_be_read_is_never_reported_as_not_revoked(good_sealed, ca, failure):
    def broken(*, list_url, index):
        raise failure

    report = verify(good_sealed, ca, broken)

    assert results(report)["revocation"] == SKIPPED and results(report)["suspension"] == SKIPPED
    assert report.check("revocation").detail.startswith("not checked:")
    assert not report.valid and report.status == "unknown"


def test_a_revoked_credential_stays_revoked_when_the_other_list_cannot_be_read(good_sealed, ca, lists):
    lists.bits[REVOCATION_LIST].add(94567)
    del lists.bits[SUSPENSION_LIST]

    report = verify(good_sealed, ca, lists)

    assert report.status == "revoked" and not report.valid


# --- the Europass samples ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", EUROPASS_SAMPLES)
def test_the_europass_samples_have_an_intact_seal_from_an_issuer_we_do_not_trust(name, ca, lists):
    sample = json.loads((SAMPLES_DIR / name).read_text(encoding="utf-8"))

    report = verify(sample, ca, lists, now=NOW)

    assert results(report)["format"] == PASSED
    assert results(report)["seal"] == PASSED
    assert "timestamp 2023-09-27" in report.check("seal").detail
    assert results(report)["issuer"] == FAILED
    assert "not in our trust list" in report.check("issuer").detail
    assert "matches the issuer (VATES-A00000000)" in report.check("issuer").detail
    assert not report.valid and report.status == "unknown"
    assert report.credential.holder == "Ana Andromeda"


# --- PDF ---------------------------------------------------------------------------------------------------------


def test_a_pdf_without_a_seal_or_an_embedded_credential_says_so(ca, lists):
    from demo.files import pdf_bytes

    report = verify_pdf(pdf_bytes("hello"), trust_anchors=[ca.certificate], status_lookup=lists, edc_dir=material_dir())

    assert results(report)["pdf"] == FAILED and "no seal" in report.check("pdf").detail
    assert results(report)["format"] == FAILED and "credential.jsonld" in report.check("format").detail
    assert not report.valid and report.status == "unknown"


def test_bytes_that_are_not_a_pdf_are_reported_not_raised(ca, lists):
    report = verify_pdf(
        b"%PDF-1.7 garbage", trust_anchors=[ca.certificate], status_lookup=lists, edc_dir=material_dir()
    )

    assert results(report)["pdf"] == FAILED and not report.valid


# --- QR tokens ---------------------------------------------------------------------------------------------------


def token_for(key, **changes):
    claims = {
        "credential_id": CREDENTIAL_ID,
        "holder_name": "Giulia Bianchi",
        "profile_code": "ai-ml-engineer",
        "valid_from": date(2026, 3, 2),
        "valid_until": date(2029, 3, 2),
    }
    claims.update(changes)
    return qr.make_token(key=key, **claims)


def live(**changes) -> LiveStatus:
    record = LiveStatus(
        credential_uuid=CREDENTIAL_ID,
        issued=True,
        status="active",
        valid_from=ISSUED,
        valid_until=ISSUED.replace(year=2029),
        suspended_at=None,
        suspended_until=None,
        suspension_category="",
        revoked_at=None,
        revocation_category="",
        status_version=0,
        issuer_name="AIPIA",
    )
    return dataclasses.replace(record, **changes)


def test_a_token_with_an_active_record_is_valid(key):
    report = verify_token(token_for(key), keys={key.kid: key.certificate}, live_status=lambda _id: live(), now=NOW)

    assert report.valid and report.status == "active"
    assert report.credential.holder == "Giulia Bianchi" and report.credential.valid_until == "2029-03-02"
    assert report.issuer_name == "AIPIA"


def test_a_tampered_token_does_not_verify(key):
    record = bytearray(qr.from_digits(token_for(key)))
    name = record.index(b"Giulia")
    record[name : name + 6] = b"Mallor"
    forged = qr.to_digits(bytes(record))

    report = verify_token(forged, keys={key.kid: key.certificate}, live_status=lambda _id: live(), now=NOW)

    assert results(report) == {"seal": FAILED} and not report.valid and report.status == "unknown"


def test_a_token_signed_by_a_key_we_did_not_publish_does_not_verify(key, ca):
    stranger, _ = create_test_seal(organization_name="X", organization_identifier="VATIT-1", ca=ca)

    report = verify_token(token_for(stranger), keys={key.kid: key.certificate}, live_status=lambda _id: live())

    assert not report.valid and "Unknown key reference" in report.check("seal").detail


@pytest.mark.parametrize(
    ("record", "status"),
    [
        (
            dict(status="suspended", suspended_at=NOW - timedelta(days=2), suspension_category="under_investigation"),
            "suspended",
        ),
        (
            dict(
                status="suspended",
                suspended_at=NOW - timedelta(days=9),
                suspended_until=NOW - timedelta(days=1),
                suspension_category="under_investigation",
            ),
            "active",
        ),
        (dict(status="active", suspended_at=NOW - timedelta(days=9), suspension_category="other"), "active"),
        (dict(status="revoked", revoked_at=NOW - timedelta(days=1), revocation_category="misconduct"), "revoked"),
        (dict(valid_until=NOW - timedelta(seconds=1)), "expired"),
        (dict(valid_from=NOW + timedelta(days=30)), "not_yet_valid"),
    ],
)
def test_the_live_record_decides_the_status_of_a_token(key, record, status):
    claims = qr.read_token(token_for(key), keys={key.kid: key.certificate})

    report = report_for_token(claims, live(**record), now=NOW)

    assert report.status == status
    assert report.valid == (status == "active")


def test_a_suspension_shows_since_until_and_the_category_of_its_reason(key):
    claims = qr.read_token(token_for(key), keys={key.kid: key.certificate})
    since, until = NOW - timedelta(days=2), NOW + timedelta(days=5)
    record = live(status="suspended", suspended_at=since, suspended_until=until, suspension_category="misconduct")

    report = report_for_token(claims, record, now=NOW)

    assert (report.status_since, report.status_until, report.status_category) == (since, until, "misconduct")
    assert report.as_dict()["credential"] | {"holder": None} == {
        "id": f"urn:uuid:{CREDENTIAL_ID}",
        "holder": None,
        "profile": "ai-ml-engineer",
        "valid_from": "2026-03-02",
        "valid_until": "2029-03-02",
        "status_since": "2026-05-30T12:00:00Z",
        "status_until": "2026-06-06T12:00:00Z",
        "status_category": "misconduct",
    }
    assert report.check("suspension").detail == (
        "Suspended since 2026-05-30T12:00:00Z, until 2026-06-06T12:00:00Z. Reason: Breach of the code of conduct."
    )


def test_a_revocation_says_since_when_and_its_category_never_the_admins_words(key):
    claims = qr.read_token(token_for(key), keys={key.kid: key.certificate})
    record = live(status="revoked", revoked_at=NOW - timedelta(days=1), revocation_category="issued_in_error")

    report = report_for_token(claims, record, now=NOW)

    assert report.status == "revoked"
    assert (report.status_since, report.status_until, report.status_category) == (
        NOW - timedelta(days=1),
        None,
        "issued_in_error",
    )
    assert report.check("revocation").detail == "Revoked on 2026-05-31T12:00:00Z. Reason: Issued in error."


def test_a_token_we_have_no_record_of_is_not_valid(key):
    report = verify_token(token_for(key), keys={key.kid: key.certificate}, live_status=lambda _id: None, now=NOW)

    assert results(report)["revocation"] == SKIPPED and not report.valid and report.status == "unknown"


def test_a_token_checked_without_a_live_status_is_genuine_but_not_called_valid(key):
    def offline(_id):
        raise StatusUnavailable("offline: open the URL for the live status")

    report = verify_token(token_for(key), keys={key.kid: key.certificate}, live_status=offline, now=NOW)

    assert results(report)["seal"] == PASSED and results(report)["expiry"] == PASSED
    assert results(report)["revocation"] == SKIPPED
    assert not report.valid and report.status == "unknown"


# --- our own credentials, through the real pipeline and status services ------------------------------------------


@pytest.fixture
def issued(complete_dossier, applicant, django_capture_on_commit_callbacks):
    from dossiers import services as dossier_services

    from .test_issuance import approve

    dossier_services.submit_dossier(dossier=complete_dossier, actor=applicant)
    return approve(complete_dossier, django_capture_on_commit_callbacks)


@pytest.fixture
def secretariat(db):
    from accounts.models import User

    from ..factories import UserFactory

    return UserFactory(role=User.Role.ADMIN, is_staff=True)


def test_an_issued_credential_verifies_with_the_configured_anchors_and_our_status_lists(issued):
    report = server.verify_issued(issued)

    assert results(report) == dict.fromkeys(results(report), PASSED), report.checks
    assert report.valid and report.status == "active"
    assert report.credential.id == f"urn:uuid:{issued.pk}"


def test_an_issued_credential_suspended_then_reinstated_then_revoked(issued, secretariat):
    from credentials.services import status

    suspended = status.suspend(
        credential=issued, actor=secretariat, category="under_investigation", reason="Pending an audit"
    )
    report = server.verify_issued(suspended)
    assert report.status == "suspended" and not report.valid
    assert report.status_category == "under_investigation" and report.status_since == suspended.suspended_at
    assert "Pending an audit" not in json.dumps(report.as_dict())

    reinstated = status.reinstate(credential=suspended, actor=secretariat)
    report = server.verify_issued(reinstated)
    assert report.status == "active" and report.valid and report.status_category is None

    revoked = status.revoke(
        credential=reinstated, actor=secretariat, category="misconduct", reason="Certificate obtained by fraud"
    )
    report = server.verify_issued(revoked)
    assert report.status == "revoked" and not report.valid
    assert report.status_category == "misconduct" and report.status_since == revoked.revoked_at
    assert "fraud" not in json.dumps(report.as_dict())


def test_an_issued_pdf_verifies_and_a_tampered_one_does_not(issued):
    with issued.pdf.open("rb") as handle:
        data = handle.read()

    report = verify_pdf(data)
    assert results(report)["pdf"] == PASSED and report.valid, report.checks

    tampered = bytearray(data)
    tampered[11] ^= 0x01  # inside the signed byte range (the binary comment on the second line)
    report = verify_pdf(bytes(tampered))
    assert results(report)["pdf"] == FAILED and not report.valid


def test_an_issued_credential_under_another_trust_list_is_not_trusted(issued):
    with issued.sealed_json.open("rb") as handle:
        sealed = json.load(io.TextIOWrapper(handle, encoding="utf-8"))
    stranger = create_test_ca()

    report = verify_sealed_credential(sealed, trust_anchors=[stranger.certificate])

    assert results(report)["issuer"] == FAILED and not report.valid


def test_the_trust_anchors_file_adds_anchors(issued, settings, tmp_path):
    from cryptography.hazmat.primitives import serialization

    extra = create_test_ca()
    path = tmp_path / "anchors.pem"
    path.write_bytes(extra.certificate.public_bytes(serialization.Encoding.PEM))
    settings.VERIFY_TRUST_ANCHORS_FILE = str(path)

    anchors = server.default_trust_anchors()

    assert extra.certificate in anchors
    assert any("TEST CA" in anchor.subject.rfc4514_string() for anchor in anchors if anchor != extra.certificate)


def test_an_explanation_reads_in_english_and_translates_with_its_values():
    detail = verification_report._("Expired on {moment}.", moment="2027-02-12")
    italian = {"Expired on {moment}.": "Scaduta il {moment}."}

    assert detail == "Expired on 2027-02-12."
    assert detail.translated(lambda message: italian.get(message, message)) == "Scaduta il 2027-02-12."


def test_an_explanation_of_several_sentences_translates_each_and_its_nested_values():
    when = verification_report._("timestamp {moment}", moment="2026-11-28")
    detail = verification_report._("Sealed ({when}).", when=when).then(verification_report._("Checked."))
    italian = {"Sealed ({when}).": "Sigillata ({when}).", "timestamp {moment}": "marca temporale {moment}"}

    assert detail == "Sealed (timestamp 2026-11-28). Checked."
    assert detail.translated(lambda m: italian.get(m, m)) == "Sigillata (marca temporale 2026-11-28). Checked."


def test_a_translation_with_a_broken_placeholder_falls_back_to_the_english_sentence():
    detail = verification_report._("Expired on {moment}.", moment="2027-02-12")

    assert detail.translated(lambda message: "Scaduta il {data}.") == "Expired on 2027-02-12."


def test_an_explanation_survives_pickling_with_its_messages():
    import pickle

    detail = verification_report._("Revoked: {reason}", reason="fraud")

    copy = pickle.loads(pickle.dumps(detail))  # noqa: S301 — our own bytes, as a cache would keep them

    assert copy == "Revoked: fraud" and copy.parts == detail.parts


def test_the_reports_explanations_are_plain_english_strings_in_json(good_sealed, ca, lists):
    report = verify(good_sealed, ca, lists)

    answer = json.loads(json.dumps(report.as_dict()))

    assert [check["detail"] for check in answer["checks"]] == [str(check.detail) for check in report.checks]
    assert all(isinstance(check.detail, verification_report.Detail) for check in report.checks)


# --- the earlier form, the status reference, a missing format check ----------------------------------------------

FIXTURES = Path(__file__).parent / "fixtures"


def earlier_form_credential() -> tuple[dict, list]:
    """A credential sealed by the release before the status reference (November 2026), kept as it was issued:
    two BitstringStatusListEntry objects in credentialStatus (revocation 1#4242, suspension 1#777), with the
    test CA it chains to."""
    from cryptography import x509

    sealed = json.loads((FIXTURES / "earlier-form-credential.jsonld").read_text(encoding="utf-8"))
    return sealed, x509.load_pem_x509_certificates((FIXTURES / "earlier-form-ca.pem").read_bytes())


@needs_edc_material
def test_a_credential_stored_in_the_earlier_form_keeps_verifying_on_its_labelled_path(lists):
    sealed, anchors = earlier_form_credential()

    report = verify_sealed_credential(
        sealed, trust_anchors=anchors, status_lookup=lists, edc_dir=material_dir(), now=NOW.replace(year=2027)
    )

    assert report.valid and report.status == "active", report.checks
    assert report.check("format").result == PASSED
    assert "issued before 2026-12-04T00:00:00Z, in the earlier form" in report.check("format").detail
    assert (REVOCATION_LIST, 4242) in lists.asked and (SUSPENSION_LIST, 777) in lists.asked


@needs_edc_material
def test_a_credential_stored_in_the_earlier_form_is_still_seen_revoked(lists):
    sealed, anchors = earlier_form_credential()
    lists.bits[REVOCATION_LIST].add(4242)

    report = verify_sealed_credential(
        sealed, trust_anchors=anchors, status_lookup=lists, edc_dir=material_dir(), now=NOW.replace(year=2027)
    )

    assert report.status == "revoked"


@needs_edc_material
def test_the_earlier_form_claimed_by_a_credential_issued_after_the_change_fails_the_format_check(key, ca, lists):
    earlier, _anchors = earlier_form_credential()
    document = json.loads(earlier["payload"])
    document["issued"] = document["issuanceDate"] = "2026-12-05T10:00:00Z"

    report = verify(sealed_credential(key, document=document), ca, lists)

    assert report.check("format").result == FAILED and "cred:credentialStatus" in report.check("format").detail
    assert report.status == "unknown"


@needs_edc_material
def test_our_credential_reads_its_status_from_the_reference_it_carries(good_sealed, ca, lists):
    lists.bits[SUSPENSION_LIST].add(23)

    report = verify(good_sealed, ca, lists)

    assert report.check("format").result == PASSED
    assert sorted(lists.asked) == [(REVOCATION_LIST, 94567), (SUSPENSION_LIST, 23)]
    assert report.status == "suspended"


def test_a_status_uri_in_a_form_we_do_not_read_is_not_checked_and_leaves_the_answer_open(key, ca, lists):
    sealed = sealed_credential(
        key,
        document=with_status(
            {"@value": "https://status.elsewhere.example/c/42", "@type": verification_report.XSD_ANY_URI}
        ),
    )

    report = verify(sealed, ca, lists)

    assert report.check("revocation").result == SKIPPED and not report.check("revocation").conclusive
    assert "status.elsewhere.example" in report.check("revocation").detail
    assert report.status == "unknown" and lists.asked == []


def test_without_the_edc_shapes_an_intact_trusted_credential_is_valid_with_the_format_check_visibly_skipped(
    good_sealed, ca, lists, tmp_path
):
    empty = tmp_path / "no-edc-material-here"

    report = verify_sealed_credential(
        good_sealed, trust_anchors=[ca.certificate], status_lookup=lists, edc_dir=empty, now=NOW
    )

    assert report.valid and report.status == "active"
    assert report.check("format").result == SKIPPED
    answer = json.dumps(report.as_dict())
    assert "not installed" in answer and str(tmp_path) not in answer and "no-edc-material-here" not in answer


def test_without_the_edc_shapes_a_tampered_credential_is_still_not_verified(good_sealed, ca, lists, tmp_path):
    tampered = {**good_sealed, "payload": good_sealed["payload"].replace("Giulia", "Mallory")}

    report = verify_sealed_credential(
        tampered, trust_anchors=[ca.certificate], status_lookup=lists, edc_dir=tmp_path, now=NOW
    )

    assert report.status == "unknown" and not report.valid


@pytest.mark.parametrize(
    ("now", "status"),
    [
        (datetime(2027, 3, 28, 21, 59, 59, tzinfo=UTC), "active"),  # 23:59:59 CEST, the last second of the last day
        (datetime(2027, 3, 28, 22, 0, 1, tzinfo=UTC), "expired"),  # 00:00:01 CEST the day after
        (datetime(2026, 10, 24, 21, 59, 59, tzinfo=UTC), "not_yet_valid"),  # 23:59:59 CEST, the eve of the first day
        (datetime(2026, 10, 24, 22, 0, 0, tzinfo=UTC), "active"),  # midnight CEST: the first day has begun
    ],
)
def test_a_tokens_days_begin_and_end_at_midnight_in_the_issuers_time_zone_across_dst(key, now, status):
    from zoneinfo import ZoneInfo

    # The first day is 25 hours long in Rome (summer time ends), the last one 23 (summer time begins).
    token = token_for(key, valid_from=date(2026, 10, 25), valid_until=date(2027, 3, 28))
    claims = qr.read_token(token, keys={key.kid: key.certificate})

    report = report_for_token(claims, None, time_zone=ZoneInfo("Europe/Rome"), now=now)

    assert report.check("expiry").result == (PASSED if status == "active" else FAILED)
    assert report.status == (status if status != "active" else "unknown")  # no record: the status stays open
