"""The public status lists: each a sealed ``BitstringStatusListCredential`` at its stable URL.

Verifiers (and the browsers of verifier apps, hence CORS) fetch these, so they are cacheable for
``STATUS_LIST_MAX_AGE`` seconds and revalidated with their ETag. The bytes are the ones stored by
``status.publish_status_list`` in the transaction of the last change; nothing is built per request except
the first publication of a list nobody has changed yet.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags
from django.views.decorators.http import require_http_methods

from . import status
from .models import StatusList
from .status_list import STATUS_REFERENCE_PATH


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
