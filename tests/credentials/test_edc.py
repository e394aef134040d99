"""Pure tests of the EDC builder and of the SHACL conformance check: no database."""

import base64
import copy
import dataclasses
import datetime
import io
import json
import uuid

import pytest
from PIL import Image

from credentials.documents.credential_data import Competence, CredentialData, StatusEntry
from credentials.documents.edc import build_credential, canonical_json
from credentials.documents.shacl import ContextNotAvailableError, check_conformance, offline_document_loader
from tests.edc_files import SAMPLES, SAMPLES_DIR, material_dir, needs_edc_material, needs_samples

UTC = datetime.UTC
XSD_ANY_URI = "http://www.w3.org/2001/XMLSchema#anyURI"


@pytest.fixture
def edc_data() -> CredentialData:
    return CredentialData(
        credential_id=uuid.UUID("0b6f3a52-7d0e-4c4e-9a51-3f1d2c9b8a70"),
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
        competences=(
            Competence(code="A.6", title_en="Application Design", title_it="Progettazione di applicazioni", level=3),
            Competence(code="B.1", title_en="Application Development", title_it="Sviluppo di applicazioni", level=3),
            Competence(code="B.2", title_en="Component Integration", title_it="Integrazione dei componenti", level=4),
        ),
        assessment_date=datetime.datetime(2026, 3, 1, 10, 0, tzinfo=UTC),
        issued=datetime.datetime(2026, 3, 2, 9, 15, 30, tzinfo=UTC),
        valid_from=datetime.datetime(2026, 3, 2, 9, 15, 30, tzinfo=UTC),
        valid_until=datetime.datetime(2029, 3, 2, 9, 15, 30, tzinfo=UTC),
        status_entries=(
            StatusEntry(purpose="revocation", list_number=1, index=94567),
            StatusEntry(purpose="suspension", list_number=2, index=23),
        ),
        status_base_url="https://credentials.aipia.example",
        verify_url="https://credentials.aipia.example/v/eyJ0b2tlbiI6MX0",
    )


@pytest.fixture
def edc_credential(edc_data) -> dict:
    return build_credential(edc_data)


def sample_payload(name: str) -> dict:
    sealed = json.loads((SAMPLES_DIR / name).read_text(encoding="utf-8"))
    return json.loads(sealed["payload"])


def in_earlier_form(credential: dict) -> dict:
    """``credential`` as we issued it until December 2026: two W3C status entry objects in credentialStatus."""
    earlier = copy.deepcopy(credential)
    earlier["credentialStatus"] = [
        {
            "id": f"https://credentials.aipia.example/status/{purpose}/1#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": str(index),
            "statusListCredential": f"https://credentials.aipia.example/status/{purpose}/1",
        }
        for purpose, index in (("revocation", 94567), ("suspension", 23))
    ]
    return earlier


def remove_everywhere(node, key: str) -> None:
    if isinstance(node, dict):
        node.pop(key, None)
        for value in node.values():
            remove_everywhere(value, key)
    elif isinstance(node, list):
        for value in node:
            remove_everywhere(value, key)


# ----------------------------------------------------------------------------------- conformance


@needs_edc_material
@needs_samples
@pytest.mark.parametrize("name", SAMPLES)
def test_the_europass_samples_conform_to_the_edc_shapes(name):
    report = check_conformance(sample_payload(name), edc_dir=material_dir())

    assert report.conforms, report.messages
    assert report.messages == []


@needs_edc_material
def test_a_built_credential_without_status_entries_conforms_to_the_edc_shapes(edc_data):
    credential = build_credential(dataclasses.replace(edc_data, status_entries=()))

    report = check_conformance(credential, edc_dir=material_dir())

    assert report.conforms, report.messages
    assert "credentialStatus" not in credential


@needs_edc_material
def test_a_built_credential_with_its_status_reference_conforms_strictly_to_the_edc_shapes(edc_credential):
    report = check_conformance(edc_credential, edc_dir=material_dir())

    assert report.conforms, report.messages
    assert report.messages == []


@needs_edc_material
@pytest.mark.parametrize(
    "status",
    [
        "https://credentials.aipia.example/status/#revocation=1:94567&suspension=2:23",
        {
            "id": "https://credentials.aipia.example/status/revocation/1#94567",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "94567",
            "statusListCredential": "https://credentials.aipia.example/status/revocation/1",
        },
    ],
    ids=["a plain string (an IRI under the W3C context)", "a single W3C status entry"],
)
def test_the_official_shapes_accept_only_a_typed_any_uri_literal_as_credential_status(edc_credential, status):
    credential = {**copy.deepcopy(edc_credential), "credentialStatus": status}

    report = check_conformance(credential, edc_dir=material_dir())

    assert not report.conforms
    assert all(" cred:credentialStatus: " in message for message in report.messages), report.messages


@needs_edc_material
def test_the_earlier_form_fails_the_strict_check_only_on_its_two_status_entries(edc_credential):
    report = check_conformance(in_earlier_form(edc_credential), edc_dir=material_dir())

    assert not report.conforms
    assert report.messages
    assert all(" cred:credentialStatus: " in message for message in report.messages), report.messages


@needs_edc_material
def test_the_earlier_form_conforms_on_its_labelled_legacy_path(edc_credential):
    report = check_conformance(in_earlier_form(edc_credential), edc_dir=material_dir(), earlier_status_form=True)

    assert report.conforms, report.messages


@needs_edc_material
@pytest.mark.parametrize(
    ("remove", "expected"),
    [
        (lambda c: c.pop("issuer"), "cred:issuer"),
        (lambda c: c.pop("credentialSubject"), "cred:credentialSubject"),
        (lambda c: c.pop("displayParameter"), "elm:displayParameter"),
        # The issuer is embedded again as awarding body and assessor; in the graph they are one node.
        (lambda c: remove_everywhere(c, "eIDASIdentifier"), "elm:eidasLegalIdentifier"),
        (lambda c: c["credentialSubject"]["hasClaim"]["provenBy"].pop("grade"), "elm:grade"),
    ],
    ids=["issuer", "credentialSubject", "displayParameter", "eIDASIdentifier", "assessment grade"],
)
def test_a_credential_missing_a_required_element_does_not_conform(edc_credential, remove, expected):
    credential = copy.deepcopy(edc_credential)
    remove(credential)

    report = check_conformance(credential, edc_dir=material_dir())

    assert not report.conforms
    assert any(expected in message for message in report.messages), report.messages


@needs_edc_material
def test_a_malformed_status_entry_does_not_conform_even_on_the_legacy_path(edc_credential):
    credential = in_earlier_form(edc_credential)
    credential["credentialStatus"][0]["statusListIndex"] = 94567  # a number, not a string

    report = check_conformance(credential, edc_dir=material_dir(), earlier_status_form=True)

    assert not report.conforms
    assert any("statusListIndex" in message for message in report.messages), report.messages


@needs_edc_material
def test_the_offline_loader_serves_the_two_edc_contexts_from_files():
    load = offline_document_loader(material_dir())

    for url in ("https://www.w3.org/2018/credentials/v1", "http://data.europa.eu/snb/model/context/edc-ap"):
        assert "@context" in load(url, {})["document"]


def test_the_offline_loader_refuses_any_other_url():
    load = offline_document_loader(material_dir())

    with pytest.raises(ContextNotAvailableError):
        load("https://www.w3.org/ns/credentials/v2", {})
    with pytest.raises(ContextNotAvailableError):
        load("https://www.w3.org/2018/credentials/v1/", {})


@needs_edc_material
def test_a_credential_with_another_context_does_not_conform_and_nothing_is_fetched(edc_credential):
    credential = copy.deepcopy(edc_credential)
    credential["@context"].append("https://attacker.example/context.jsonld")

    report = check_conformance(credential, edc_dir=material_dir())

    assert not report.conforms
    assert any("https://attacker.example/context.jsonld" in message for message in report.messages)


# ---------------------------------------------------------------------------------------- content


def test_building_is_deterministic(edc_data):
    first = canonical_json(build_credential(edc_data))
    second = canonical_json(build_credential(dataclasses.replace(edc_data)))

    assert first == second


def test_inner_node_ids_derive_from_the_credential_id(edc_data):
    other = build_credential(dataclasses.replace(edc_data, credential_id=uuid.UUID(int=7)))
    credential = build_credential(edc_data)

    assert credential["credentialSubject"]["id"] != other["credentialSubject"]["id"]
    assert credential["credentialSubject"]["hasClaim"]["id"].startswith("urn:uuid:")


def test_the_credential_has_the_edc_header(edc_credential, edc_data):
    assert edc_credential["@context"] == [
        "https://www.w3.org/2018/credentials/v1",
        "http://data.europa.eu/snb/model/context/edc-ap",
    ]
    assert edc_credential["id"] == f"urn:uuid:{edc_data.credential_id}"
    assert edc_credential["type"] == ["VerifiableCredential", "EuropeanDigitalCredential"]
    assert edc_credential["credentialProfiles"]["id"] == "http://data.europa.eu/snb/credential/e34929035b"
    assert edc_credential["credentialSchema"] == {
        "id": "http://data.europa.eu/snb/model/ap/edc-generic-full",
        "type": "ShaclValidator2017",
    }


def test_the_credential_names_both_status_entries_in_one_typed_any_uri(edc_credential):
    # The fragment carries the entries, so dereferencing the URI tells the server nothing about the credential.
    assert edc_credential["credentialStatus"] == {
        "@value": "https://credentials.aipia.example/status/#revocation=1:94567&suspension=2:23",
        "@type": XSD_ANY_URI,
    }


def test_the_credential_carries_the_dates_as_given_in_utc(edc_data):
    rome = datetime.timezone(datetime.timedelta(hours=1))
    credential = build_credential(
        dataclasses.replace(edc_data, valid_from=datetime.datetime(2026, 3, 2, 10, 15, 30, tzinfo=rome))
    )

    assert credential["issued"] == credential["issuanceDate"] == "2026-03-02T09:15:30Z"
    assert credential["validFrom"] == "2026-03-02T09:15:30Z"
    assert credential["validUntil"] == credential["expirationDate"] == "2029-03-02T09:15:30Z"


def test_the_issuer_carries_the_seal_certificates_organization_identifier(edc_credential):
    issuer = edc_credential["issuer"]

    assert issuer["id"] == "https://credentials.aipia.example/issuer"
    assert issuer["type"] == "Organisation"
    assert issuer["eIDASIdentifier"]["type"] == "LegalIdentifier"
    assert issuer["eIDASIdentifier"]["notation"] == "VATIT-12345678901"
    assert issuer["eIDASIdentifier"]["spatial"]["id"] == "http://publications.europa.eu/resource/authority/country/ITA"
    assert issuer["legalName"] == {"en": "AIPIA — Associazione Italiana per l'Intelligenza Artificiale"}


def test_the_achievement_is_the_profile_with_one_learning_outcome_per_competence(edc_credential):
    achievement = edc_credential["credentialSubject"]["hasClaim"]
    qualification = achievement["specifiedBy"]

    assert achievement["type"] == "LearningAchievement"
    assert achievement["title"] == {"en": "AI/ML Engineer", "it": "Ingegnere AI/ML"}
    assert achievement["provenBy"]["type"] == "LearningAssessment"
    assert achievement["awardedBy"]["awardingBody"]["id"] == "https://credentials.aipia.example/issuer"
    assert qualification["type"] == "Qualification"
    assert qualification["eqfLevel"]["id"] == "http://data.europa.eu/snb/eqf/6"
    assert qualification["identifier"]["notation"] == "ai-ml-engineer"
    assert [outcome["title"] for outcome in qualification["learningOutcome"]][1] == {
        "en": "B.1 Application Development — e-3",
        "it": "B.1 Sviluppo di applicazioni — e-3",
    }


def test_the_holder_is_a_person_with_names_and_email(edc_credential):
    holder = edc_credential["credentialSubject"]

    assert holder["type"] == "Person"
    assert holder["givenName"] == {"en": "Giulia"}
    assert holder["familyName"] == {"en": "Bianchi"}
    assert holder["contactPoint"]["emailAddress"]["id"] == "mailto:giulia.bianchi@example.org"


def test_a_holder_without_email_has_no_contact_point(edc_data):
    credential = build_credential(dataclasses.replace(edc_data, holder_email=None))

    assert "contactPoint" not in credential["credentialSubject"]


@needs_edc_material
def test_a_credential_with_only_the_required_data_still_conforms(edc_data):
    sparse = dataclasses.replace(
        edc_data,
        holder_family_name="",
        holder_email=None,
        issuer_homepage="",
        profile_description_en="",
        profile_description_it="",
        competences=(),
        status_entries=(),
        verify_url="",
    )
    credential = build_credential(sparse)

    report = check_conformance(credential, edc_dir=material_dir())

    assert report.conforms, report.messages
    assert credential["credentialSubject"]["fullName"] == {"en": "Giulia"}
    assert "familyName" not in credential["credentialSubject"]


def test_each_display_language_has_a_png_image(edc_credential):
    displays = edc_credential["displayParameter"]["individualDisplay"]

    assert [display["language"]["id"].rsplit("/", 1)[1] for display in displays] == ["ENG", "ITA"]
    for display in displays:
        media = display["displayDetail"]["image"]
        with Image.open(io.BytesIO(base64.b64decode(media["content"]))) as image:
            assert image.format == "PNG"
            assert image.size == (640, 452)


def test_canonical_json_sorts_keys_without_whitespace_and_keeps_unicode():
    assert canonical_json({"b": "è", "a": [1, {"d": 2, "c": 3}]}) == '{"a":[1,{"c":3,"d":2}],"b":"è"}'.encode()


@pytest.mark.parametrize(
    "change",
    [
        {"valid_until": datetime.datetime(2029, 3, 2, 9, 15, 30)},
        {"eqf_level": 9},
        {"competences": (Competence(code="B.1", title_en="x", title_it="x", level=6),)},
        {"issuer_country": "XX"},
        {"status_entries": (StatusEntry(purpose="expiry", list_number=1, index=1),)},
        {"status_entries": (StatusEntry("revocation", 1, 1), StatusEntry("revocation", 2, 2))},
        {"status_base_url": ""},
    ],
    ids=[
        "naive datetime",
        "EQF level 9",
        "e-CF level 6",
        "unknown country",
        "unknown status purpose",
        "two entries of one purpose",
        "no status base URL",
    ],
)
def test_data_the_credential_cannot_express_is_refused(edc_data, change):
    with pytest.raises(ValueError):
        build_credential(dataclasses.replace(edc_data, **change))
