"""API wiring shared by all apps: the exception handler that turns DomainError into JSON."""

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from aipia.errors import DomainError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.details:
            body["missing"] = exc.details
        return Response(body, status=exc.status_code)
    return drf_exception_handler(exc, context)
