#!/usr/bin/env python
"""Seal custody benchmark: one credential's documents (``build_documents``: token, EDC, JAdES, render, PAdES)
sealed by each seal device, and what PAdES B-LTA adds, measured side by side in one run.

Prints, in one run (rounds interleaved so that drift hits every variant alike):

- ``build_documents`` per credential with the file signer (PKCS#12 key in memory), a key in SoftHSM2 (PKCS#11,
  raw ECDSA over the digest) and the CSC dummy service (``certomancer-csc`` on 127.0.0.1, SCAL 2: one
  authorize + one signHash HTTP round trip per signature), each at B-B, as ratios to the file signer;
- the file signer at B-LTA (signature timestamp, CRLs and OCSP responses in the DSS, document timestamp, all from
  the test PKI in-process) against B-B: time and bytes per PDF.

Targets (issue 20): SoftHSM2 within 10 % of the file signer, the CSC dummy within 25 %, B-LTA at most +15 %.

Usage (from the repository root; needs PostgreSQL, SoftHSM2 and certomancer-csc-dummy, no broker)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aipia_bench .venv/bin/python bench/custody.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from functools import partial
from pathlib import Path

import harness

sys.path.insert(0, str(harness.ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20, help="interleaved rounds per variant (default 20)")
    harness.add_common_arguments(parser)
    return parser.parse_args()


def measure_custody(rounds: int, workdir: Path) -> dict:
    """Seconds and bytes per credential for each variant; Django must be set up."""
    import pipeline
    from django.core.management import call_command
    from django.test import override_settings

    from credentials.models import Credential
    from credentials.services import issuance, keyring
    from tests.credentials.custody import csc_dummy, make_test_pki, softhsm_token

    pipeline.prepare()
    pki = make_test_pki(workdir / "pki")
    hsm = softhsm_token(workdir / "softhsm")
    credential_id = pipeline.make_credentials(1, "custody")[0]
    credential = Credential.objects.select_related("profile", "holder").get(pk=credential_id)
    common = {"SEAL_ALLOW_TEST_KEY": True, "SEAL_TEST_PKI_DIR": pki.folder}
    csc = csc_dummy(pki)
    csc_url = next(csc)
    try:
        keys = {}
        with override_settings(**common, SEAL_SIGNER="pkcs12"):
            keys["file"] = pki.seal_key()
        pkcs11 = dict(
            common,
            SEAL_SIGNER="pkcs11",
            SEAL_PKCS11_MODULE=hsm.module,
            SEAL_PKCS11_TOKEN_LABEL=hsm.token_label,
            SEAL_PKCS11_PIN=hsm.pin,
        )
        with override_settings(**pkcs11):
            keyring.forget_cached_keys()
            call_command("rotate_seal_key", key_label="bench-seal", verbosity=0)
            keys["softhsm2"] = keyring.load_seal_key()
        with override_settings(**common, SEAL_SIGNER="csc", SEAL_CSC_URL=csc_url):
            keyring.forget_cached_keys()
            call_command("rotate_seal_key", credential_id="aipia/seal", verbosity=0)
            keys["csc"] = keyring.load_seal_key()
        keyring.forget_cached_keys()

        def run(key, *, lta: bool) -> tuple[float, int]:
            # B-B: the test PKI hidden (no TSA); B-LTA: its in-process TSA, CRLs and OCSP responses. The QR token is
            # signed by the same software key for every variant: it is not what is measured. What a worker keeps
            # between credentials (the loaded test PKI, its B-LTA material for keyring.LTV_MATERIAL_REUSE) is kept
            # here too: the figure is the cost per credential in a running worker.
            with override_settings(SEAL_ALLOW_TEST_KEY=lta, SEAL_TEST_PKI_DIR=pki.folder):
                started = time.perf_counter()
                documents = issuance.build_documents(credential, key, token_key=keys["file"])
                return time.perf_counter() - started, len(documents.pdf)

        variants = {
            "file": partial(run, keys["file"], lta=False),
            "softhsm2": partial(run, keys["softhsm2"], lta=False),
            "csc": partial(run, keys["csc"], lta=False),
            "file_b_lta": partial(run, keys["file"], lta=True),
        }
        for variant in variants.values():  # warm-up: fonts, sessions, connections
            variant()
        seconds: dict[str, list[float]] = {name: [] for name in variants}
        sizes: dict[str, int] = {}
        names = list(variants)
        for round_number in range(rounds):
            # Each round starts with the next variant, so that none always follows the same one.
            shift = round_number % len(names)
            for name in names[shift:] + names[:shift]:
                elapsed, size = variants[name]()
                seconds[name].append(elapsed)
                sizes[name] = size
        issuing = _measure_issuance(rounds, pki, keys["file"])
    finally:
        csc.close()
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    return {
        "issuance": issuing,
        "rounds": rounds,
        "median_ms": {name: round(value * 1000, 1) for name, value in medians.items()},
        "ratio_to_file": {name: round(value / medians["file"], 3) for name, value in medians.items()},
        "pdf_bytes": sizes,
        "b_lta_added_ms": round((medians["file_b_lta"] - medians["file"]) * 1000, 1),
        "b_lta_added_bytes": sizes["file_b_lta"] - sizes["file"],
    }


def _measure_issuance(rounds: int, pki, key) -> dict:
    """The whole issuance of one credential (``issue_credential``: claim, documents, storage, the rows, the holder's
    e-mail and the webhook events queued) with the file signer, B-B against B-LTA, alternating on fresh pending
    credentials: what the issue's target is about. The QR token key and the seal record are the same for both."""
    from unittest import mock

    import pipeline
    from django.test import override_settings

    from credentials.services import issuance, keyring

    pending = pipeline.make_credentials(2 * rounds + 2, "custody-issuance")

    def issue(lta: bool) -> float:
        credential_id = pending.pop()
        with (
            override_settings(SEAL_ALLOW_TEST_KEY=True, SEAL_TEST_PKI_DIR=pki.folder),
            mock.patch.object(keyring, "load_seal_key", return_value=key),
            mock.patch.object(keyring, "ltv_material", wraps=keyring.ltv_material if lta else lambda key: None),
        ):
            started = time.perf_counter()
            if not issuance.issue_credential(credential_id=credential_id):
                raise RuntimeError(f"credential {credential_id} was not issued")
            return time.perf_counter() - started

    issue(False), issue(True)  # warm-up
    seconds: dict[str, list[float]] = {"b_b": [], "b_lta": []}
    for round_number in range(rounds):
        order = [False, True] if round_number % 2 == 0 else [True, False]
        for lta in order:
            seconds["b_lta" if lta else "b_b"].append(issue(lta))
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    return {
        "median_ms": {name: round(value * 1000, 1) for name, value in medians.items()},
        "b_lta_ratio": round(medians["b_lta"] / medians["b_b"], 3),
    }


def report(results: dict) -> str:
    median, ratio = results["median_ms"], results["ratio_to_file"]
    targets = {"softhsm2": 1.10, "csc": 1.25, "file_b_lta": 1.15}
    lines = [f"Seal custody: build_documents per credential, median of {results['rounds']} interleaved rounds"]
    labels = {
        "file": "file signer (PKCS#12), B-B",
        "softhsm2": "SoftHSM2 (PKCS#11), B-B",
        "csc": "CSC dummy (HTTP), B-B",
        "file_b_lta": "file signer, PAdES B-LTA",
    }
    for name, label in labels.items():
        target = ""
        if name in targets:
            target = f"  target <= {targets[name]:.2f}: {'met' if ratio[name] <= targets[name] else 'MISSED'}"
        lines.append(f"  {label:<30}{median[name]:>8.1f} ms   x{ratio[name]:.3f}{target}")
    lines.append(
        f"  B-LTA adds {results['b_lta_added_ms']:.1f} ms and {results['b_lta_added_bytes']} bytes per PDF "
        f"({results['pdf_bytes']['file']} → {results['pdf_bytes']['file_b_lta']} bytes)"
    )
    issuing = results["issuance"]
    lines.append(
        f"  issue_credential, file signer: B-B {issuing['median_ms']['b_b']:.1f} ms, B-LTA "
        f"{issuing['median_ms']['b_lta']:.1f} ms   x{issuing['b_lta_ratio']:.3f}  target <= 1.15: "
        f"{'met' if issuing['b_lta_ratio'] <= 1.15 else 'MISSED'}"
    )
    return "\n".join(lines)


def measure(args: argparse.Namespace, workdir: Path) -> str:
    harness.require_postgresql("postgres://postgres@127.0.0.1:5432/aipia_bench")
    harness.set_environment(workdir, debug=args.debug)
    # Tasks the issuance queues (the holder's e-mail, webhook deliveries) go to a broker nothing reads, as they would
    # go to other workers: they are not part of one credential's issuance.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    harness.start_django(reset=args.reset)
    results = measure_custody(args.rounds, workdir)
    return json.dumps(results, indent=2) if args.json else report(results) + "\n" + json.dumps(results)


def main() -> int:
    args = parse_args()
    return harness.run(partial(measure, args), prefix="aipia-bench-custody-", keep_files=args.keep_files)


if __name__ == "__main__":
    sys.exit(main())
