"""API tokens: obtained with the account's password (and one-time code), expiring, listed and revoked by
their owner.

Tokens are django-rest-knox's: only a SHA-512 digest is stored, so the database never holds a usable token;
each expires ``API_TOKEN_TTL_DAYS`` after it was obtained. Every token of an account is revoked when its
password changes or is reset (``User.save``) and when the account is erased (accounts/privacy.py).

Obtaining a token goes through allauth's authentication, so failed attempts count against the same limits as
the login page: per account (5 in 5 minutes) and per client address (10 a minute), besides the endpoint's own
per-address limit (``AUTH_THROTTLE_RATE``). An account with an authenticator app must send its current code
(or an unused recovery code) as ``otp``; a staff or committee account without one gets no token while
two-factor authentication is required of it (accounts/two_factor.py).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.models import EmailAddress
from allauth.mfa.base.forms import AuthenticateForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken

from aipia.errors import NotAllowed, NotAuthenticated, NotFound, TooManyAttempts

from . import two_factor
from .models import User

TOO_MANY = "too_many_login_attempts"  # allauth's code when a login limit is reached


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime.datetime


def obtain_api_token(*, request: HttpRequest, email: str, password: str, otp: str = "") -> IssuedToken:
    """Check the credentials (and the one-time code, where the account has an authenticator) and issue a new
    token. Raises NotAuthenticated (401) with code ``bad_credentials``, ``mfa_required``, ``mfa_invalid_code``
    or ``mfa_enrollment_required``; NotAllowed (403) ``email_unverified``; TooManyAttempts (429).

    Wrong addresses, wrong passwords and inactive accounts get the same answer, so that it does not reveal
    which addresses exist.
    """
    try:
        user = get_account_adapter(request).authenticate(request, email=email.strip().lower(), password=password)
    except ValidationError as error:
        raise _too_many() from error
    if user is None or not user.is_active:
        raise NotAuthenticated(
            _("Unable to log in with the email address and password provided."), code="bad_credentials"
        )
    if not EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists():
        raise NotAllowed(_("Please verify your email address before using the API."), code="email_unverified")
    if two_factor.has_two_factor(user):
        _check_one_time_code(user, otp)
    elif two_factor.is_required_for(user):
        raise NotAuthenticated(
            _(
                "Staff and committee members must set up two-factor authentication before using the API: sign "
                "in on the website, where you will be guided through it."
            ),
            code="mfa_enrollment_required",
        )
    with transaction.atomic():
        AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
        instance, token = AuthToken.objects.create(user=user)
    return IssuedToken(token=token, expires_at=instance.expiry)


def _check_one_time_code(user: User, otp: str) -> None:
    if not otp:
        raise NotAuthenticated(
            _(
                "This account uses two-factor authentication: send the code your authenticator app shows (or a "
                "recovery code) as otp."
            ),
            code="mfa_required",
        )
    # allauth's own check: the TOTP code or an unused recovery code, each accepted once, failures limited.
    form = AuthenticateForm(user=user, data={"code": otp})
    if not form.is_valid():
        if any(error.code == TOO_MANY for error in form.errors.as_data().get("code", [])):
            raise _too_many()
        raise NotAuthenticated(_("The one-time code is not correct."), code="mfa_invalid_code")
    form.authenticator.record_usage()


def _too_many() -> TooManyAttempts:
    return TooManyAttempts(_("Too many failed attempts. Please wait a few minutes and try again."))


def live_tokens(*, user: User) -> QuerySet[AuthToken]:
    """The user's tokens that have not expired, the newest first."""
    return AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")


def revoke_api_token(*, user: User, token_id: str) -> None:
    """Revoke one of ``user``'s tokens, named by its id (``token_key``: the token's first characters)."""
    deleted, _rows = AuthToken.objects.filter(user=user, token_key=token_id).delete()
    if not deleted:
        raise NotFound(_("You have no such API token."))


def revoke_api_tokens(*, user: User) -> int:
    """Revoke every token of ``user``; returns how many there were."""
    deleted, _rows = AuthToken.objects.filter(user=user).delete()
    return deleted
