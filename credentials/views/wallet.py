"""The holder's "Add to a wallet" section of the credential page: create an offer (QR code, same-device link and,
apart, the transaction code), revoke it, and see what wallets received. credentials/services/wallet.py decides."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aipia.errors import DomainError
from credentials.documents import qr
from credentials.models import Credential, CredentialEvent, WalletOffer
from credentials.selectors import get_own_credential
from credentials.services import wallet

_SESSION_KEY = "wallet-offer:{}"
WALLET_EVENTS = (
    "credential.wallet_offer_created",
    "credential.wallet_offer_revoked",
    "credential.wallet_offer_locked",
    "credential.wallet_issued",
)


def wallet_context(request: HttpRequest, credential: Credential) -> dict[str, Any]:
    """What the section shows: the formats, the offer just created (its secrets are in the session once, until
    this page shows them), the open offer, and the wallet history of the credential."""
    created = request.session.pop(_SESSION_KEY.format(credential.pk), None)
    offers = list(wallet.offers_of(credential)[:10])
    open_offer = next((offer for offer in offers if wallet.is_open(offer)), None)
    new_offer = None
    if created and open_offer is not None and str(open_offer.pk) == created["id"]:
        new_offer = {
            **created,
            "qr": "data:image/png;base64," + base64.b64encode(qr.qr_png(created["link"], scale=6)).decode("ascii"),
            "offer": open_offer,
        }
    events = CredentialEvent.objects.filter(credential=credential, action__in=WALLET_EVENTS).order_by("-created_at")
    return {
        "wallet_formats": [(value, label) for value, label in WalletOffer.Format.choices if value in wallet.issuers()],
        "wallet_new_offer": new_offer,
        "wallet_open_offer": open_offer,
        "wallet_events": events[:20],
    }


@login_required
@require_POST
def create_offer(request: HttpRequest, pk: uuid.UUID) -> HttpResponseRedirect:
    credential = get_own_credential(holder=request.user, credential_id=pk)  # another holder's: 404
    try:
        created = wallet.create_offer(credential=credential, holder=request.user, format=request.POST.get("format", ""))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        request.session[_SESSION_KEY.format(credential.pk)] = {
            "id": str(created.offer.pk),
            "link": created.link,
            "tx_code": created.tx_code,
        }
    return HttpResponseRedirect(reverse("credentials:detail", kwargs={"pk": credential.pk}) + "#wallet")


@login_required
@require_POST
def revoke_offer(request: HttpRequest, pk: uuid.UUID, offer_id: uuid.UUID) -> HttpResponseRedirect:
    credential = get_own_credential(holder=request.user, credential_id=pk)
    offer = wallet.offers_of(credential).select_related("credential").filter(pk=offer_id).first()
    if offer is None:
        raise Http404("No such offer.")
    try:
        wallet.revoke_offer(offer=offer, holder=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The wallet offer is revoked: its codes no longer work."))
    return HttpResponseRedirect(reverse("credentials:detail", kwargs={"pk": credential.pk}) + "#wallet")
