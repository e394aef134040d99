"""The public page of a credential that its holder chooses to share: ``/c/<slug>``, off until switched on.

The page is what a holder links from a profile or a post (LinkedIn, a CV, a website): the credential, its
competences and its status today. Unlike the QR page (``/v/<token>``), its address holds no signed claims, so
it is short and stays the same for as long as the credential lives: the slug is drawn at random on the first
switch-on and kept when the page is switched off and on again (docs/decisions/0010-credential-public-page.md).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.personal_data import ERASED
from aipia.errors import InvalidTransition, NotAllowed
from credentials.models import Credential, CredentialEvent

# 9 random bytes: 12 URL-safe characters, 72 bits, far beyond anyone's reach by guessing.
SLUG_BYTES = 9


def public_page_path(slug: str) -> str:
    return f"/c/{slug}"


def public_page_url(credential: Credential) -> str | None:
    """The page's full address while it is switched on, else None."""
    if not credential.public_page or not credential.public_slug:
        return None
    return settings.SITE_URL.rstrip("/") + public_page_path(credential.public_slug)


def _new_slug() -> str:
    while True:
        slug = secrets.token_urlsafe(SLUG_BYTES)
        if not Credential.objects.filter(public_slug=slug).exists():
            return slug


@transaction.atomic
def set_public_page(*, credential: Credential, holder: User, shared: bool) -> Credential:
    """Switch the credential's public page on or off, as its holder chooses.

    Only the holder decides (``NotAllowed`` otherwise). A credential still being issued, or whose holder's
    name has been erased, cannot be shared (``InvalidTransition``); switching off is always possible. The first
    switch-on draws the slug; later ones reuse it. A change writes a ``credential.public_page_on`` or
    ``credential.public_page_off`` event with the slug; asking for the current state changes and records nothing.
    """
    if credential.holder_id != holder.pk:
        raise NotAllowed(_("Only the holder of a credential decides whether it has a public page."))
    credential = Credential.objects.select_for_update().get(pk=credential.pk)
    if credential.public_page == shared:
        return credential
    if shared and credential.issuance != Credential.Issuance.DONE:
        raise InvalidTransition(
            _("Your credential is still being issued: its public page can be switched on once it is ready."),
            code="not_issued",
        )
    if shared and (credential.holder_name == ERASED or not credential.token):
        raise InvalidTransition(
            _("This credential's personal data has been erased: it can no longer have a public page."),
            code="erased",
        )
    fields = ["public_page"]
    if shared and not credential.public_slug:
        credential.public_slug = _new_slug()
        fields.append("public_slug")
    credential.public_page = shared
    credential.save(update_fields=fields)
    CredentialEvent.objects.create(
        credential=credential,
        action="credential.public_page_on" if shared else "credential.public_page_off",
        actor=holder,
        data={"public_page": shared, "slug": credential.public_slug},
    )
    return credential
