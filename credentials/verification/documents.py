"""Uploaded documents (API and verifier page): typed by content, then verified as what they are — a sealed EDC
(JSON), a sealed PDF certificate, an Open Badges 3.0 credential (a VC-JWT, or a PNG or SVG badge with one baked
in). Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509

from aipia import jsonlimits
from credentials.documents import open_badges
from credentials.documents.sd_jwt_vc import looks_like_sd_jwt
from credentials.verification.open_badges import verify_open_badge
from credentials.verification.pdf import verify_pdf
from credentials.verification.report import Report, StatusLookup
from credentials.verification.sd_jwt import TokenStatusLookup, verify_sd_jwt_vc
from credentials.verification.sealed import verify_sealed_credential

# --- uploaded documents (API and verifier page) ---------------------------------------------------------------

JSON, PDF, JWT, IMAGE, SD_JWT = "json", "pdf", "jwt", "image", "sd-jwt"


class UnreadableInput(Exception):
    """Input that is not something we can verify. ``code`` is one of "empty", "too_large" (HTTP 413),
    "not_json", "too_deeply_nested", "not_sealed" (HTTP 422), "no_badge_credential" (an image without an Open
    Badge, HTTP 422) and "unknown_type"; ``status_code`` is the HTTP answer."""

    STATUS_CODES = {"too_large": 413, "not_sealed": 422, "no_badge_credential": 422}

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status_code = self.STATUS_CODES.get(code, 400)


def sniff(data: bytes) -> str | None:
    """ "json", "pdf", "sd-jwt", "jwt" or "image" (PNG or SVG) by content (never by name or declared type), or
    None."""
    if looks_like_sd_jwt(data):
        return SD_JWT
    head = data[:1024]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if head.lstrip(b" \t\r\n")[:1] in (b"{", b"["):
        return JSON
    if b"%PDF-" in head:  # readers accept the header anywhere in the first 1024 bytes
        return PDF
    if open_badges.looks_like_jwt(data):
        return JWT
    if open_badges.is_png(data) or open_badges.looks_like_svg(data):
        return IMAGE
    return None


def parse_sealed_json(data: bytes | str) -> dict:
    """The sealed credential in ``data``; UnreadableInput (400 not JSON, 422 JSON but not a sealed credential)."""
    try:
        value = jsonlimits.loads(data)
    except jsonlimits.TooDeeplyNested as error:
        raise UnreadableInput(
            "too_deeply_nested",
            f"This JSON is nested more than {jsonlimits.MAX_DEPTH} levels deep: it is not a sealed credential.",
        ) from error
    except (UnicodeDecodeError, ValueError) as error:
        raise UnreadableInput(
            "not_json", "This is not JSON: a sealed credential is a JSON document (.jsonld)."
        ) from error
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("payload"), str)
        or not ("signatures" in value or "protected" in value)
    ):
        raise UnreadableInput(
            "not_sealed",
            'This JSON is not a sealed credential: expected a JAdES seal, an object with "payload" and '
            '"signatures" (see docs/verification.md).',
        )
    return value


def verify_document(
    data: bytes,
    *,
    max_bytes: int,
    trust_anchors: Sequence[x509.Certificate] | None = None,
    status_lookup: StatusLookup | None = None,
    edc_dir: Path | None = None,
    now: datetime | None = None,
    token_status_lookup: TokenStatusLookup | None = None,
) -> Report:
    """Verify an uploaded file, typed by its content: a sealed credential (JSON), a sealed PDF certificate, an
    Open Badges 3.0 credential (a VC-JWT, or baked into a PNG or SVG badge), or an SD-JWT VC (text; its status
    is read through ``token_status_lookup``, none given: every status unread).

    Raises UnreadableInput for an empty, oversized (413) or unrecognised file, JSON that is not a sealed
    credential (422), or an image with no Open Badge in it (422).
    """
    if len(data) > max_bytes:
        raise UnreadableInput("too_large", f"The file is larger than the limit of {max_bytes} bytes.")
    if not data.strip():
        raise UnreadableInput("empty", "The file is empty.")
    kind = sniff(data)
    options: dict[str, Any] = {"trust_anchors": trust_anchors, "status_lookup": status_lookup, "edc_dir": edc_dir}
    if kind == JSON:
        return verify_sealed_credential(parse_sealed_json(data), now=now, **options)
    if kind == PDF:
        return verify_pdf(data, now=now, **options)
    if kind == SD_JWT:
        return verify_sd_jwt_vc(
            data.decode("ascii", errors="replace").strip(),
            trust_anchors=trust_anchors or [],
            token_status_lookup=token_status_lookup or _no_token_status,
            now=now,
        )
    if kind in (JWT, IMAGE):
        token = data.decode("ascii").strip() if kind == JWT else _baked_token(data)
        return verify_open_badge(
            token, trust_anchors=trust_anchors or (), status_lookup=status_lookup or _no_status_lists, now=now
        )
    raise UnreadableInput(
        "unknown_type",
        "This file is neither a sealed credential (.jsonld, JSON), a PDF certificate, an Open Badge (.jwt, or a "
        "PNG or SVG badge) nor an SD-JWT VC.",
    )


def _no_token_status(*, uri: str, index: int) -> int | None:
    return None


def _no_status_lists(**_entry: Any) -> None:
    return None


def _baked_token(data: bytes) -> str:
    try:
        return open_badges.read_baked(data)
    except open_badges.BadgeError as error:
        raise UnreadableInput("no_badge_credential", str(error)) from error
