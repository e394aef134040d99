"""The page's language chosen with a link: ``?lang=it`` (or ``?lang=en``) on any page read with GET.

The QR code's page started this: it is cached for anonymous visitors, so it switches language with a plain link
rather than Django's ``set_language`` form, which needs a CSRF cookie. Every page now switches the same way, so a
verifier who arrives in the wrong language on /verify/, /register/ or a profile can change it with one link.

The choice is kept as ``set_language`` keeps it, in the language cookie, so that the following pages (and links
that do not carry ``?lang=``) stay in it. A value that is not one of settings.LANGUAGES is ignored.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

QUERY_PARAMETER = "lang"


def chosen_language(request: HttpRequest) -> str | None:
    """The language a GET request asks for with ``?lang=``, if it is one of ours."""
    if request.method not in ("GET", "HEAD"):
        return None
    chosen = request.GET.get(QUERY_PARAMETER)
    return chosen if chosen in dict(settings.LANGUAGES) else None


class LanguageFromQueryMiddleware:
    """After LocaleMiddleware: ``?lang=`` overrides the cookie and Accept-Language, and is remembered."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = chosen_language(request)
        if chosen is not None:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        response = self.get_response(request)
        if chosen is not None and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != chosen:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                chosen,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
