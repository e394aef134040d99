"""``GET /healthz``: the process answers. For load balancers, and the baseline of bench/verification.py."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Touches neither the database nor the cache, so it says nothing about them: only that Django serves."""
    return JsonResponse({"status": "ok"})
