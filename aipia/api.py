"""API wiring shared by all apps: the exception handler that turns DomainError into JSON, and the JSON parser
that refuses nesting deeper than any request of ours needs (aipia/jsonlimits.py) before parsing."""

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from aipia import jsonlimits
from aipia.errors import DomainError


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, with the nesting depth checked first: a deeply nested body is a 400 with a clear
    message, not a ``RecursionError``."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return jsonlimits.loads(stream.read().decode(encoding))
        except jsonlimits.TooDeeplyNested as error:
            raise ParseError(f"JSON parse error - {error}", code="too_deeply_nested") from error
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from error


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.details:
            body["missing"] = exc.details
        response = Response(body, status=exc.status_code)
        if exc.status_code == 401:  # RFC 9110: a 401 names the scheme that would succeed
            response["WWW-Authenticate"] = "Token"
        return response
    return drf_exception_handler(exc, context)
