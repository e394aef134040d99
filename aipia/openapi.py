"""The OpenAPI schema says what the API really answers, errors included.

drf-spectacular documents each operation's successful answers and whatever a view declares. Every view can
also answer with errors that come from the framework rather than the view: a malformed body or query (400),
a missing, wrong or expired token (401), a missing permission, CSRF token or two-factor enrolment (403), an
unknown object (404), a body over the size limit (413), an unsupported body type (415), too many requests
(429). :class:`AutoSchema` adds those to every operation they can happen to, unless the view documented them
itself, all with the bodies the exception handler (aipia/api.py) gives them: ``{"detail", "code"}``, or for
invalid fields ``{"<field>": ["<message>", …]}``. schemathesis checks the result against the running API in CI
(tests/api/test_schema_conformance.py).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ProblemSerializer(serializers.Serializer):
    """A refusal: what went wrong, for a person, and a stable code, for a program."""

    detail = serializers.CharField()
    code = serializers.CharField()
    missing = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="What is still missing: the items an incomplete dossier lacks, or the CPD a renewal lacks.",
    )


PROBLEM = ProblemSerializer

FIELD_ERRORS = {
    "type": "object",
    "description": "Invalid input: each field (or non_field_errors) with the list of what is wrong with it.",
    "minProperties": 1,
    "additionalProperties": {"anyOf": [{"type": "array"}, {"type": "object"}]},
}

DESCRIPTIONS = {
    "400": "Invalid input: a refusal (detail, code) or the invalid fields with their messages.",
    "401": "Not authenticated: no token, or a wrong, expired or revoked one (WWW-Authenticate: Token).",
    "403": "Not allowed: the caller's role, a missing CSRF token (session callers), or two-factor enrolment.",
    "404": "No such object, or not one the caller may see.",
    "413": "The request body is larger than the limit (DATA_UPLOAD_MAX_MEMORY_SIZE, 5 MB by default).",
    "415": "The body's content type is not one this operation accepts.",
    "429": "Too many requests; Retry-After says how many seconds to wait.",
}


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        problem = self._problem_reference()
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation
        wanted: dict[str, dict[str, Any]] = {}
        if has_body or any(parameter["in"] == "query" for parameter in parameters):
            wanted["400"] = {"anyOf": [problem, FIELD_ERRORS]}
        if self.view.get_authenticators():
            wanted["401"] = problem
            wanted["403"] = problem
        elif not all(isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            wanted["403"] = problem
        if any(parameter["in"] == "path" or parameter["name"] == "page" for parameter in parameters):
            wanted["404"] = problem  # an unknown object, or a page past the last one
        if has_body:
            wanted["413"] = problem
            wanted["415"] = problem
        if self.view.get_throttles():
            wanted["429"] = problem
        responses = operation.setdefault("responses", {})
        declared_400 = responses.get("400", {}).get("content", {}).get("application/json", {})
        if declared_400.get("schema") == problem:  # a view's own 400: its refusals, and the serializer's too
            declared_400["schema"] = {"anyOf": [problem, FIELD_ERRORS]}
        for status, schema in wanted.items():
            if status not in responses:
                responses[status] = {
                    "content": {"application/json": {"schema": schema}},
                    "description": DESCRIPTIONS[status],
                }
        return operation

    def _problem_reference(self) -> dict[str, Any]:
        component = self.resolve_serializer(ProblemSerializer, "response")
        assert isinstance(component, ResolvedComponent)
        return component.ref
