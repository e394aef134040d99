"""An independent wallet (tests/wallet/wallet.mjs: @openid4vc/openid4vci's client and @sd-jwt/sd-jwt-vc, npm
packages nobody here wrote) runs the pre-authorized code flow against the running application, then verifies the
SD-JWT VC it received — issuer signature, disclosures, key binding, type metadata, status — and reads it revoked
once the credential is revoked."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client

from credentials.services import status, token_status

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "wallet" / "wallet.mjs"


def _node(*args: str) -> dict:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "@openid4vc" / "openid4vci").exists():
        pytest.fail("Node and the npm packages (make install) are needed for the independent wallet.")
    completed = subprocess.run(  # noqa: S603 - node running our fixed script, with arguments made by the test
        [node, str(SCRIPT), *args], capture_output=True, text=True, timeout=120, cwd=ROOT, check=False
    )
    assert completed.stdout, completed.stderr
    return json.loads(completed.stdout)


@pytest.fixture(autouse=True)
def _site(settings, live_server):
    settings.SITE_URL = live_server.url
    token_status.forget()


def test_an_independent_wallet_receives_and_verifies_an_sd_jwt_vc_which_reads_revoked_once_revoked(
    live_server, transactional_db, issued_credential, admin_user
):
    client = Client()
    client.force_login(issued_credential.holder)
    offer = client.post(
        f"/api/v1/credentials/{issued_credential.pk}/wallet-offers",
        {"format": "dc+sd-jwt"},
        content_type="application/json",
    ).json()

    received = _node("issue", offer["offer"], offer["tx_code"])
    assert "failed" not in received, received.get("failed")
    assert received["format"] == "dc+sd-jwt" and received["configurationId"] == "certification_dc_sd_jwt"
    assert received["verified"] is True, received.get("error")
    assert received["status"] == 0 and received["kb"] is True
    claims = received["claims"]
    assert claims["cnf"]["jwk"]["x"] == received["holderJwk"]["x"]
    assert claims["family_name"] == issued_credential.holder.last_name  # disclosed by the holder
    assert claims["learning_outcomes"] and claims["achievement_title"] == issued_credential.profile.title_en
    assert received["typeMetadataName"]
    # Our verifier reads the holder's presentation too, key binding JWT included.
    answer = client.post("/api/v1/verifications", received["presentation"], content_type="application/dc+sd-jwt").json()
    assert answer["status"] == "active", answer
    seal = next(check for check in answer["checks"] if check["name"] == "seal")
    assert "key binding JWT is valid" in seal["detail"]

    status.revoke(credential=issued_credential, actor=admin_user, category="other", reason="Obtained by fraud.")
    after = _node("verify", received["presentation"])
    assert after["verified"] is False and after["status"] == 1, after


def test_an_independent_wallet_receives_an_open_badge_bound_to_its_key_which_openbadgeslib_reads_revoked_once_revoked(
    live_server, transactional_db, issued_credential, admin_user
):
    import base64
    import urllib.request

    from cryptography import x509
    from openbadgeslib.ob3 import OB3VerificationError, OB3Verifier

    from credentials.documents.open_badges import did_jwk

    client = Client()
    client.force_login(issued_credential.holder)
    offers = f"/api/v1/credentials/{issued_credential.pk}/wallet-offers"
    offer = client.post(offers, {"format": "jwt_vc_json"}, content_type="application/json").json()

    received = _node("issue", offer["offer"], offer["tx_code"])
    assert "failed" not in received, received.get("failed")
    assert received["format"] == "jwt_vc_json" and received["configurationId"] == "certification_jwt_vc_json"
    assert received["verified"] is True
    holder = did_jwk({name: received["holderJwk"][name] for name in ("kty", "crv", "x", "y")})
    assert received["claims"]["sub"] == holder

    token = received["credential"]
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    key = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0])).public_key()

    def download(url: str) -> bytes:  # openbadgeslib's own refuses plain http and loopback: the live server is both
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - the test's own live server
            return response.read()

    verifier = OB3Verifier(pubkey_pem=key)
    verifier.verify(token, expected_recipient=holder, check_status=True, verify_status_list=True, download=download)
    status.revoke(credential=issued_credential, actor=admin_user, category="other", reason="Obtained by fraud.")
    with pytest.raises(OB3VerificationError, match="revocation"):
        verifier.verify(token, check_status=True, verify_status_list=True, download=download)
