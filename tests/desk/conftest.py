"""The desk's tests use the credential tests' issued credential and administrator."""

from ..credentials.conftest import _forget_remembered_verifications, admin_user, issued_credential  # noqa: F401
