from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_safe

from aipia import jsonlimits
from aipia.downloads import private_file_response
from aipia.errors import DomainError
from aipia.throttling import public_rate_limit

from . import days, public_verification, qr, register, verification
from .keys import public_jwk
from .memo import Memo
from .models import Credential
from .selectors import (
    credential_for_verification,
    get_own_credential,
    own_credentials,
    profile_competences_for,
    published_seal_certificates,
    verification_state,
)
from .services import verify_url_for
from .verification import Detail

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
    from .renewal_views import detail_context as renewal_context

    context.update(renewal_context(credential))
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
    field, content_type, _extension = DOWNLOADS[kind]
    return private_file_response(
        getattr(credential, field), name=credential.serial, content_type=content_type, inline=inline
    )


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


# --- verification pages -----------------------------------------------------------------------------------------

# The rendered QR page is cached per process for anonymous visitors, keyed by the credential, its
# ``status_version`` (bumped by every status change in the same transaction as the published lists), the
# verdict and the language: a suspension or revocation shows on the very next request. The page switches
# language with a link (``?lang=it``) rather than the site's POST form, so that it needs no CSRF cookie; the
# time of the check differs per request, so the cached HTML holds a marker for it.
_CHECKED_AT_MARKER = "__verify-checked-at__"
VERIFY_PAGE_CACHE_SECONDS = 300
_verified_tokens: Memo[qr.TokenClaims] = Memo(size=8192, ttl=3600)
_rendered_pages: Memo[str] = Memo(size=2048, ttl=VERIFY_PAGE_CACHE_SECONDS)
_LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)


@public_rate_limit
@require_safe
def verify_token_page(request: HttpRequest, token: str) -> HttpResponse:
    """The QR code's target: the printed facts, checked against our published keys, plus the live status.

    Per request on a warm process: no signature check (verified tokens are remembered; a token's signature
    cannot stop being valid, and our keys are never unpublished), one query by primary key for the live
    status, and the rendered page from the process's memo. Measured by bench/verification.py.
    """
    chosen = request.GET.get("lang")
    if chosen in _LANGUAGE_CODES:
        translation.activate(chosen)
        request.LANGUAGE_CODE = chosen
    claims = _verified_tokens.get(token)
    if claims is None:
        try:
            claims = verification.check_token(token)
        except qr.InvalidToken as exc:
            response = render(request, "credentials/verify.html", {"problem": exc.reason}, status=400)
            patch_cache_control(response, private=True, no_cache=True)
            return response
        _verified_tokens.set(token, claims)
    row = verification_state(credential_id=claims.credential_id)
    live = verification.live_status_from_row(row) if row else None
    report = verification.report_for_token(claims, live, issuer_name=settings.ISSUER_LEGAL_NAME)
    cacheable = not request.user.is_authenticated and set(request.GET) <= {"lang"}
    key = (
        claims.credential_id,
        token,
        live.status_version if live else None,
        report.status,
        translation.get_language() or "",
    )
    html = _rendered_pages.get(key) if cacheable else None
    if html is None:
        credential = credential_for_verification(credential_id=claims.credential_id) if row else None
        context = {
            **report_context(report),
            "renews": credential.predecessor if credential is not None else None,
            "profile": {"title": credential.profile.tr("title"), "eqf_level": credential.profile.eqf_level}
            if credential
            else None,
            "competences": profile_competences_for(credential) if credential else [],
            "language_links": not request.user.is_authenticated,
        }
        if cacheable:
            context["checked_at_text"] = _CHECKED_AT_MARKER
        html = render_to_string("credentials/verify.html", context, request=request)
        if cacheable:
            _rendered_pages.set(key, html, ttl=_seconds_until_verdict_changes(live))
    if cacheable:
        html = html.replace(_CHECKED_AT_MARKER, escape(_checked_at_text(report.checked_at)))
    response = HttpResponse(html)
    if chosen in _LANGUAGE_CODES:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            chosen,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
        )
    # Browsers must ask again each time (the status may have changed), and shared caches must not keep it.
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return response


def forget_remembered_pages() -> None:
    """For tests: drop the remembered tokens and pages of this process."""
    _verified_tokens.clear()
    _rendered_pages.clear()


def _seconds_until_verdict_changes(live: verification.LiveStatus | None) -> float:
    """How long a rendered verdict may be reused: not past the end of validity or of a suspension."""
    limit = float(VERIFY_PAGE_CACHE_SECONDS)
    if live is None:
        return limit
    now = timezone.now()
    for moment in (live.valid_from, live.valid_until, live.suspended_until):
        if moment is not None and moment > now:
            limit = min(limit, (moment - now).total_seconds())
    return max(limit, 0.0)


def _checked_at_text(moment: datetime.datetime | None) -> str:
    """The moment of the check as the page prints it (to the minute), formatted once per minute and language."""
    if moment is None:
        return ""
    local = timezone.localtime(moment).replace(second=0, microsecond=0)
    key = (local, translation.get_language())
    text = _checked_at_texts.get(key)
    if text is None:
        if len(_checked_at_texts) > 64:
            _checked_at_texts.clear()
        text = _checked_at_texts[key] = formats.date_format(local, "DATETIME_FORMAT")
    return text


_checked_at_texts: dict[tuple[datetime.datetime, str | None], str] = {}


# Lazy: these dicts are built at import, and each page shows them in its own language.
CHECK_LABELS = {
    "pdf": gettext_lazy("PDF seal"),
    "format": gettext_lazy("Format"),
    "seal": gettext_lazy("Seal"),
    "issuer": gettext_lazy("Issuer"),
    "expiry": gettext_lazy("Validity period"),
    "revocation": gettext_lazy("Revocation"),
    "suspension": gettext_lazy("Suspension"),
}
RESULT_LABELS = {
    verification.PASSED: gettext_lazy("Passed"),
    verification.FAILED: gettext_lazy("Failed"),
    verification.SKIPPED: gettext_lazy("Not checked"),
}


def report_context(report: verification.Report) -> dict:
    """What the report partial (templates/credentials/_verification_report.html) shows."""
    zone = days.zone(settings.TIME_ZONE)
    return {
        "report": report,
        "checks": [
            {
                "name": check.name,
                "label": CHECK_LABELS.get(check.name, check.name),
                "result": check.result,
                "result_label": RESULT_LABELS[check.result],
                # The explanation in the page's language; the API and the offline verifier keep the English.
                "detail": check.detail.translated(_, moment_text) if isinstance(check.detail, Detail) else check.detail,
            }
            for check in report.checks
        ],
        "valid_from": _day(report.credential.valid_from, lambda moment: days.local_day(moment, zone)),
        "valid_until": _day(report.credential.valid_until, lambda moment: days.last_day(moment, zone)),
        "checked_at_text": _checked_at_text(report.checked_at),
    }


def moment_text(moment: verification.Moment) -> str:
    """An instant of a check's explanation as the page shows it, in the issuer's time zone: the end of a period
    as the last day it covers, a midnight as its day, any other instant as a date and time."""
    zone = days.zone(settings.TIME_ZONE)
    if moment.ends:
        return formats.date_format(days.last_day(moment.moment, zone), "DATE_FORMAT")
    local = moment.moment.astimezone(zone)
    day = formats.date_format(local.date(), "DATE_FORMAT")
    if local.time() == datetime.time.min:
        return day
    # The day as the language writes it and the time on a 24-hour clock (English DATETIME_FORMAT's "p.m." would
    # end a sentence in "p.m.."; Italian's adds the weekday).
    return f"{day} {local:%H:%M}"


def _day(value: str | None, day_of: Callable[[datetime.datetime], datetime.date]) -> datetime.date | None:
    """The day a validity date of the report names: a token's days as they are, an instant by ``day_of``."""
    if not value:
        return None
    try:
        if len(value) == 10:
            return datetime.date.fromisoformat(value)
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return day_of(moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC))


@public_rate_limit
@csrf_protect
def verify_upload_page(request: HttpRequest) -> HttpResponse:
    """A person drops a sealed credential (.jsonld) or a PDF certificate, or pastes the JSON, and reads the report."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    context: dict = {"max_megabytes": settings.VERIFY_MAX_UPLOAD_BYTES / (1024 * 1024)}
    status = 200
    if request.method == "POST" and "serial" in request.POST:
        status = _verify_by_serial(request, context)
    elif request.method == "POST":
        try:
            data = _submitted_document(request)
            context.update(
                report_context(public_verification.verify_document(data, max_bytes=settings.VERIFY_MAX_UPLOAD_BYTES))
            )
        except verification.UnreadableInput as exc:
            context["problem"] = upload_problem(exc)
            status = exc.status_code
    response = render(request, "credentials/verify_upload.html", context, status=status)
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _verify_by_serial(request: HttpRequest, context: dict) -> int:
    """The serial number and surname printed on a certificate: the report of that credential (the HTTP status)."""
    serial, name = request.POST.get("serial", ""), request.POST.get("holder_name", "")
    context.update(serial=serial, holder_name=name)
    try:
        credential = register.find_by_serial(serial=serial, holder_name=name)
    except DomainError as exc:
        context["problem"] = exc.message
        return 400
    if credential is None:
        context["problem"] = _(
            "No credential matches this serial number and name. Check both against the certificate: the serial is "
            "printed under the QR code."
        )
        return 404
    context.update(
        report_context(verification.verify_issued(credential)),
        profile={"title": credential.profile.tr("title"), "eqf_level": credential.profile.eqf_level},
        renews=credential.predecessor,
    )
    return 200


def _submitted_document(request: HttpRequest) -> bytes:
    upload = request.FILES.get("file")
    pasted = request.POST.get("json", "").strip()
    if upload is not None:
        return read_upload(upload)
    if pasted:
        return pasted.encode("utf-8")
    raise verification.UnreadableInput("empty", "Nothing was sent.")


def read_upload(upload) -> bytes:
    """The bytes of an uploaded file, refusing (413) one larger than ``VERIFY_MAX_UPLOAD_BYTES``."""
    limit = settings.VERIFY_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise verification.UnreadableInput("too_large", f"The file is larger than the limit of {limit} bytes.")
    return upload.read(limit + 1)


def upload_problem(exc: verification.UnreadableInput) -> str:
    """The user-facing (translated) message for input we cannot verify."""
    if exc.code == "too_large":
        return _("The file is larger than the limit of %(limit)s MB.") % {
            "limit": f"{settings.VERIFY_MAX_UPLOAD_BYTES / (1024 * 1024):g}"
        }
    messages = {
        "empty": _("Nothing to verify: choose a file or paste a sealed credential."),
        "not_json": _("This is not JSON: a sealed credential is a JSON document (.jsonld)."),
        "too_deeply_nested": _(
            "This JSON is nested too deeply (more than %(depth)d levels): it is not a sealed credential."
        )
        % {"depth": jsonlimits.MAX_DEPTH},
        "not_sealed": _(
            'This JSON is not a sealed credential: expected a JAdES seal, an object with "payload" and "signatures".'
        ),
    }
    return messages.get(exc.code, _("This file is neither a sealed credential (.jsonld) nor a PDF certificate."))
