"""How many QR tokens the offline verifier checks per second on one core (target: at least 5,000).

    .venv/bin/python bench/verify_offline.py [--count 20000]

No database and no Django settings, like the verifier itself: a test seal key signs ``--count`` distinct
tokens, its JWKS is read as the offline verifier reads a downloaded one, and every token goes through
``credentials.verification.tokens.verify_token`` (signature, claims, validity dates, the report) in one process. The
signature check alone (``credentials.documents.qr.read_token``) is measured too. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aipia import days
from credentials.documents import qr
from credentials.documents.keys import create_test_seal, public_jwk
from credentials.verification.offline import ISSUER_TIME_ZONE, _offline, load_jwks
from credentials.verification.report import PASSED
from credentials.verification.tokens import verify_token


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=20000)
    options = parser.parse_args()
    key, _p12 = create_test_seal(organization_name="AIPIA bench", organization_identifier="VATIT-00000000000")
    jwks = json.dumps({"keys": [public_jwk(key.certificate, chain=key.chain)]}).encode()
    issuer_keys = load_jwks(jwks)
    zone = days.zone(ISSUER_TIME_ZONE)
    tokens = [
        qr.make_token(
            credential_id=uuid.uuid4(),
            holder_name=f"Holder {number}",
            profile_code="ai-ml-engineer",
            valid_from=date(2026, 1, 1),
            valid_until=date(2029, 1, 1),
            key=key,
        )
        for number in range(options.count)
    ]
    for token in tokens[:100]:  # warm up
        verify_token(token, keys=issuer_keys.keys, live_status=_offline, time_zone=zone)

    started = time.perf_counter()
    for token in tokens:
        qr.read_token(token, keys=issuer_keys.keys)
    signature_rate = len(tokens) / (time.perf_counter() - started)

    genuine = 0
    started = time.perf_counter()
    for token in tokens:
        report = verify_token(token, keys=issuer_keys.keys, live_status=_offline, time_zone=zone)
        genuine += report.checks[1].result == PASSED  # the seal check
    report_rate = len(tokens) / (time.perf_counter() - started)

    if genuine != len(tokens):
        raise SystemExit(f"only {genuine} of {len(tokens)} tokens verified")
    print(f"tokens: {len(tokens)}, one process (one core)")
    print(f"signature and claims only (qr.read_token):      {signature_rate:8.0f} tokens/s")
    print(f"full offline report (verification.tokens.verify_token): {report_rate:8.0f} tokens/s  (target >= 5000)")


if __name__ == "__main__":
    main()
