"""Pages anyone may open: the QR code's verification page, the verifier's upload page, the public register, the
published keys and the status lists. Verification itself is credentials/verification/server.py's."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable

from django.conf import settings
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseNotModified,
    JsonResponse,
)
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.html import escape
from django.utils.http import parse_etags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from aipia import days
from aipia.errors import DomainError
from aipia.throttling import public_rate_limit
from credentials.documents import qr
from credentials.documents.keys import public_jwk
from credentials.documents.open_badges import MEDIA_TYPE as OPEN_BADGE_MEDIA_TYPE
from credentials.documents.status_list import STATUS_REFERENCE_PATH
from credentials.models import StatusList
from credentials.selectors import (
    credential_for_verification,
    profile_competences_for,
    published_seal_certificates,
    verification_state,
)
from credentials.services import open_badges, status
from credentials.services import register as credential_register
from credentials.services.register import (
    MIN_QUERY_LENGTH,
    PAGE_SIZE,
    register_entry,
    search_register,
)
from credentials.verification import server
from credentials.verification.documents import UnreadableInput
from credentials.verification.report import FAILED, PASSED, SKIPPED, Detail, Moment, Report
from credentials.verification.uploads import read_upload, upload_problem
from profiles.models import Profile
from profiles.selectors import profile_named


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


# The rendered QR page is cached per process for anonymous visitors, keyed by the credential, its
# ``status_version`` (bumped by every status change in the same transaction as the published lists), the
# verdict and the language: a suspension or revocation shows on the very next request. The page switches
# language with a link (``?lang=it``, aipia/language.py, as every page does) rather than a POST form, so that it
# needs no CSRF cookie; the time of the check differs per request, so the cached HTML holds a marker for it.
_CHECKED_AT_MARKER = "__verify-checked-at__"


@public_rate_limit
@require_safe
def verify_token_page(request: HttpRequest, token: str) -> HttpResponse:
    """The QR code's target: the printed facts, checked against our published keys, plus the live status.

    Per request on a warm process: no signature check (verified tokens are remembered; a token's signature
    cannot stop being valid, and our keys are never unpublished), one query by primary key for the live
    status, and the rendered page from the process's memo. Measured by bench/verification.py.
    """
    try:
        claims = server.check_token(token)
    except qr.InvalidToken as exc:
        response = render(request, "credentials/verify.html", {"problem": exc.reason}, status=400)
        patch_cache_control(response, private=True, no_cache=True)
        return response
    row = verification_state(credential_id=claims.credential_id)
    live = server.live_status_from_row(row) if row else None
    report = server.report_for_token(claims, live, issuer_name=settings.ISSUER_LEGAL_NAME)
    cacheable = not request.user.is_authenticated and set(request.GET) <= {"lang"}
    key = (
        claims.credential_id,
        token,
        live.status_version if live else None,
        report.status,
        translation.get_language() or "",
    )
    html = server.remembered_page(key) if cacheable else None
    if html is None:
        credential = credential_for_verification(credential_id=claims.credential_id) if row else None
        context = {
            **report_context(report),
            "renews": credential.predecessor if credential is not None else None,
            "profile": profile_context(credential.profile if credential else profile_named(code=claims.profile_code)),
            "competences": profile_competences_for(credential) if credential else [],
        }
        if cacheable:
            context["checked_at_text"] = _CHECKED_AT_MARKER
        html = render_to_string("credentials/verify.html", context, request=request)
        if cacheable:
            server.remember_page(key, html, live=live)
    if cacheable:
        html = html.replace(_CHECKED_AT_MARKER, escape(_checked_at_text(report.checked_at)))
    response = HttpResponse(html)
    # Browsers must ask again each time (the status may have changed), and shared caches must not keep it.
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return response


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


# A check's outcome, in words of its own: "Failed" is also an issuance's state, and Italian words them differently.
RESULT_LABELS = {
    PASSED: gettext_lazy("Passed"),
    FAILED: gettext_lazy("Did not pass"),
    SKIPPED: gettext_lazy("Not checked"),
}

# Why a credential could not be confirmed, for the verdict's first sentence: the first failed check of these, in
# this order, names it; none of them failed means a check could not be done ("undetermined").
_UNCONFIRMED_REASONS = (("pdf", "altered"), ("seal", "altered"), ("format", "unreadable"), ("issuer", "untrusted"))


def unconfirmed_reason(report: Report) -> str:
    """``altered``, ``unreadable``, ``untrusted`` or ``undetermined``: why a report's status is ``unknown``."""
    failed = {check.name for check in report.checks if check.result == FAILED}
    return next((reason for name, reason in _UNCONFIRMED_REASONS if name in failed), "undetermined")


def report_context(report: Report) -> dict:
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
        "unconfirmed_reason": unconfirmed_reason(report) if report.status == "unknown" else "",
        "issuer_display_name": report.issuer_name or settings.ISSUER_LEGAL_NAME,
    }


def profile_context(profile: Profile | None) -> dict | None:
    """The profile as a verifier reads it: its name in the page's language and its EQF level, and the code of its
    badge, which shared links to the page preview (Open Graph); attestations' profiles have none."""
    if profile is None:
        return None
    badge_code = profile.code if profile.is_published else ""
    return {"title": profile.tr("title"), "eqf_level": profile.eqf_level, "badge_code": badge_code}


def _profile_of(report: Report) -> Profile | None:
    """The profile of a verified document: the one our records hold for a credential we issued, otherwise the one
    of our catalogue whose code the document names (a foreign credential's own title is shown as it is)."""
    if report.credential_uuid is not None:
        credential = credential_for_verification(credential_id=report.credential_uuid)
        if credential is not None:
            return credential.profile
    return profile_named(code=report.credential.profile) if report.credential.profile else None


def moment_text(moment: Moment) -> str:
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
            report = server.verify_document_with_records(data, max_bytes=settings.VERIFY_MAX_UPLOAD_BYTES)
            context.update(report_context(report), profile=profile_context(_profile_of(report)))
        except UnreadableInput as exc:
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
        credential = credential_register.find_by_serial(serial=serial, holder_name=name)
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
        report_context(server.verify_issued(credential)),
        profile=profile_context(credential.profile),
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
    raise UnreadableInput("empty", "Nothing was sent.")


@require_safe
@public_rate_limit
def register(request: HttpRequest) -> HttpResponse:
    """Search the register; without a query the page only explains what it holds and asks for one."""
    query = request.GET.get("q", "")
    context: dict = {"query": query.strip(), "min_length": MIN_QUERY_LENGTH, "page": None}
    if query.strip():
        try:
            page = Paginator(search_register(query=query), PAGE_SIZE).get_page(request.GET.get("page"))
        except DomainError as exc:
            context["error"] = exc.message
        else:
            context.update(page=page, entries=[register_entry(credential) for credential in page])
    return render(request, "credentials/register.html", context)


def _public_headers(response: HttpResponse, status_list: StatusList | None = None) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "ETag"
    if status_list is not None:
        response["ETag"] = status_list.etag
        response["Cache-Control"] = f"public, max-age={settings.STATUS_LIST_MAX_AGE}"
    return response


@require_http_methods(["GET", "HEAD", "OPTIONS"])
def status_list_credential(request: HttpRequest, purpose: str, number: int) -> HttpResponse:
    if request.method == "OPTIONS":  # a CORS preflight, e.g. for a revalidation with If-None-Match
        response = HttpResponse(status=204)
        response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response["Access-Control-Allow-Headers"] = "If-None-Match"
        response["Access-Control-Max-Age"] = "86400"
        return _public_headers(response)
    if purpose not in StatusList.Purpose.values:
        raise Http404("No such status list.")
    status_list = status.find_status_list(purpose=purpose, number=number)
    if status_list is None:
        raise Http404("No such status list.")
    status_list = status.ensure_published(status_list=status_list)
    # If-None-Match uses the weak comparison (RFC 9110 §13.1.2): a W/ prefix does not matter.
    etags = {tag.removeprefix("W/") for tag in parse_etags(request.headers.get("If-None-Match", ""))}
    if "*" in etags or status_list.etag in etags:
        return _public_headers(HttpResponseNotModified(), status_list)
    response = HttpResponse(bytes(status_list.sealed_json), content_type="application/json")
    return _public_headers(response, status_list)


@require_http_methods(["GET", "HEAD", "OPTIONS"])
def status_list_jwt(request: HttpRequest, purpose: str, number: int) -> HttpResponse:
    """The same status list as a VC-JWT (``application/vc+jwt``), for Open Badges 3.0 verifiers: what the
    ``statusListCredential`` of our Open Badges names (credentials/services/open_badges.py)."""
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response["Access-Control-Allow-Headers"] = "If-None-Match"
        response["Access-Control-Max-Age"] = "86400"
        return _public_headers(response)
    if purpose not in StatusList.Purpose.values:
        raise Http404("No such status list.")
    status_list = status.find_status_list(purpose=purpose, number=number)
    if status_list is None:
        raise Http404("No such status list.")
    published = open_badges.status_list_jwt(status_list=status_list)
    etags = {tag.removeprefix("W/") for tag in parse_etags(request.headers.get("If-None-Match", ""))}
    if "*" in etags or published.etag in etags:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(published.token, content_type=OPEN_BADGE_MEDIA_TYPE)
    _public_headers(response)
    response["ETag"] = published.etag
    response["Cache-Control"] = f"public, max-age={settings.STATUS_LIST_MAX_AGE}"
    return response


@require_http_methods(["GET", "HEAD", "OPTIONS"])
def status_reference_document(request: HttpRequest) -> HttpResponse:
    """What a credential's ``credentialStatus`` URI dereferences to (the fragment, which names the credential's
    entries, never reaches us): how to read the fragment and where each list is, for verifiers that meet the
    form for the first time. The same for every credential."""
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response["Access-Control-Max-Age"] = "86400"
        return _public_headers(response)
    base = settings.SITE_URL.rstrip("/")
    document = {
        "id": base + STATUS_REFERENCE_PATH,
        "issuer": status.issuer_id(),
        "description": (
            "The status of credentials issued by this issuer. A credential's credentialStatus is this URL followed "
            "by a fragment naming its entries in W3C Bitstring Status Lists v1.0, "
            "#revocation=<list>:<index>&suspension=<list>:<index>: read bit <index> of the list published at "
            "statusLists[purpose] with {list} replaced by <list>. A set bit means revoked (or suspended)."
        ),
        "fragment": "revocation=<list>:<index>&suspension=<list>:<index>",
        "statusLists": {purpose: f"{base}/status/{purpose}/{{list}}" for purpose in StatusList.Purpose.values},
        "specification": "https://www.w3.org/TR/vc-bitstring-status-list/",
    }
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8"), content_type="application/json"
    )
    response["Cache-Control"] = "public, max-age=86400"
    return _public_headers(response)
