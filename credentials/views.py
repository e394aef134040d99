from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_safe

from . import qr
from .keys import public_jwk
from .models import Credential
from .selectors import get_own_credential, own_credentials, published_seal_certificates
from .services import verify_url_for

DOWNLOADS = {
    "pdf": ("pdf", "application/pdf", "pdf"),
    "jsonld": ("sealed_json", "application/ld+json", "jsonld"),
    "qr": ("qr_png", "image/png", "png"),
}


def linkedin_url(credential: Credential) -> str:
    """LinkedIn's "Add to profile" link with the certification's fields filled in."""
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": f"{credential.profile.title_en} (UNI 11621-8)",
        "organizationName": settings.ISSUER_LEGAL_NAME,
        "issueYear": credential.issued_at.year,
        "issueMonth": credential.issued_at.month,
        "expirationYear": credential.valid_until.year,
        "expirationMonth": credential.valid_until.month,
        "certUrl": verify_url_for(credential.token),
        "certId": credential.serial,
    }
    return "https://www.linkedin.com/profile/add?" + urlencode(params)


@login_required
@require_safe
def credential_list(request: HttpRequest) -> HttpResponse:
    return render(request, "credentials/list.html", {"credentials": own_credentials(holder=request.user)})


@login_required
@require_safe
def credential_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    credential = get_own_credential(holder=request.user, credential_id=pk)
    ready = credential.issuance == Credential.Issuance.DONE
    context = {"credential": credential, "ready": ready}
    if ready:
        context.update(verify_url=verify_url_for(credential.token), linkedin_url=linkedin_url(credential))
    return render(request, "credentials/detail.html", context)


@login_required
@require_safe
@xframe_options_sameorigin
def credential_download(request: HttpRequest, pk: uuid.UUID, kind: str) -> FileResponse:
    credential = get_own_credential(holder=request.user, credential_id=pk)
    return credential_download_response(credential, kind, inline=request.GET.get("inline") == "1" and kind == "pdf")


def credential_download_response(credential: Credential, kind: str, *, inline: bool) -> FileResponse:
    """The file of an issued credential; 404 while it is being issued."""
    if kind not in DOWNLOADS or credential.issuance != Credential.Issuance.DONE:
        raise Http404("Not available.")
    field, content_type, extension = DOWNLOADS[kind]
    response = FileResponse(
        getattr(credential, field).open("rb"),
        as_attachment=not inline,
        filename=f"{credential.serial}.{extension}",
        content_type=content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@cache_control(public=True, max_age=300)
def jwks(request: HttpRequest) -> JsonResponse:
    """Every seal key ever used, so that credentials sealed before a rotation still verify."""
    from cryptography import x509

    keys = []
    for record in published_seal_certificates():
        chain = x509.load_pem_x509_certificates(record.chain_pem.encode())
        keys.append(public_jwk(chain[0], chain=chain))
    return JsonResponse({"keys": keys})


@require_safe
@cache_control(public=True, max_age=300)
def seal_certificates_pem(request: HttpRequest) -> HttpResponse:
    body = "".join(record.chain_pem for record in published_seal_certificates())
    return HttpResponse(body, content_type="application/x-pem-file")


@require_safe
def verify_token_page(request: HttpRequest, token: str) -> HttpResponse:
    """The QR code's target: the printed facts, checked against our published keys, plus the live status."""
    from cryptography import x509

    keys = {}
    for record in published_seal_certificates():
        keys[record.kid] = x509.load_pem_x509_certificate(record.certificate_pem.encode()).public_key()
    try:
        claims = qr.read_token(token, keys=keys)
    except qr.InvalidToken as exc:
        return render(request, "credentials/verify.html", {"problem": str(exc)}, status=400)
    credential = Credential.objects.filter(pk=claims.credential_id).select_related("profile").first()
    status = credential.status if credential else "unknown"
    if credential and status == Credential.Status.ACTIVE and credential.valid_until < timezone.now():
        status = Credential.Status.EXPIRED
    return render(
        request,
        "credentials/verify.html",
        {"claims": claims, "credential": credential, "status": status, "checked_at": timezone.now()},
    )
