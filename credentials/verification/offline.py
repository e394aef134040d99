"""Verify an AIPIA credential offline: a QR token (or its URL), a sealed ``.jsonld`` or a PDF certificate.

    python -m credentials.verify_offline <token | https://…/v/<token> | FILE> --keys jwks.json
        [--status-list FILE ...] [--anchors PEM] [--edc-dir DIR] [--time-zone ZONE] [--json]

Needs no database and no Django settings: the issuer keys come from a downloaded ``/.well-known/jwks.json``
(the CA at the top of each key's ``x5c`` chain is a trust anchor; ``--anchors`` adds more), the status from
downloaded sealed status list credentials (``--status-list``, the files served at each credential's
``statusListCredential`` URL, or named by the status reference our EDCs carry), the EDC shapes from
``--edc-dir`` (or ``$EDC_DIR``, or the ``var/edc`` that ``make install`` fills). Nothing is fetched. A QR token
names days of validity in the issuer's time zone (``--time-zone``; AIPIA's is Europe/Rome).

Exit status: 0 valid, 1 not valid (including "could not check"), 2 usage error. The algorithm is described in
docs/verification.md ("The offline verifier").
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509

from aipia import days, jsonlimits
from credentials.documents import open_badges, status_list
from credentials.documents.keys import is_certificate_authority
from credentials.documents.seal import check_chain, check_seal
from credentials.verification import documents, tokens
from credentials.verification.report import Report, StatusUnavailable

# Format 2 (digits) and format 1 (a compact JWS) of docs/verification.md §1.
_TOKEN = re.compile(r"^(?:[0-9]{20,}|[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$")
_DEFAULT_EDC_DIR = Path(__file__).resolve().parents[2] / "var" / "edc"
ISSUER_TIME_ZONE = "Europe/Rome"


class UsageError(Exception):
    pass


@dataclass(frozen=True)
class IssuerKeys:
    """A downloaded JWKS: token keys by kid, and the trust anchors its chains lead to."""

    keys: dict[str, Any]
    anchors: list[x509.Certificate]


def load_jwks(data: bytes) -> IssuerKeys:
    """Read our ``/.well-known/jwks.json`` format: ``{"keys": [{"kid", "x5c": [base64 DER, …], …}]}``."""
    try:
        document = jsonlimits.loads(data)
        entries = document["keys"]
        keys: dict[str, Any] = {}
        anchors: list[x509.Certificate] = []
        for entry in entries:
            chain = [x509.load_der_x509_certificate(base64.b64decode(item, validate=True)) for item in entry["x5c"]]
            keys[entry["kid"]] = chain[0].public_key()
            # The QR token key's certificate is self-signed but no CA: it verifies tokens, never anchors a seal.
            if is_certificate_authority(chain[-1]) and chain[-1] not in anchors:
                anchors.append(chain[-1])
    except (ValueError, KeyError, TypeError) as error:
        raise UsageError(f"The key set is not a JWKS with x5c chains ({error.__class__.__name__}).") from error
    return IssuerKeys(keys=keys, anchors=anchors)


class DownloadedStatusLists:
    """A :data:`credentials.verification.report.StatusLookup` over downloaded sealed status list credentials.

    A list counts only if its seal is intact and chains to a trust anchor at signing time; a list that does
    not, or a URL for which no list was given, makes the check "not checked", never "not revoked".
    """

    def __init__(self, files: Sequence[bytes], *, trust_anchors: Sequence[x509.Certificate]):
        self.lists: dict[str, tuple[str, bytes]] = {}
        self.problems: dict[str, str] = {}
        for data in files:
            self._add(data, trust_anchors)

    def _add(self, data: bytes, trust_anchors: Sequence[x509.Certificate]) -> None:
        try:
            seal = check_seal(jsonlimits.loads(data))
            document = jsonlimits.loads(seal.payload)
            url = document["id"]
            subject = document["credentialSubject"]
            purpose, encoded = subject["statusPurpose"], subject["encodedList"]
        except (ValueError, KeyError, TypeError) as error:
            raise UsageError("A --status-list file is not a sealed BitstringStatusListCredential.") from error
        if not seal.intact:
            self.problems[url] = f"the status list given for {url} is not intact: {seal.problem}"
            return
        moment = seal.timestamp or seal.signing_time or datetime.now(UTC)
        trusted, problem = check_chain(seal.chain, trust_anchors=trust_anchors, at=moment)
        if not trusted:
            self.problems[url] = f"the status list given for {url} is not sealed by a trusted key: {problem}"
            return
        try:
            self.lists[url] = (purpose, status_list.decode_list(encoded))
        except status_list.StatusListError as error:
            self.problems[url] = f"the status list given for {url} cannot be decoded: {error}"

    def __call__(self, *, list_url: str, index: int) -> bool:
        # Our Open Badges name each list by its VC-JWT URL (<list URL>.jwt): the same list, with the same bits.
        list_url = list_url.removesuffix(open_badges.STATUS_LIST_JWT_SUFFIX)
        if list_url in self.problems:
            raise StatusUnavailable(self.problems[list_url])
        if list_url not in self.lists:
            raise StatusUnavailable(
                f"no status list was given for {list_url}; download it and pass it with --status-list."
            )
        _purpose, bits = self.lists[list_url]
        try:
            return status_list.bit_at(bits, index)
        except status_list.StatusListRangeError as error:
            raise StatusUnavailable(str(error)) from error


def _offline(_credential_id: Any) -> tokens.LiveStatus:
    raise StatusUnavailable(
        "a QR token does not say where its status is published; open its URL for the live status, or verify "
        "the sealed credential with its status lists."
    )


def verify(
    subject: str,
    *,
    issuer_keys: IssuerKeys,
    status_files: Sequence[bytes] = (),
    extra_anchors: Sequence[x509.Certificate] = (),
    edc_dir: Path | None = None,
    time_zone: str = ISSUER_TIME_ZONE,
    max_bytes: int = 20 * 1024 * 1024,
) -> Report:
    """Verify ``subject`` (a token, a verification URL or a file path). Raises UsageError for unusable input."""
    anchors = [*issuer_keys.anchors, *[a for a in extra_anchors if a not in issuer_keys.anchors]]
    token = subject.rsplit("/v/", 1)[-1].split("?")[0].split("#")[0] if "/v/" in subject else subject
    path = Path(subject)
    if _TOKEN.match(token) and not _is_file(path):
        return tokens.verify_token(token, keys=issuer_keys.keys, live_status=_offline, time_zone=days.zone(time_zone))
    if not _is_file(path):
        raise UsageError(f"{subject!r} is neither a QR token, a verification URL nor a file.")
    lookup = DownloadedStatusLists(status_files, trust_anchors=anchors)
    try:
        return documents.verify_document(
            path.read_bytes(),
            max_bytes=max_bytes,
            trust_anchors=anchors,
            status_lookup=lookup,
            edc_dir=edc_dir or Path(os.environ.get("EDC_DIR") or _DEFAULT_EDC_DIR),
        )
    except documents.UnreadableInput as error:
        raise UsageError(error.message) from error


def render_text(report: Report) -> str:
    verdict = {
        "active": "VALID",
        "not_yet_valid": "NOT YET VALID",
        "expired": "EXPIRED",
        "suspended": "SUSPENDED",
        "revoked": "REVOKED",
        "unknown": "NOT VERIFIED",
    }[report.status]
    lines = [verdict]
    summary = report.credential
    for label, value in (
        ("holder", summary.holder),
        ("profile", summary.profile),
        ("valid from", summary.valid_from),
        ("valid until", summary.valid_until),
        ("credential", summary.id),
        ("issuer", report.issuer_name),
    ):
        if value:
            lines.append(f"  {label}: {value}")
    for check in report.checks:
        lines.append(f"  [{check.result}] {check.name}: {check.detail}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m credentials.verify_offline", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument("subject", help="a QR token, a verification URL (…/v/<token>), a .jsonld or a PDF file")
    parser.add_argument("--keys", required=True, type=Path, help="the issuer's downloaded /.well-known/jwks.json")
    parser.add_argument(
        "--status-list", action="append", default=[], type=Path, help="a downloaded sealed status list (repeatable)"
    )
    parser.add_argument("--anchors", type=Path, help="a PEM file of further trust anchors")
    parser.add_argument("--edc-dir", type=Path, help="the folder with the EDC contexts and SHACL shapes")
    parser.add_argument(
        "--time-zone",
        default=os.environ.get("TIME_ZONE") or ISSUER_TIME_ZONE,
        help=f"the issuer's time zone, in which a QR token's days begin and end (default {ISSUER_TIME_ZONE})",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    options = parser.parse_args(argv)
    try:
        issuer_keys = load_jwks(_read(options.keys))
        extra = x509.load_pem_x509_certificates(_read(options.anchors)) if options.anchors else []
        report = verify(
            options.subject,
            issuer_keys=issuer_keys,
            status_files=[_read(path) for path in options.status_list],
            extra_anchors=extra,
            edc_dir=options.edc_dir,
            time_zone=options.time_zone,
        )
    except (UsageError, ValueError, days.UnknownTimeZone) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) if options.json else render_text(report))
    return 0 if report.valid else 1


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # e.g. a token longer than a file name may be
        return False


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from error


if __name__ == "__main__":
    sys.exit(main())
