"""The quality tests use the credential tests' issued credential."""

from ..credentials.conftest import _forget_remembered_verifications, issued_credential  # noqa: F401
