"""The one family of errors that services raise for users to read."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the request. ``message`` is shown to the user as is.

    ``code`` is a stable machine-readable identifier; ``details`` carries structured data such as the
    list of missing items of an incomplete dossier.
    """

    code = "invalid"
    status_code = 400

    def __init__(self, message: str, *, code: str | None = None, details: list[str] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or []


class NotAllowed(DomainError):
    code = "not_allowed"
    status_code = 403


class NotAuthenticated(DomainError):
    """The caller did not prove who they are (wrong password, missing or wrong one-time code): HTTP 401."""

    code = "not_authenticated"
    status_code = 401


class NotFound(DomainError):
    code = "not_found"
    status_code = 404


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    status_code = 429


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status_code = 409
