"""What a holder downloads of an issued credential (the sealed PDF, the sealed JSON-LD, the QR code) and the
LinkedIn link that adds it to a profile: one definition for the pages and the API."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import FileResponse, Http404

from aipia.downloads import private_file_response
from credentials.models import Credential
from credentials.services.issuance import verify_url_for
from credentials.services.public_page import public_page_url

DOWNLOADS = {
    "pdf": ("pdf", "application/pdf", "pdf"),
    "jsonld": ("sealed_json", "application/ld+json", "jsonld"),
    "qr": ("qr_png", "image/png", "png"),
}


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


def credential_download_response(credential: Credential, kind: str, *, inline: bool) -> FileResponse:
    """The file of an issued credential; 404 while it is being issued."""
    if kind not in DOWNLOADS or credential.issuance != Credential.Issuance.DONE:
        raise Http404("Not available.")
    field, content_type, _extension = DOWNLOADS[kind]
    return private_file_response(
        getattr(credential, field), name=credential.serial, content_type=content_type, inline=inline
    )
