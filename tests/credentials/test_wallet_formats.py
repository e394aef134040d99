"""The wallet formats' pure parts, against the specifications' own examples: SD-JWT disclosures and digests
(RFC 9901), the Token Status List's bit order and encoding (draft-ietf-oauth-status-list), and tampering."""

from __future__ import annotations

import datetime

import pytest

from credentials.documents import jose, sd_jwt_vc, token_status_list
from credentials.documents.keys import create_test_seal

from .wallet_helpers import holder_key, public_jwk


def test_a_disclosure_and_its_digest_are_those_of_rfc_9901():
    text = sd_jwt_vc.disclosure("_26bc4LT-ac6q2KI6cBW5es", "family_name", "Möbius")
    assert text == "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0"
    assert sd_jwt_vc.digest(text) == "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0"


def test_the_status_list_packs_one_bit_entries_as_the_draft_shows():
    statuses = dict(enumerate([1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]))
    assert token_status_list.pack(16, statuses, bits=1) == bytes([0xB9, 0xA3])
    assert token_status_list.decode("eNrbuRgAAhcBXQ") == bytes([0xB9, 0xA3])


def test_the_status_list_packs_two_bit_entries_as_the_draft_shows():
    statuses = dict(enumerate([1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]))
    data = token_status_list.pack(12, statuses, bits=2)
    assert data == bytes([0xC9, 0x44, 0xF9])
    assert token_status_list.decode(token_status_list.encode(data)) == data
    assert [token_status_list.status_at(data, index, bits=2) for index in range(12)] == list(statuses.values())


def test_a_status_outside_the_list_is_refused():
    with pytest.raises(token_status_list.TokenStatusListError):
        token_status_list.status_at(bytes(2), 8, bits=2)
    with pytest.raises(token_status_list.TokenStatusListError):
        token_status_list.pack(8, {0: 4}, bits=2)


@pytest.fixture(scope="module")
def seal_key():
    key, _p12 = create_test_seal(organization_name="AIPIA", organization_identifier="VATIT-12345678901")
    return key


def test_a_status_list_token_is_signed_by_the_seal_key_and_a_changed_bit_breaks_it(seal_key):
    now = datetime.datetime.now(datetime.UTC)
    data = token_status_list.pack(16, {3: 2}, bits=2)
    token = token_status_list.build_token(
        uri="https://c.example/status/tokens/1",
        data=data,
        bits=2,
        key=seal_key,
        now=now,
        ttl_seconds=60,
        valid_seconds=3600,
    )
    jws = jose.read_compact(token)
    assert jws.header["typ"] == "statuslist+jwt" and jws.header["kid"] == seal_key.kid
    jose.verify_signature(jws, jose.certificates_from_x5c(jws.header["x5c"])[0].public_key())
    forged_payload = {**jws.payload, "status_list": {"bits": 2, "lst": token_status_list.encode(bytes(4))}}
    header, _payload, signature = token.split(".")
    forged = jose.read_compact(f"{header}.{jose.b64url_json(forged_payload)}.{signature}")
    with pytest.raises(jose.JoseError):
        jose.verify_signature(forged, seal_key.certificate.public_key())


def test_a_proof_key_with_private_material_is_refused():
    jwk = {**public_jwk(holder_key()), "d": "c2VjcmV0"}
    with pytest.raises(jose.JoseError):
        jose.public_key_from_jwk(jwk)


def test_the_disclosures_put_back_are_those_the_digests_name_and_no_other():
    salt = "c2FsdA"
    payload = {"_sd": [sd_jwt_vc.digest(sd_jwt_vc.disclosure(salt, "given_name", "Ada"))], "iss": "x"}
    claims, problems = sd_jwt_vc.disclosed_claims(payload, [sd_jwt_vc.disclosure(salt, "given_name", "Ada")])
    assert claims == {"iss": "x", "given_name": "Ada"} and problems == []
    _claims, problems = sd_jwt_vc.disclosed_claims(payload, [sd_jwt_vc.disclosure(salt, "given_name", "Eve")])
    assert problems  # an altered value has another digest
