"""Wallets: the OpenID4VCI issuer (offers, token, nonce, credential), the SD-JWT VC it issues, the Token Status List
behind it, and our verifier reading both. The refusals are each the specification's error, and nothing is issued."""

from __future__ import annotations

import datetime
import json
import re
import urllib.parse

import pytest
from django.test import Client
from django.utils import timezone

from credentials.documents import sd_jwt_vc, token_status_list
from credentials.documents.jose import read_compact
from credentials.models import CredentialEvent, WalletOffer
from credentials.services import status, token_status, wallet
from credentials.verification import server

from ..factories import member
from .wallet_helpers import holder_key, proof, public_jwk

ISSUED = "credential.wallet_issued"


@pytest.fixture(autouse=True)
def _fresh_tokens():
    token_status.forget()
    yield
    token_status.forget()


@pytest.fixture
def holder_client(issued_credential) -> Client:
    client = Client()
    client.force_login(issued_credential.holder)
    return client


def _offer(client: Client, credential, format: str = "dc+sd-jwt") -> dict:
    response = client.post(
        f"/api/v1/credentials/{credential.pk}/wallet-offers", {"format": format}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def _code(answer: dict) -> str:
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(answer["offer"]).query)
    uri = query["credential_offer_uri"][0]
    return uri.rsplit("/", 1)[1]


def _token(client: Client, code: str, tx_code: str | None) -> object:
    data = {"grant_type": wallet.PRE_AUTHORIZED_GRANT, "pre-authorized_code": code}
    if tx_code is not None:
        data["tx_code"] = tx_code
    return client.post("/wallet/token", urllib.parse.urlencode(data), content_type="application/x-www-form-urlencoded")


def _nonce(client: Client) -> str:
    return client.post("/wallet/nonce").json()["c_nonce"]


def _credential_request(client: Client, access_token: str | None, jwt: str, configuration: str) -> object:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {access_token}"} if access_token else {}
    body = {"credential_configuration_id": configuration, "proofs": {"jwt": [jwt]}}
    return client.post("/wallet/credential", json.dumps(body), content_type="application/json", **headers)


def _issued_events(credential) -> int:
    return CredentialEvent.objects.filter(credential=credential, action=ISSUED).count()


def _access_token(holder_client: Client, credential) -> tuple[str, str]:
    answer = _offer(holder_client, credential)
    response = _token(Client(), _code(answer), answer["tx_code"])
    assert response.status_code == 200, response.content
    return response.json()["access_token"], wallet.configuration_id(kind=credential.kind, format="dc+sd-jwt")


AUDIENCE = "http://testserver"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = AUDIENCE


# --- metadata ------------------------------------------------------------------------------------------------


def test_the_issuer_metadata_names_the_endpoints_and_each_kind_in_sd_jwt_vc(client, db):
    metadata = client.get("/.well-known/openid-credential-issuer").json()
    assert metadata["credential_issuer"] == AUDIENCE
    assert metadata["credential_endpoint"] == f"{AUDIENCE}/wallet/credential"
    assert metadata["nonce_endpoint"] == f"{AUDIENCE}/wallet/nonce"
    assert {entry["locale"] for entry in metadata["display"]} == {"it", "en"}
    configuration = metadata["credential_configurations_supported"]["certification_dc_sd_jwt"]
    assert configuration["format"] == "dc+sd-jwt"
    assert configuration["vct"] == f"{AUDIENCE}/wallet/types/certification"
    assert "ES256" in configuration["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"]
    badge = metadata["credential_configurations_supported"]["certification_jwt_vc_json"]
    assert badge["format"] == "jwt_vc_json" and "OpenBadgeCredential" in badge["credential_definition"]["type"]
    server_metadata = client.get("/.well-known/oauth-authorization-server").json()
    assert server_metadata["token_endpoint"] == f"{AUDIENCE}/wallet/token"
    assert server_metadata["grant_types_supported"] == [wallet.PRE_AUTHORIZED_GRANT]


def test_the_vct_serves_type_metadata_in_italian_and_english(client, db):
    metadata = client.get("/wallet/types/certification").json()
    assert metadata["vct"] == f"{AUDIENCE}/wallet/types/certification"
    assert {entry["locale"] for entry in metadata["display"]} == {"it", "en"}
    given_name = next(claim for claim in metadata["claims"] if claim["path"] == ["given_name"])
    assert {"locale": "it", "label": "Nome"} in given_name["display"] and given_name["sd"] == "always"
    assert client.get("/wallet/types/unknown").status_code == 404


# --- offers ----------------------------------------------------------------------------------------------------


def test_the_holder_gets_an_offer_link_and_a_separate_transaction_code(holder_client, issued_credential):
    answer = _offer(holder_client, issued_credential)
    assert answer["offer"].startswith("openid-credential-offer://?credential_offer_uri=")
    assert re.fullmatch(r"[0-9]{6}", answer["tx_code"]) and answer["tx_code"] not in answer["offer"]
    document = holder_client.get(answer["credential_offer_uri"].removeprefix(AUDIENCE)).json()
    assert document["credential_configuration_ids"] == ["certification_dc_sd_jwt"]
    grant = document["grants"][wallet.PRE_AUTHORIZED_GRANT]
    assert grant["pre-authorized_code"] == _code(answer) and grant["tx_code"]["length"] == 6
    offer = WalletOffer.objects.get(pk=answer["id"])
    assert answer["tx_code"] not in offer.tx_code_hash and _code(answer) != offer.pre_authorized_code_hash
    assert CredentialEvent.objects.filter(credential=issued_credential, action="credential.wallet_offer_created")


def test_another_member_cannot_offer_someone_elses_credential(issued_credential, db):
    stranger = Client()
    stranger.force_login(member())
    response = stranger.post(
        f"/api/v1/credentials/{issued_credential.pk}/wallet-offers",
        {"format": "dc+sd-jwt"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not WalletOffer.objects.exists()


def test_a_revoked_offer_is_no_longer_served_and_its_code_is_refused(holder_client, issued_credential):
    answer = _offer(holder_client, issued_credential)
    response = holder_client.delete(f"/api/v1/credentials/{issued_credential.pk}/wallet-offers/{answer['id']}")
    assert response.status_code == 200 and response.json()["state"] == "revoked"
    assert holder_client.get(f"/wallet/offers/{_code(answer)}").status_code == 404
    refused = _token(Client(), _code(answer), answer["tx_code"])
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"


def test_a_new_offer_replaces_the_open_one(holder_client, issued_credential):
    first = _offer(holder_client, issued_credential)
    _offer(holder_client, issued_credential)
    assert _token(Client(), _code(first), first["tx_code"]).json()["error"] == "invalid_grant"


def test_a_suspended_credential_cannot_be_offered(holder_client, issued_credential, admin_user):
    status.suspend(credential=issued_credential, actor=admin_user, category="other", reason="Checking a complaint.")
    response = holder_client.post(
        f"/api/v1/credentials/{issued_credential.pk}/wallet-offers",
        {"format": "dc+sd-jwt"},
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["code"] == "not_active"


# --- the whole flow, and our verifier ---------------------------------------------------------------------------


def test_a_wallet_receives_an_sd_jwt_vc_bound_to_its_key_which_our_verifier_reads_as_its_status_changes(
    holder_client, issued_credential, admin_user, settings
):
    key = holder_key()
    access_token, configuration = _access_token(holder_client, issued_credential)
    wallet_client = Client()
    jwt = proof(key=key, audience=AUDIENCE, nonce=_nonce(wallet_client))
    response = _credential_request(wallet_client, access_token, jwt, configuration)
    assert response.status_code == 200, response.content
    text = response.json()["credentials"][0]["credential"]
    header, payload = sd_jwt_vc.header_and_payload(text)
    assert header["typ"] == "dc+sd-jwt" and header["x5c"] and header["alg"] == "ES256"
    assert payload["cnf"]["jwk"] == public_jwk(key)
    assert payload["iss"] == AUDIENCE and payload["vct"] == f"{AUDIENCE}/wallet/types/certification"
    assert "given_name" not in payload and "family_name" not in payload  # selectively disclosable
    assert payload["status"]["status_list"]["uri"].startswith(f"{AUDIENCE}/status/tokens/")
    jwks = holder_client.get("/.well-known/jwks.json").json()
    assert header["kid"] in {entry["kid"] for entry in jwks["keys"]}
    event = CredentialEvent.objects.get(credential=issued_credential, action=ISSUED)
    assert event.data["format"] == "dc+sd-jwt" and event.actor == issued_credential.holder
    page = holder_client.get(f"/credentials/{issued_credential.pk}/")
    assert "Added to a wallet" in page.content.decode()

    max_bytes = settings.VERIFY_MAX_UPLOAD_BYTES
    report = server.verify_document_with_records(text.encode(), max_bytes=max_bytes)
    assert report.status == "active", report.as_dict()
    assert [c.result for c in report.checks] == ["passed"] * 6
    status.suspend(credential=issued_credential, actor=admin_user, category="other", reason="Checking a complaint.")
    assert server.verify_document_with_records(text.encode(), max_bytes=max_bytes).status == "suspended"
    status.revoke(credential=issued_credential, actor=admin_user, category="other", reason="Obtained by fraud.")
    assert server.verify_document_with_records(text.encode(), max_bytes=max_bytes).status == "revoked"
    answer = holder_client.post("/api/v1/verifications", text, content_type="text/plain")
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "revoked"


def test_a_wallet_receives_an_open_badge_bound_to_its_key_which_our_verifier_reads_revoked_once_revoked(
    holder_client, issued_credential, admin_user, settings
):
    key = holder_key()
    answer = _offer(holder_client, issued_credential, format="jwt_vc_json")
    access_token = _token(Client(), _code(answer), answer["tx_code"]).json()["access_token"]
    jwt = proof(key=key, audience=AUDIENCE, nonce=_nonce(Client()))
    response = _credential_request(Client(), access_token, jwt, "certification_jwt_vc_json")
    assert response.status_code == 200, response.content
    token = response.json()["credentials"][0]["credential"]
    claims = read_compact(token).payload
    assert claims["sub"].startswith("did:jwk:") and claims["credentialSubject"]["id"] == claims["sub"]
    assert CredentialEvent.objects.get(credential=issued_credential, action=ISSUED).data["format"] == "jwt_vc_json"
    max_bytes = settings.VERIFY_MAX_UPLOAD_BYTES
    assert server.verify_document_with_records(token.encode(), max_bytes=max_bytes).status == "active"
    status.revoke(credential=issued_credential, actor=admin_user, category="other", reason="Obtained by fraud.")
    assert server.verify_document_with_records(token.encode(), max_bytes=max_bytes).status == "revoked"


def test_an_altered_disclosure_makes_the_sd_jwt_vc_fail_its_format_check(holder_client, issued_credential, settings):
    key = holder_key()
    access_token, configuration = _access_token(holder_client, issued_credential)
    text = _credential_request(
        Client(), access_token, proof(key=key, audience=AUDIENCE, nonce=_nonce(Client())), configuration
    ).json()["credentials"][0]["credential"]
    forged = sd_jwt_vc.disclosure("c2FsdHNhbHRzYWx0", "family_name", "Someone Else")
    tampered = text + forged + "~"
    report = server.verify_document_with_records(tampered.encode(), max_bytes=settings.VERIFY_MAX_UPLOAD_BYTES)
    assert report.status == "unknown" and report.check("format").result == "failed"


# --- the token status list --------------------------------------------------------------------------------------


def test_the_status_list_token_changes_when_the_credential_is_suspended_and_revoked(
    client, issued_credential, admin_user, settings
):
    uri, index = token_status.reference_for(issued_credential)
    path = uri.removeprefix(AUDIENCE)

    def read(response) -> int:
        assert response["Content-Type"] == "application/statuslist+jwt"
        jws = read_compact(response.content.decode())
        assert jws.header["typ"] == "statuslist+jwt" and jws.payload["sub"] == uri
        listed = token_status_list.read_payload(response.content.decode())
        return token_status_list.status_at(listed.data, index, bits=listed.bits)

    first = client.get(path)
    assert read(first) == 0
    assert first["Cache-Control"] == f"public, max-age={settings.STATUS_LIST_MAX_AGE}"
    assert client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    status.suspend(credential=issued_credential, actor=admin_user, category="other", reason="Checking a complaint.")
    suspended = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert suspended.status_code == 200 and read(suspended) == 2
    status.revoke(credential=issued_credential, actor=admin_user, category="other", reason="Obtained by fraud.")
    assert read(client.get(path)) == 1
    assert client.get("/status/tokens/999").status_code == 404


# --- refusals: each the specification's error, nothing issued -----------------------------------------------------


def test_a_wrong_transaction_code_is_invalid_grant(holder_client, issued_credential):
    answer = _offer(holder_client, issued_credential)
    wrong = "000000" if answer["tx_code"] != "000000" else "111111"
    response = _token(Client(), _code(answer), wrong)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert WalletOffer.objects.get(pk=answer["id"]).failed_attempts == 1
    assert _issued_events(issued_credential) == 0


def test_a_missing_transaction_code_is_invalid_request(holder_client, issued_credential):
    answer = _offer(holder_client, issued_credential)
    response = _token(Client(), _code(answer), None)
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_a_pre_authorized_code_and_its_transaction_code_work_once(holder_client, issued_credential):
    answer = _offer(holder_client, issued_credential)
    assert _token(Client(), _code(answer), answer["tx_code"]).status_code == 200
    again = _token(Client(), _code(answer), answer["tx_code"])
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_an_expired_offer_is_invalid_grant(holder_client, issued_credential):
    answer = _offer(holder_client, issued_credential)
    WalletOffer.objects.filter(pk=answer["id"]).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = _token(Client(), _code(answer), answer["tx_code"])
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert _issued_events(issued_credential) == 0


def test_an_offer_closes_after_too_many_wrong_transaction_codes(holder_client, issued_credential, settings):
    settings.WALLET_TX_CODE_ATTEMPTS = 3
    answer = _offer(holder_client, issued_credential)
    wrong = "000000" if answer["tx_code"] != "000000" else "111111"
    for _attempt in range(3):
        assert _token(Client(), _code(answer), wrong).json()["error"] == "invalid_grant"
    right = _token(Client(), _code(answer), answer["tx_code"])
    assert right.status_code == 400 and right.json()["error"] == "invalid_grant"
    assert CredentialEvent.objects.filter(credential=issued_credential, action="credential.wallet_offer_locked")


def test_an_address_that_sends_too_many_wrong_codes_is_refused_even_the_right_one(
    holder_client, issued_credential, settings
):
    settings.WALLET_ADDRESS_FAILURES = 2
    answer = _offer(holder_client, issued_credential)
    for _attempt in range(2):
        _token(Client(), "guessed-" + str(_attempt), "123456")
    refused = _token(Client(), _code(answer), answer["tx_code"])
    assert refused.status_code == 429 and refused.json()["error"] == "invalid_request"
    assert WalletOffer.objects.get(pk=answer["id"]).token_issued_at is None


def test_a_credential_request_without_a_token_is_invalid_token(issued_credential, db):
    response = _credential_request(
        Client(), None, proof(key=holder_key(), audience=AUDIENCE, nonce="x"), "certification_dc_sd_jwt"
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_token"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert _issued_events(issued_credential) == 0


def test_a_replayed_nonce_is_invalid_nonce(holder_client, issued_credential):
    key = holder_key()
    nonce = _nonce(Client())
    first_token, configuration = _access_token(holder_client, issued_credential)
    assert (
        _credential_request(
            Client(), first_token, proof(key=key, audience=AUDIENCE, nonce=nonce), configuration
        ).status_code
        == 200
    )
    second_token, _configuration = _access_token(holder_client, issued_credential)
    replay = _credential_request(Client(), second_token, proof(key=key, audience=AUDIENCE, nonce=nonce), configuration)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_nonce"
    assert _issued_events(issued_credential) == 1


def test_an_unknown_nonce_is_invalid_nonce(holder_client, issued_credential):
    access_token, configuration = _access_token(holder_client, issued_credential)
    response = _credential_request(
        Client(), access_token, proof(key=holder_key(), audience=AUDIENCE, nonce="made-up"), configuration
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_nonce"
    assert _issued_events(issued_credential) == 0


@pytest.mark.parametrize(
    "case",
    ["another audience", "signed by another key than its jwk", "wrong typ", "no nonce"],
)
def test_a_bad_proof_is_refused_and_nothing_is_issued(holder_client, issued_credential, case):
    access_token, configuration = _access_token(holder_client, issued_credential)
    key, nonce = holder_key(), _nonce(Client())
    jwt = {
        "another audience": lambda: proof(key=key, audience="https://issuer.example.org", nonce=nonce),
        "signed by another key than its jwk": lambda: proof(
            key=key, audience=AUDIENCE, nonce=nonce, header_key=holder_key()
        ),
        "wrong typ": lambda: proof(key=key, audience=AUDIENCE, nonce=nonce, typ="JWT"),
        "no nonce": lambda: proof(key=key, audience=AUDIENCE, nonce=None),
    }[case]()
    response = _credential_request(Client(), access_token, jwt, configuration)
    expected = "invalid_nonce" if case == "no nonce" else "invalid_proof"
    assert response.status_code == 400 and response.json()["error"] == expected
    assert _issued_events(issued_credential) == 0
    # The token was not used up by a refused request: a good proof still gets the credential.
    good = _credential_request(
        Client(), access_token, proof(key=key, audience=AUDIENCE, nonce=_nonce(Client())), configuration
    )
    assert good.status_code == 200


def test_an_access_token_gets_one_credential(holder_client, issued_credential):
    key = holder_key()
    access_token, configuration = _access_token(holder_client, issued_credential)
    assert (
        _credential_request(
            Client(), access_token, proof(key=key, audience=AUDIENCE, nonce=_nonce(Client())), configuration
        ).status_code
        == 200
    )
    again = _credential_request(
        Client(), access_token, proof(key=key, audience=AUDIENCE, nonce=_nonce(Client())), configuration
    )
    assert again.status_code == 401 and again.json()["error"] == "invalid_token"
    assert _issued_events(issued_credential) == 1


def test_a_request_for_another_configuration_is_refused(holder_client, issued_credential):
    access_token, _configuration = _access_token(holder_client, issued_credential)
    response = _credential_request(
        Client(),
        access_token,
        proof(key=holder_key(), audience=AUDIENCE, nonce=_nonce(Client())),
        "attestation_dc_sd_jwt",
    )
    assert response.status_code == 400 and response.json()["error"] == "unknown_credential_configuration"


def test_a_credential_revoked_after_the_token_is_denied(holder_client, issued_credential, admin_user):
    access_token, configuration = _access_token(holder_client, issued_credential)
    status.revoke(credential=issued_credential, actor=admin_user, category="other", reason="Obtained by fraud.")
    response = _credential_request(
        Client(), access_token, proof(key=holder_key(), audience=AUDIENCE, nonce=_nonce(Client())), configuration
    )
    assert response.status_code == 400 and response.json()["error"] == "credential_request_denied"
    assert _issued_events(issued_credential) == 0


def test_the_nonce_endpoint_is_never_cached(client, db):
    response = client.post("/wallet/nonce")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert response.json()["c_nonce"] != client.post("/wallet/nonce").json()["c_nonce"]


# --- the holder's page ----------------------------------------------------------------------------------------


def test_the_holder_page_shows_a_new_offer_once_with_its_qr_code_and_transaction_code_apart(
    holder_client, issued_credential
):
    page = holder_client.get(f"/credentials/{issued_credential.pk}/").content.decode()
    assert "Add to a wallet" in page and 'value="dc+sd-jwt"' in page
    response = holder_client.post(f"/credentials/{issued_credential.pk}/wallet/", {"format": "dc+sd-jwt"})
    assert response.status_code == 302 and response["Location"].endswith("#wallet")
    offer = WalletOffer.objects.get(credential=issued_credential)
    page = holder_client.get(f"/credentials/{issued_credential.pk}/").content.decode()
    assert 'src="data:image/png;base64,' in page and "openid-credential-offer://?credential_offer_uri=" in page
    tx_code = re.search(r'class="tx-code"[^>]*>([0-9]{6})<', page).group(1)
    code = re.search(r"credential_offer_uri=[^\"]*%2Fwallet%2Foffers%2F([A-Za-z0-9_-]+)", page).group(1)
    assert _token(Client(), code, tx_code).status_code == 200
    again = holder_client.get(f"/credentials/{issued_credential.pk}/").content.decode()
    assert tx_code not in again  # shown once
    assert "Wallet offer created by the holder" in again
    assert offer.tx_code_hash not in again


def test_the_holder_revokes_an_open_offer_from_the_page(holder_client, issued_credential):
    holder_client.post(f"/credentials/{issued_credential.pk}/wallet/", {"format": "dc+sd-jwt"})
    offer = WalletOffer.objects.get(credential=issued_credential)
    response = holder_client.post(f"/credentials/{issued_credential.pk}/wallet/{offer.pk}/revoke/")
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.revoked_at is not None


def test_another_member_cannot_create_or_revoke_offers_from_the_page(issued_credential, db):
    stranger = Client()
    stranger.force_login(member())
    assert stranger.post(f"/credentials/{issued_credential.pk}/wallet/", {"format": "dc+sd-jwt"}).status_code == 404
    assert not WalletOffer.objects.exists()


def test_the_verify_page_reads_a_pasted_sd_jwt_vc(holder_client, issued_credential):
    access_token, configuration = _access_token(holder_client, issued_credential)
    text = _credential_request(
        Client(), access_token, proof(key=holder_key(), audience=AUDIENCE, nonce=_nonce(Client())), configuration
    ).json()["credentials"][0]["credential"]
    page = Client().post("/verify/", {"json": text})
    assert page.status_code == 200
    assert "verdict-active" in page.content.decode()
