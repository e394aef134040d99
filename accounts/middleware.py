"""Staff and committee members enrol two-factor authentication before anything else (accounts/two_factor.py)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from . import two_factor

# Pages anybody may open, signed in or not: they show nothing that needs a second factor. Everything else
# (dossiers, committee, credential management, the admin, the API but these) waits for the enrolment.
PUBLIC_VIEWS = frozenset(
    {
        "home",
        "healthz",
        "set_language",
        "verify",
        "verify-upload",
        "register",
        "status-reference",
        "status-list",
        "jwks",
        "seal-certificates",
        "schema",
        "api-docs",
        "profiles:list",
        "profiles:detail",
        "api-auth-token",
        "api-verifications",
        "api-register",
        "api-profile-list",
        "api-profile-detail",
        "api-credential-verification",
    }
)


class TwoFactorEnrolmentMiddleware:
    """Send a signed-in user who must enrol an authenticator, and has not, to the enrolment page.

    allauth's own pages (login, logout, the enrolment itself, password and e-mail management) and the public
    pages stay open; an API call answers 403 with the code ``mfa_enrollment_required``. The check runs after
    URL resolution so that it can tell allauth's views and the public ones apart.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        # The public pages first: looking at request.user reads the session, which adds "Vary: Cookie" and
        # would keep shared caches from storing public answers such as the status lists.
        if not settings.STAFF_2FA_REQUIRED or view_func.__module__.startswith("allauth."):
            return None
        if _view_name(request) in PUBLIC_VIEWS or request.path_info.startswith(settings.STATIC_URL):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not two_factor.must_enrol(user):
            return None
        message = _(
            "Your account gives access to applicants' dossiers and credentials: set up two-factor "
            "authentication with an authenticator app to continue."
        )
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": message, "code": "mfa_enrollment_required"}, status=403)
        messages.warning(request, message)
        return redirect("mfa_activate_totp")


def _view_name(request: HttpRequest) -> str:
    match = request.resolver_match
    return match.view_name if match is not None else ""
