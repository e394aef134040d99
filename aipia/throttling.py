"""Rate limits for the public endpoints (verification page and API, verifier page, public register).

One limit per client address, shared by every public endpoint, counted in the default cache (Redis in
production, so all web processes count together). The rate is ``VERIFY_RATE_LIMIT`` in DRF's syntax
("120/min"). DRF views use :class:`PublicEndpointThrottle` in ``throttle_classes``; plain Django views use
the :func:`public_rate_limit` decorator, which answers 429 with ``Retry-After``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from rest_framework.throttling import SimpleRateThrottle


class PublicEndpointThrottle(SimpleRateThrottle):
    """Counts requests per client IP for everyone, signed in or not."""

    scope = "verification"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def public_rate_limit(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a Django view with the public endpoints' rate limit."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        throttle = PublicEndpointThrottle()
        if not throttle.allow_request(request, None):
            wait = throttle.wait()
            response = HttpResponse(
                _("Too many requests from your address. Please wait a minute and try again."),
                status=429,
                content_type="text/plain; charset=utf-8",
            )
            if wait is not None:
                response["Retry-After"] = str(max(1, math.ceil(wait)))
            return response
        return view(request, *args, **kwargs)

    return wrapper
