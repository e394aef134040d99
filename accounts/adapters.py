"""allauth adapters: the rules of this association that allauth asks about."""

from __future__ import annotations

import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.utils.translation import gettext_lazy as _

from . import landing, two_factor


class AccountAdapter(DefaultAccountAdapter):
    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Setting up an authenticator asks for the password again, unless the person typed it moments ago:
        a staff member sent to the enrolment page by their first login (accounts/middleware.py) is not asked
        twice in a row. "Moments" is allauth's reauthentication window (5 minutes)."""
        request = context.request
        if app == "allauth.mfa" and request is not None and request.user.is_authenticated:
            records = get_authentication_records(request, request.user)
            window = account_settings.REAUTHENTICATION_TIMEOUT
            if any(r.get("method") == "password" and time.time() - r.get("at", 0) < window for r in records):
                return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def get_login_redirect_url(self, request) -> str:
        """After signing in, people land on their work (accounts/landing.py); a ``next`` address, which allauth
        checks before asking, still wins."""
        return landing.landing_url(request.user) or super().get_login_redirect_url(request)


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "Staff and committee members must keep two-factor authentication. To move it to a new device, ask "
            "an administrator to reset it."
        ),
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Staff and committee members cannot remove their authenticator app while 2FA is required of them."""
        if authenticator.type == Authenticator.Type.TOTP and two_factor.is_required_for(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)
