"""The public register page, and the holder's switch to be listed in it or not."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from aipia.errors import DomainError
from aipia.throttling import public_rate_limit

from .register import MIN_QUERY_LENGTH, PAGE_SIZE, register_entry, search_register, set_register_listing
from .selectors import get_own_credential


@require_safe
@public_rate_limit
def register(request: HttpRequest) -> HttpResponse:
    """Search the register; without a query the page only explains what it holds and asks for one."""
    query = request.GET.get("q", "")
    context: dict = {"query": query.strip(), "min_length": MIN_QUERY_LENGTH}
    if query.strip():
        try:
            page = Paginator(search_register(query=query), PAGE_SIZE).get_page(request.GET.get("page"))
        except DomainError as exc:
            context["error"] = exc.message
        else:
            context.update(page=page, entries=[register_entry(credential) for credential in page])
    return render(request, "credentials/register.html", context)


@login_required
@require_POST
def credential_register_listing(request: HttpRequest, pk: uuid.UUID) -> HttpResponseRedirect:
    credential = get_own_credential(holder=request.user, credential_id=pk)  # another holder's: 404
    listed = request.POST.get("listed_in_register") == "on"
    set_register_listing(credential=credential, holder=request.user, listed=listed)
    if listed:
        messages.success(request, _("Your credential is listed in the public register."))
    else:
        messages.success(request, _("Your credential is no longer listed in the public register."))
    return redirect("credentials:detail", pk=credential.pk)
