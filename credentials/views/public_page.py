"""A credential's public page, ``/c/<slug>``, which its holder shares (credentials/services/public_page.py).

Its status comes from the same place as the QR page's: the credential's signed token checked against our
published keys, with the live status from our records (credentials/verification/server.py), so the two pages
never disagree and the page says a suspension or revocation with its category, never the staff's words.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_safe

from aipia.throttling import public_rate_limit
from credentials.documents import qr
from credentials.selectors import profile_competences_for, shared_credential, verification_state
from credentials.services.issuance import verify_url_for
from credentials.services.public_page import public_page_url
from credentials.verification import server
from credentials.verification.report import Report
from credentials.views.public import report_context


def _report(credential) -> Report:
    try:
        claims = server.check_token(credential.token)
    except qr.InvalidToken:
        # A token no published key verifies (it cannot happen for a token we signed, since our keys are never
        # unpublished): the full check of the sealed credential says what is wrong.
        return server.verify_issued(credential)
    row = verification_state(credential_id=credential.pk)
    live = server.live_status_from_row(row) if row else None
    return server.report_for_token(claims, live, issuer_name=settings.ISSUER_LEGAL_NAME)


@public_rate_limit
@require_safe
def credential_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The shared credential with its status today; 404 when the page is off, never was, or the holder's data
    was erased (the same answer for each, so the address tells nothing about a page switched off)."""
    credential = shared_credential(slug=slug)
    if credential is None:
        raise Http404("No such page.")
    report = _report(credential)
    profile = credential.profile
    context = {
        **report_context(report),
        "credential": credential,
        "profile": {"title": profile.tr("title"), "eqf_level": profile.eqf_level, "code": profile.code},
        "badge_code": profile.code if profile.is_published else "",
        "competences": profile_competences_for(credential),
        "page_url": public_page_url(credential),
        "verify_url": verify_url_for(credential.token),
        # Search engines may index the page only when the holder has also chosen the public register.
        "indexable": credential.listed_in_register,
    }
    response = render(request, "credentials/public_page.html", context)
    if not credential.listed_in_register:
        response["X-Robots-Tag"] = "noindex"
    # The status may change at any moment: browsers ask again each time, shared caches keep nothing.
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return response
