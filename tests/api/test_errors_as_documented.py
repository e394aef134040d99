"""Refusals have the shape the OpenAPI schema documents, wherever they come from (fast; schemathesis checks every
operation in tests/api/test_schema_conformance.py)."""

import uuid

import pytest
from rest_framework.test import APIClient

from accounts.models import User

from ..factories import UserFactory


@pytest.fixture
def admin_api(db):
    client = APIClient()
    client.force_authenticate(UserFactory(role=User.Role.ADMIN, is_staff=True))
    return client


@pytest.fixture
def schema(db):
    return APIClient().get("/api/schema/", {"format": "json"}).json()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("delete", "/api/v1/credentials/{id}/suspension"),
        ("post", "/api/v1/credentials/{id}/revocation"),
        ("get", "/api/v1/credentials/{id}/cpd/"),
        ("get", "/api/v1/bulk-jobs/{id}"),
        ("get", "/api/v1/no-such-endpoint/{id}"),
    ],
)
def test_a_404_says_detail_and_code_as_documented(admin_api, schema, method, path):
    response = getattr(admin_api, method)(path.format(id=uuid.uuid4()), {"category": "other", "reason": "x"})

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail", "code"}
    documented = schema["paths"].get(path, {}).get(method, {}).get("responses", {})
    assert not documented or "404" in documented


def test_the_register_documents_its_400_for_a_short_query(db, schema):
    response = APIClient().get("/api/v1/register", {"q": "ab"})

    assert (response.status_code, response.json()["code"]) == (400, "query_too_short")
    operation = schema["paths"]["/api/v1/register"]["get"]
    assert "400" in operation["responses"]
    (q,) = [p for p in operation["parameters"] if p["name"] == "q"]
    assert q["schema"]["pattern"] == r"\S{3}"


def test_unauthenticated_calls_get_401_with_the_scheme_to_use(db, schema):
    response = APIClient().get("/api/v1/me")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"
    assert "401" in schema["paths"]["/api/v1/me"]["get"]["responses"]


def test_json_operations_do_not_offer_form_encodings_and_uploads_do(schema):
    bulk = schema["paths"]["/api/v1/bulk-jobs"]["post"]["requestBody"]["content"]
    files = schema["paths"]["/api/v1/dossiers/{id}/files/"]["post"]["requestBody"]["content"]

    assert list(bulk) == ["application/json"]
    assert "multipart/form-data" in files


def test_a_json_body_over_the_limit_is_refused_with_413_before_it_is_parsed(db, settings, schema):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = APIClient()
    client.force_authenticate(UserFactory())

    response = client.post("/api/v1/dossiers/", '{"profile": "' + "x" * 2000 + '"}', content_type="application/json")

    assert (response.status_code, response.json()["code"]) == (413, "too_large")
    assert "413" in schema["paths"]["/api/v1/dossiers/"]["post"]["responses"]


@pytest.mark.parametrize("page", ["", "x", "-1", "1.5"])
def test_a_page_that_is_not_a_number_is_a_400_that_says_so(admin_api, page):
    response = admin_api.get("/api/v1/outbox/emails", {"page": page})

    assert response.status_code == 400
    assert response.json() == {"page": ["A page number: 1, 2, 3…"]}


def test_a_page_number_and_last_are_still_served(admin_api):
    assert admin_api.get("/api/v1/outbox/emails", {"page": "1"}).status_code == 200
    assert admin_api.get("/api/v1/outbox/emails", {"page": "last"}).status_code == 200
    past_the_end = admin_api.get("/api/v1/outbox/emails", {"page": "2"})
    assert past_the_end.status_code == 404 and past_the_end.json()["code"] == "not_found"
