"""API wiring shared by all apps: the exception handler that turns DomainError into JSON, and the JSON parser
that refuses nesting deeper than any request of ours needs (aipia/jsonlimits.py) before parsing."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from aipia import jsonlimits
from aipia.errors import DomainError


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than the limit."
    default_code = "too_large"


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, with the nesting depth checked first: a deeply nested body is a 400 with a clear
    message, not a ``RecursionError``. (Its size was checked before: DRF reads a JSON body through Django's
    ``request.body``, which refuses more than DATA_UPLOAD_MAX_MEMORY_SIZE; the exception handler makes that a
    413.)"""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return jsonlimits.loads(stream.read().decode(encoding))
        except jsonlimits.TooDeeplyNested as error:
            raise ParseError(f"JSON parse error - {error}", code="too_deeply_nested") from error
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from error


class StrictPageNumberPagination(PageNumberPagination):
    """DRF's page-number pagination, refusing a page that is not a number (``?page=`` or ``?page=x``) with a 400
    that says so, where DRF would quietly serve the first page for an empty one."""

    def get_page_number(self, request, paginator):
        given = request.query_params.get(self.page_query_param)
        if given is not None and given not in self.last_page_strings and not given.isdigit():
            raise serializers.ValidationError({self.page_query_param: ["A page number: 1, 2, 3…"]})
        return super().get_page_number(request, paginator)


class StrictUUIDField(serializers.UUIDField):
    """A UUID given as a string, as the schema says (DRF's own also takes an integer: 0 becomes 00000000-…)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = BodyTooLarge(f"The request body is larger than the limit of {limit} bytes.")
    if isinstance(exc, DomainError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.details:
            body["missing"] = exc.details
        response = Response(body, status=exc.status_code)
        if exc.status_code == 401:  # RFC 9110: a 401 names the scheme that would succeed
            response["WWW-Authenticate"] = "Token"
        return response
    response = drf_exception_handler(exc, context)
    # DRF's own refusals (not found, not authenticated, permission denied, throttled, parse errors) say only
    # {"detail"}; give them the code too, so that every refusal has the {"detail", "code"} shape the OpenAPI
    # schema documents (aipia/openapi.py). Field errors keep their per-field shape.
    if response is not None and isinstance(response.data, dict) and set(response.data) == {"detail"}:
        code = getattr(response.data["detail"], "code", None) or getattr(exc, "default_code", "error")
        response.data = {"detail": response.data["detail"], "code": code}
    return response
