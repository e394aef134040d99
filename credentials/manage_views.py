"""Administrators' pages for issued credentials: find one, read its history, suspend, reinstate or revoke it.

Only users with the administrator role get past the login (403 for anybody else). Each form posts to the
credential's page with its ``action``; the view parses it, calls one service of credentials/status.py and
redirects. A service's DomainError is shown above the form that caused it; nothing is changed.
"""

from __future__ import annotations

import contextlib
import functools
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.models import User
from aipia.errors import DomainError

from . import status
from .manage_forms import CredentialSearchForm, ReinstateForm, RevokeForm, SuspendForm
from .models import Credential

PAGE_SIZE = 25
FORMS: dict[str, type[Form]] = {"suspend": SuspendForm, "reinstate": ReinstateForm, "revoke": RevokeForm}


def admin_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log in first; then only administrators get past (403 for anybody else)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request.user, "role", None) != User.Role.ADMIN:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _search(*, query: str, status_filter: str) -> QuerySet[Credential]:
    credentials = Credential.objects.select_related("profile", "holder").order_by("-issued_at", "serial")
    if status_filter:
        credentials = credentials.filter(status=status_filter)
    query = query.strip()
    if query:
        match = Q(holder_name__icontains=query) | Q(serial__icontains=query) | Q(holder__email__icontains=query)
        with contextlib.suppress(ValueError):  # not an id: the other fields are searched
            match |= Q(pk=uuid.UUID(query))
        credentials = credentials.filter(match)
    return credentials


@admin_view
@require_safe
def manage_list(request: HttpRequest) -> HttpResponse:
    form = CredentialSearchForm(request.GET)
    query, status_filter = "", ""
    if form.is_valid():
        query, status_filter = form.cleaned_data["q"], form.cleaned_data["status"]
    page = Paginator(_search(query=query, status_filter=status_filter), PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "credentials/manage_list.html",
        {"form": form, "page": page, "query_string": params.urlencode(), "now": timezone.now()},
    )


@admin_view
@require_http_methods(["GET", "HEAD", "POST"])
def manage_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    credential = get_object_or_404(Credential.objects.select_related("profile", "holder"), pk=pk)
    forms: dict[str, Form] = {name: form_class(auto_id=f"{name}_%s") for name, form_class in FORMS.items()}
    response_status, problem = 200, None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in FORMS:
            messages.error(request, _("Unknown action."))
            return redirect("credentials:manage-detail", pk=credential.pk)
        form = forms[action] = FORMS[action](request.POST, auto_id=f"{action}_%s")
        try:
            if form.is_valid():
                _run(request, action, form, credential)
                return redirect("credentials:manage-detail", pk=credential.pk)
            response_status = 400
        except DomainError as exc:
            response_status, problem = exc.status_code, exc.message
        credential.refresh_from_db()
    context = _detail_context(credential, forms)
    if response_status == 400 and problem is None and context.get(f"{action}_form") is None:
        problem = _("This action is not available for this credential.")  # its form is not even shown
    context["problem"] = problem
    return render(request, "credentials/manage_detail.html", context, status=response_status)


def _run(request: HttpRequest, action: str, form: Form, credential: Credential) -> None:
    """Call the service of ``action`` with the valid ``form``; a refusal raises DomainError."""
    reason = form.cleaned_data["reason"]
    if action == "suspend":
        assert isinstance(form, SuspendForm)
        status.suspend(
            credential=credential,
            actor=request.user,
            category=form.cleaned_data["category"],
            reason=reason,
            until=form.until_moment(),
        )
        messages.success(request, _("The credential is suspended; the holder has been told."))
    elif action == "reinstate":
        status.reinstate(credential=credential, actor=request.user, reason=reason)
        messages.success(request, _("The suspension has ended; the holder has been told."))
    else:
        status.revoke(credential=credential, actor=request.user, category=form.cleaned_data["category"], reason=reason)
        messages.success(request, _("The credential is revoked; the holder has been told."))


def _status_label(value: str) -> str:
    try:
        return str(Credential.Status(value).label)
    except ValueError:
        return value


def _detail_context(credential: Credential, forms: dict[str, Form]) -> dict[str, Any]:
    now = timezone.now()
    can_suspend = credential.status == Credential.Status.ACTIVE and credential.valid_until > now
    can_reinstate = credential.status == Credential.Status.SUSPENDED
    can_revoke = Credential.Status.REVOKED in status.TRANSITIONS[credential.status]
    events = [
        {
            "event": event,
            "from_label": _status_label(event.from_status) if event.from_status else "",
            "to_label": _status_label(event.to_status) if event.to_status else "",
        }
        for event in credential.events.select_related("actor").order_by("-created_at", "-pk")
    ]
    return {
        "credential": credential,
        "expired": credential.valid_until <= now,
        "events": events,
        "suspend_form": forms["suspend"] if can_suspend else None,
        "reinstate_form": forms["reinstate"] if can_reinstate else None,
        "revoke_form": forms["revoke"] if can_revoke else None,
    }
