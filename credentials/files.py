"""What a holder downloads of an issued credential (the sealed PDF, the sealed JSON-LD, the QR code, its Open Badge
as a VC-JWT and baked into the profile's badge) and the LinkedIn link that adds it to a profile: one definition for
the pages and the API."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.utils.cache import patch_cache_control

from aipia.downloads import private_file_response
from aipia.errors import DomainError
from credentials.documents.open_badges import MEDIA_TYPE as OPEN_BADGE_MEDIA_TYPE
from credentials.models import Credential
from credentials.services import open_badges
from credentials.services.issuance import verify_url_for
from credentials.services.public_page import public_page_url

DOWNLOADS = {
    "pdf": ("pdf", "application/pdf", "pdf"),
    "jsonld": ("sealed_json", "application/ld+json", "jsonld"),
    "qr": ("qr_png", "image/png", "png"),
}
# Built when asked for (credentials/services/open_badges.py), never stored: kind -> (content type, file name suffix).
OPEN_BADGE_DOWNLOADS = {
    "openbadge": (OPEN_BADGE_MEDIA_TYPE, "jwt"),
    "openbadge-png": ("image/png", "badge.png"),
    "openbadge-svg": ("image/svg+xml", "badge.svg"),
}
DOWNLOAD_KINDS = (*DOWNLOADS, *OPEN_BADGE_DOWNLOADS)
BAKED_BADGES = ("openbadge-png", "openbadge-svg")  # only for a published profile, which has a badge


def linkedin_url(credential: Credential) -> str:
    """LinkedIn's "Add to profile" link with the certification's fields filled in. Its credential URL is the public
    page while the holder has it switched on (short, and readable by anyone who follows it), else the QR page."""
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": f"{credential.profile.title_en} (UNI 11621-8)",
        "organizationName": settings.ISSUER_LEGAL_NAME,
        "issueYear": credential.issued_at.year,
        "issueMonth": credential.issued_at.month,
        "expirationYear": credential.valid_until.year,
        "expirationMonth": credential.valid_until.month,
        "certUrl": public_page_url(credential) or verify_url_for(credential.token),
        "certId": credential.serial,
    }
    return "https://www.linkedin.com/profile/add?" + urlencode(params)


def credential_download_response(credential: Credential, kind: str, *, inline: bool) -> FileResponse | HttpResponse:
    """The file of an issued credential; 404 while it is being issued."""
    if kind in OPEN_BADGE_DOWNLOADS:
        return open_badge_response(credential, kind)
    if kind not in DOWNLOADS or credential.issuance != Credential.Issuance.DONE:
        raise Http404("Not available.")
    field, content_type, _extension = DOWNLOADS[kind]
    return private_file_response(
        getattr(credential, field), name=credential.serial, content_type=content_type, inline=inline
    )


def open_badge_response(credential: Credential, kind: str) -> HttpResponse:
    """The credential's Open Badge (``openbadge``: the VC-JWT, ``.jwt``) or the profile's badge with it baked in
    (``openbadge-png``, ``openbadge-svg``), as an attachment; 404 while the credential is being issued."""
    try:
        if kind == "openbadge":
            content = open_badges.issue_open_badge(credential=credential).encode("ascii")
        else:
            content = open_badges.baked_badge(credential=credential, ext=kind.removeprefix("openbadge-"))
    except DomainError as exc:
        raise Http404("Not available.") from exc
    content_type, suffix = OPEN_BADGE_DOWNLOADS[kind]
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{credential.serial}.{suffix}"'
    # Never rendered as a page of this site (an SVG is a document), never sniffed, never kept by a cache.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, no_store=True)
    return response
