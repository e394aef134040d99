"""How API callers prove who they are: ``Authorization: Token <token>`` with an expiring token
(accounts/tokens.py), or the browser's session."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from . import two_factor


class ApiTokenAuthentication(TokenAuthentication):
    """django-rest-knox's token check (digest compared in constant time, expired tokens refused and deleted),
    and the two-factor rule: a token of an account that has since become staff or a committee member works
    again only once the account has enrolled an authenticator."""

    def validate_user(self, auth_token):
        user, token = super().validate_user(auth_token)
        if two_factor.must_enrol(user):
            raise AuthenticationFailed(
                _("Set up two-factor authentication on the website before using the API."),
                code="mfa_enrollment_required",
            )
        return user, token


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        definition = build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.authenticate_header(None)
        )
        definition["description"] = (
            "POST /api/v1/auth/token gives a token valid for API_TOKEN_TTL_DAYS days (30 by default); send it "
            "as `Authorization: Token <token>`."
        )
        return definition
