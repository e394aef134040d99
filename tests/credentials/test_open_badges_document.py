"""Pure tests of the Open Badges 3.0 builder, its VC-JWT and its baking: no database."""

import base64
import dataclasses
import datetime
import hashlib
import io
import json
import uuid

import pytest
from openbadgeslib import baking
from openbadgeslib.ob3 import OB3VerificationError, OB3Verifier
from openbadgeslib.ob3._context_validation import _check_form as check_form
from openbadgeslib.ob3.contexts import document_loader
from PIL import Image
from pyld import jsonld

from credentials.documents import open_badges
from credentials.documents.credential_data import Competence, CredentialData, StatusEntry
from credentials.documents.keys import create_test_seal
from profiles.badge_drawing import BadgeData, badge_png, badge_svg

UTC = datetime.UTC
LINKS = open_badges.BadgeLinks(
    achievement_url="https://credentials.aipia.example/profiles/ai-ml-engineer/",
    badge_image_url="https://credentials.aipia.example/profiles/ai-ml-engineer/badge.png",
)
NOW = datetime.datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def data() -> CredentialData:
    return CredentialData(
        credential_id=uuid.UUID("0b6f3a52-7d0e-4c4e-9a51-3f1d2c9b8a70"),
        issuer_id="https://credentials.aipia.example/issuer",
        issuer_legal_name="AIPIA — Associazione Italiana per l'Intelligenza Artificiale",
        issuer_eidas_identifier="VATIT-12345678901",
        issuer_country="IT",
        issuer_homepage="https://aipia.example/",
        holder_given_name="Giulia",
        holder_family_name="Bianchi",
        holder_email="Giulia.Bianchi@example.org",
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
            Competence(code="B.2", title_en="Component Integration", title_it="Integrazione dei componenti", level=4),
        ),
        assessment_date=NOW - datetime.timedelta(days=2),
        issued=NOW - datetime.timedelta(days=1),
        valid_from=NOW - datetime.timedelta(days=1),
        valid_until=NOW + datetime.timedelta(days=3 * 365),
        status_entries=(
            StatusEntry(purpose="suspension", list_number=2, index=23),
            StatusEntry(purpose="revocation", list_number=1, index=94567),
        ),
        status_base_url="https://credentials.aipia.example",
        verify_url="https://credentials.aipia.example/v/eyJ0b2tlbiI6MX0",
    )


@pytest.fixture(scope="module")
def key():
    seal_key, _p12 = create_test_seal(organization_name="AIPIA", organization_identifier="VATIT-12345678901")
    return seal_key


def claims_of(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_the_credential_names_the_vcdm_2_and_ob_3_0_3_contexts_and_types(data):
    credential = open_badges.build_achievement_credential(data, links=LINKS)
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"] == f"urn:uuid:{data.credential_id}"
    assert credential["validFrom"] < credential["validUntil"]


def test_every_member_is_a_term_of_the_contexts_openbadgeslib_ships(data):
    """openbadgeslib's JSON-LD form check (the one its Data Integrity verifier runs; private, so pinned with the
    package): the credential must be the compacted form of its own expansion under the OB 3.0.3 and VC 2.0
    contexts it bundles, so no member is a term those contexts leave undefined (dropped from the data)."""
    credential = open_badges.build_achievement_credential(data, links=LINKS, holder_id="did:jwk:eyJrdHkiOiJFQyJ9")
    check_form(credential, document_loader(), jsonld, what="credential", depth=0)
    with pytest.raises(OB3VerificationError, match="undefinedTerm"):
        check_form({**credential, "undefinedTerm": "x"}, document_loader(), jsonld, what="credential", depth=0)


def test_the_achievement_is_the_profile_aligned_to_its_e_cf_competences(data):
    achievement = open_badges.build_achievement_credential(data, links=LINKS)["credentialSubject"]["achievement"]
    assert achievement["id"] == LINKS.achievement_url
    assert achievement["achievementType"] == "Certification"
    assert achievement["image"] == {
        "id": LINKS.badge_image_url,
        "type": "Image",
        "caption": "AI/ML Engineer badge",
    }
    assert "UNI 11621-8:2026" in achievement["criteria"]["narrative"]
    ecf = [a for a in achievement["alignment"] if a["targetFramework"].startswith("e-CF")]
    assert [(a["targetCode"], a["targetDescription"]) for a in ecf] == [
        ("A.6", "Proficiency level e-3 of 5"),
        ("B.2", "Proficiency level e-4 of 5"),
    ]
    assert any(a["targetUrl"] == "http://data.europa.eu/snb/eqf/6" for a in achievement["alignment"])
    assert [d["requiredValue"] for d in achievement["resultDescription"]] == ["e-3", "e-4"]


def test_the_subject_holds_the_results_and_the_hashed_email_address(data):
    subject = open_badges.build_achievement_credential(data, links=LINKS)["credentialSubject"]
    assert "id" not in subject
    email, name = subject["identifier"]
    salt = data.credential_id.hex
    assert email["identityHash"] == "sha256$" + hashlib.sha256(f"giulia.bianchi@example.org{salt}".encode()).hexdigest()
    assert email["salt"] == salt and email["hashed"] is True
    assert "example.org" not in json.dumps(subject)
    assert name == {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": "Giulia Bianchi"}
    assert [result["value"] for result in subject["result"]] == ["e-3", "e-4"]


def test_revocation_and_suspension_entries_point_at_the_status_lists_served_as_jwts(data):
    entries = open_badges.build_achievement_credential(data, links=LINKS)["credentialStatus"]
    assert entries == [
        {
            "id": "https://credentials.aipia.example/status/revocation/1.jwt#94567",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "94567",
            "statusListCredential": "https://credentials.aipia.example/status/revocation/1.jwt",
        },
        {
            "id": "https://credentials.aipia.example/status/suspension/2.jwt#23",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "suspension",
            "statusListIndex": "23",
            "statusListCredential": "https://credentials.aipia.example/status/suspension/2.jwt",
        },
    ]


def test_the_same_data_gives_the_same_credential_and_token(data, key):
    first = open_badges.build_achievement_credential(data, links=LINKS)
    assert first == open_badges.build_achievement_credential(data, links=LINKS)
    assert open_badges.sign_credential(first, key, signed_at=NOW) == open_badges.sign_credential(
        first, key, signed_at=NOW
    )


def test_the_jwt_claims_are_the_credential_with_the_registered_claims_of_ob_3_0(data, key):
    credential = open_badges.build_achievement_credential(data, links=LINKS, holder_id="did:jwk:eyJrdHkiOiJFQyJ9")
    token = open_badges.sign_credential(credential, key, signed_at=NOW)
    claims = claims_of(token)
    assert {name: claims.pop(name) for name in ("iss", "jti", "sub", "nbf", "exp", "iat")} == {
        "iss": data.issuer_id,
        "jti": credential["id"],
        "sub": "did:jwk:eyJrdHkiOiJFQyJ9",
        "nbf": int(data.valid_from.timestamp()),
        "exp": int(data.valid_until.timestamp()),
        "iat": int(NOW.timestamp()),
    }
    assert claims == credential
    verified = OB3Verifier(pubkey_pem=key.certificate.public_key()).verify(token)
    assert verified.recipient_id == "did:jwk:eyJrdHkiOiJFQyJ9"


def test_a_changed_claim_breaks_the_signature(data, key):
    token = open_badges.sign_credential(open_badges.build_achievement_credential(data, links=LINKS), key, signed_at=NOW)
    claims = claims_of(token)
    claims["credentialSubject"]["achievement"]["name"] = "Chief AI Officer"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    header, _payload, signature = token.split(".")
    with pytest.raises(OB3VerificationError, match="signature"):
        OB3Verifier(pubkey_pem=key.certificate.public_key()).verify(f"{header}.{forged}.{signature}")


def test_naive_dates_and_unknown_purposes_are_refused(data):
    with pytest.raises(open_badges.BadgeError):
        open_badges.build_achievement_credential(
            dataclasses.replace(data, valid_until=datetime.datetime(2030, 1, 1)), links=LINKS
        )
    with pytest.raises(open_badges.BadgeError):
        open_badges.build_achievement_credential(
            dataclasses.replace(data, status_entries=(StatusEntry("message", 1, 2),)), links=LINKS
        )


def test_a_did_jwk_is_the_base64url_of_the_public_key():
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    did = open_badges.did_jwk(jwk)
    assert json.loads(base64.urlsafe_b64decode(did.removeprefix("did:jwk:") + "==")) == jwk
    with pytest.raises(open_badges.BadgeError):
        open_badges.did_jwk({**jwk, "d": "private"})


BADGE = BadgeData(
    code="ai-ml-engineer",
    title="AI/ML Engineer",
    association="AIPIA",
    eqf_level=6,
    standard="UNI 11621-8:2026",
    levels=(3, 4),
    areas=("A", "B"),
)


def test_a_baked_png_carries_the_token_where_openbadgeslib_reads_it(data, key):
    token = open_badges.sign_credential(open_badges.build_achievement_credential(data, links=LINKS), key, signed_at=NOW)
    baked = open_badges.bake_png(badge_png(BADGE), token)
    assert OB3Verifier.extract_token_from_png(baked) == token
    assert open_badges.read_baked(baked) == token
    assert Image.open(io.BytesIO(baked)).size == Image.open(io.BytesIO(badge_png(BADGE))).size
    # Baking again replaces the credential rather than adding a second one.
    assert open_badges.read_baked(open_badges.bake_png(baked, "a.b.c")) == "a.b.c"


def test_a_baked_svg_carries_the_token_where_openbadgeslib_reads_it(data, key):
    token = open_badges.sign_credential(open_badges.build_achievement_credential(data, links=LINKS), key, signed_at=NOW)
    baked = open_badges.bake_svg(badge_svg(BADGE), token)
    assert b'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in baked
    assert baking.extract_svg(baked, element=baking.SVG_ELEMENT_OB3) == token
    assert OB3Verifier.extract_token_from_svg(baked) == token
    assert open_badges.read_baked(baked) == token


def test_an_image_without_a_credential_is_said_so():
    with pytest.raises(open_badges.BadgeError, match="carries no Open Badges"):
        open_badges.read_baked(badge_png(BADGE))
    with pytest.raises(open_badges.BadgeError, match="carries no Open Badges"):
        open_badges.read_baked(badge_svg(BADGE))
    with pytest.raises(open_badges.BadgeError):
        open_badges.read_baked(b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg>&x;</svg>')
