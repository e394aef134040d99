"""The public endpoints' rate limit, as the Django-view decorator applies it."""

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from aipia.throttling import PublicEndpointThrottle, public_rate_limit


@public_rate_limit
def hello(request):
    return HttpResponse("hello")


@pytest.fixture
def two_per_minute(monkeypatch):
    monkeypatch.setattr(PublicEndpointThrottle, "THROTTLE_RATES", {"verification": "2/min"})
    cache.clear()
    yield
    cache.clear()


def test_a_client_over_the_limit_gets_429_with_retry_after(two_per_minute):
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7")

    answers = [hello(request) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert 1 <= int(answers[2]["Retry-After"]) <= 60


def test_the_limit_is_counted_per_client_address(two_per_minute):
    for _ in range(2):
        hello(RequestFactory().get("/", REMOTE_ADDR="203.0.113.7"))

    assert hello(RequestFactory().get("/", REMOTE_ADDR="203.0.113.8")).status_code == 200
    assert hello(RequestFactory().get("/", REMOTE_ADDR="203.0.113.7")).status_code == 429


@pytest.fixture
def redis_cache(settings):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/13"
    try:
        redis.Redis.from_url(url).ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    settings.CACHES = {"default": {"BACKEND": "aipia.cache.RedisCache", "LOCATION": url}}
    yield
    cache.clear()


def test_on_redis_the_counter_expires_with_its_window_and_uses_one_client(redis_cache, two_per_minute):
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")

    assert [hello(request).status_code for _ in range(3)] == [200, 200, 429]
    client = cache.raw_client()
    (key,) = client.keys("*throttle_verification_203.0.113.9*")
    assert 0 < client.ttl(key) <= 61
    assert cache.raw_client() is client
