"""allauth adapters: the rules of this association that allauth asks about."""

from __future__ import annotations

import time
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.models import EmailAddress
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from . import landing, two_factor
from .models import User


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

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's e-mails (address confirmation, password reset, …) go out in the recipient's language, as the
        product's own do: the preferred language of the account the address belongs to, or, for an address with
        no account, the language of the request that caused the e-mail."""
        recipient = _recipient(email, context)
        with translation.override(_language_for(recipient)):
            super().send_mail(template_prefix, email, {**context, "recipient": recipient})

    def render_mail(
        self, template_prefix: str, email: str | list[str], context: dict[str, Any], headers: dict | None = None
    ) -> EmailMessage:
        """Our templates (templates/account/email/) greet the person and sign with the association's name."""
        recipient = context.get("recipient")
        context = {
            **context,
            "association_name": settings.ASSOCIATION_NAME,
            "site_url": settings.SITE_URL,
            "recipient_name": (recipient.get_full_name() if recipient else "") or context.get("email") or email,
        }
        return super().render_mail(template_prefix, email, context, headers=headers)


def _recipient(email: str, context: dict) -> User | None:
    """The account an e-mail of allauth's is for: the one in its context, else the one the address belongs to."""
    user = context.get("user")
    if isinstance(user, User):
        return user
    address = EmailAddress.objects.filter(email__iexact=email).select_related("user").order_by("-verified").first()
    return address.user if address else User.objects.filter(email__iexact=email).first()


def _language_for(recipient: User | None) -> str:
    languages = dict(settings.LANGUAGES)
    if recipient is not None and recipient.preferred_language in languages:
        return recipient.preferred_language
    request = context.request
    language = getattr(request, "LANGUAGE_CODE", None) or translation.get_language()
    return language if language in languages else settings.LANGUAGE_CODE


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
