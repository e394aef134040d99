"""Test counterparts of the seal devices: the Certomancer test PKI, a SoftHSM2 token, the CSC dummy service.

Each is real: SoftHSM2 is initialised in a temporary folder (SOFTHSM2_CONF) with the PIN from SEAL_PKCS11_PIN
(or a random one), and ``certomancer-csc`` serves the test PKI's seal credential on 127.0.0.1.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from credentials.documents import testpki

SOFTHSM_MODULE = os.environ.get("SEAL_PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so")
TOKEN_LABEL = "aipia-test"


def make_test_pki(folder: Path) -> testpki.TestPki:
    return testpki.ensure_test_pki(
        folder,
        organization_name=settings.ISSUER_LEGAL_NAME,
        organization_identifier=settings.ISSUER_EIDAS_IDENTIFIER,
        country=settings.ISSUER_COUNTRY,
    )


@dataclass(frozen=True)
class SoftHsm:
    module: str
    token_label: str
    pin: str


def softhsm_token(folder: Path) -> SoftHsm:
    """A fresh SoftHSM2 token in ``folder``. Sets SOFTHSM2_CONF for this process (the module reads it once, when
    python-pkcs11 loads it), so call it once per test session."""
    if not Path(SOFTHSM_MODULE).exists() or shutil.which("softhsm2-util") is None:
        raise RuntimeError("SoftHSM2 is not installed (Debian: apt-get install softhsm2); .ci/run installs it.")
    tokens = folder / "tokens"
    tokens.mkdir(parents=True)
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    pin = os.environ.get("SEAL_PKCS11_PIN") or str(secrets.randbelow(10**8)).zfill(8)
    subprocess.run(  # noqa: S603 - SoftHSM's own tool, with arguments made here
        [  # noqa: S607 - found on PATH, as CI installs it
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            TOKEN_LABEL,
            "--pin",
            pin,
            "--so-pin",
            secrets.token_hex(8),
        ],
        check=True,
        capture_output=True,
    )
    return SoftHsm(module=SOFTHSM_MODULE, token_label=TOKEN_LABEL, pin=pin)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def csc_dummy(pki: testpki.TestPki) -> Iterator[str]:
    """Serve the test PKI through ``certomancer-csc`` (SCAL 2: every signature authorises its hash) on
    127.0.0.1; yields the service's base URL, ending in /csc/v1. Stops the server afterwards."""
    port = free_port()
    executable = Path(sys.executable).with_name("certomancer-csc")
    process = subprocess.Popen(  # noqa: S603 - the CSC dummy installed beside our interpreter
        [str(executable), str(pki.config_path), str(port), "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/info", timeout=2):  # noqa: S310 - our own local server
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("certomancer-csc did not start") from None
                time.sleep(0.2)
        yield base + "/csc/v1"
    finally:
        process.terminate()
        process.wait(timeout=10)
