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

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from rest_framework.throttling import SimpleRateThrottle


class PublicEndpointThrottle(SimpleRateThrottle):
    """Counts requests per client IP for everyone, signed in or not, in fixed windows of the rate's period.

    DRF's own throttles keep each client's request history as a list, read and written back on every
    request: two cache round trips and a list that grows with the rate. A counter per window costs one
    round trip (on Redis, INCR and EXPIRE pipelined) and allows at most twice the rate across a window
    boundary, which is what a public rate limit needs.
    """

    scope = "verification"
    # Set by SimpleRateThrottle.__init__ from the rate ("120/min"); declared for the type checker.
    num_requests: int
    duration: int

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        now = self.timer()
        window = int(now // self.duration)
        self._window_end = (window + 1) * self.duration
        self.now = now
        count = _increment(f"{self.key}:{window}", ttl=int(self.duration) + 1)
        return count <= self.num_requests

    def wait(self) -> float | None:
        return max(0.0, self._window_end - self.now)


class DeskSubmissionThrottle(PublicEndpointThrottle):
    """The consumer desk's own, much lower limit on new requests per client address (``DESK_RATE_LIMIT``): each
    request writes a case and sends an e-mail, so it is counted apart from reading pages."""

    scope = "desk"


def increment_counter(key: str, *, ttl: int) -> int:
    """Add one to the counter ``key`` of the default cache (created with ``ttl`` seconds to live); the new count.
    Shared by every process when the cache is Redis."""
    return _increment(key, ttl=ttl)


def counter(key: str) -> int:
    """The current count of ``key`` (0 when it has none)."""
    return int(cache.get(key) or 0)


def _increment(key: str, *, ttl: int) -> int:
    raw_client = getattr(cache, "raw_client", None)
    if raw_client is not None:  # aipia.cache.RedisCache: one round trip
        full_key = cache.make_and_validate_key(key)
        pipeline = raw_client(write=True).pipeline(transaction=False)
        pipeline.incr(full_key)
        pipeline.expire(full_key, ttl, nx=True)
        return int(pipeline.execute()[0])
    if cache.add(key, 1, ttl):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, ttl)
        return 1


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
