"""A wallet's side of OpenID4VCI, written here for the negative tests: a holder key and its JWT proofs. (The
independent wallet of tests/wallet/wallet.mjs runs the whole flow with another implementation.)"""

from __future__ import annotations

import json
import time
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from credentials.documents.keys import b64url


def holder_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def public_jwk(key: ec.EllipticCurvePrivateKey) -> dict[str, str]:
    numbers = key.public_key().public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url(numbers.x.to_bytes(32, "big")),
        "y": b64url(numbers.y.to_bytes(32, "big")),
    }


def es256_jwt(header: dict[str, Any], payload: dict[str, Any], key: ec.EllipticCurvePrivateKey) -> str:
    signing_input = (b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())).encode("ascii")
    r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    return signing_input.decode() + "." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def proof(
    *,
    key: ec.EllipticCurvePrivateKey,
    audience: str,
    nonce: str | None,
    header_key: ec.EllipticCurvePrivateKey | None = None,
    typ: str = "openid4vci-proof+jwt",
) -> str:
    """A JWT proof signed by ``key``, claiming ``header_key`` (default: the same key) in its ``jwk`` header."""
    payload: dict[str, Any] = {"aud": audience, "iat": int(time.time())}
    if nonce is not None:
        payload["nonce"] = nonce
    header = {"typ": typ, "alg": "ES256", "jwk": public_jwk(header_key or key)}
    return es256_jwt(header, payload, key)
