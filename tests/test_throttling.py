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


def test_a_made_up_x_forwarded_for_does_not_make_a_new_client(two_per_minute):
    answers = [
        hello(RequestFactory().get("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}"))
        for i in range(5)
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 429, 429, 429]


def test_behind_a_trusted_proxy_the_address_it_saw_is_the_client(two_per_minute, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = "10.0.0.2"

    def through_proxy(client, claimed=None):
        forwarded = f"{claimed}, {client}" if claimed else client  # the proxy appends what it saw
        return hello(RequestFactory().get("/", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forwarded)).status_code

    assert [through_proxy("203.0.113.7", claimed=f"198.51.100.{i}") for i in range(3)] == [200, 200, 429]
    assert through_proxy("203.0.113.8") == 200


def test_token_requests_with_wrong_passwords_are_limited_whatever_x_forwarded_for_says(db, monkeypatch):
    from rest_framework.test import APIClient
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "5/min"})
    cache.clear()
    api = APIClient()

    codes = [
        api.post(
            "/api/v1/auth/token",
            {"email": "nobody@example.org", "password": "wrong"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i in range(8)
    ]

    assert all(code in (400, 401, 403) for code in codes[:5])
    assert codes[5:] == [429, 429, 429]
