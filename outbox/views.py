"""The administrators' pages of the outbox: webhook endpoints (add, change, enable or disable, rotate the secret,
send a test event, delete), each endpoint's delivery log with "send again", and the e-mails of unknown fate."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import roles
from aipia.errors import DomainError

from .forms import EndpointForm
from .models import Message, WebhookEndpoint
from .services import (
    create_endpoint,
    delete_endpoint,
    rotate_secret,
    send_again,
    send_test_event,
    update_endpoint,
)


def _require_admin(request: HttpRequest) -> None:
    if not roles.is_admin(request.user):
        raise Http404


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def endpoints(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = create_endpoint(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error("url", exc.message)
        else:
            messages.success(request, _("The endpoint is added. Give its secret to the receiver."))
            return redirect("outbox:endpoint", pk=endpoint.pk)
    unknown = Message.objects.filter(kind=Message.Kind.EMAIL, status=Message.Status.UNKNOWN).count()
    return render(
        request,
        "outbox/endpoints.html",
        {"endpoints": WebhookEndpoint.objects.all(), "form": form, "unknown_emails": unknown},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def endpoint(request: HttpRequest, pk) -> HttpResponse:  # type: ignore[no-untyped-def]
    _require_admin(request)
    row = get_object_or_404(WebhookEndpoint, pk=pk)
    form = EndpointForm(
        request.POST or None, initial={"url": row.url, "description": row.description, "events": row.events}
    )
    if request.method == "POST" and form.is_valid():
        try:
            update_endpoint(endpoint=row, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error("url", exc.message)
        else:
            messages.success(request, _("The endpoint is saved."))
            return redirect("outbox:endpoint", pk=row.pk)
    deliveries = row.messages.prefetch_related("attempt_log").order_by("-id")[:100]
    return render(request, "outbox/endpoint.html", {"endpoint": row, "form": form, "deliveries": deliveries})


@login_required
@require_POST
def endpoint_action(request: HttpRequest, pk, action: str) -> HttpResponse:  # type: ignore[no-untyped-def]
    _require_admin(request)
    row = get_object_or_404(WebhookEndpoint, pk=pk)
    try:
        if action == "enable":
            update_endpoint(endpoint=row, actor=request.user, enabled=True)
            messages.success(request, _("The endpoint is enabled; waiting deliveries are sent."))
        elif action == "disable":
            update_endpoint(endpoint=row, actor=request.user, enabled=False)
            messages.success(request, _("The endpoint is disabled; deliveries wait until it is enabled again."))
        elif action == "rotate":
            rotate_secret(endpoint=row, actor=request.user)
            messages.success(request, _("A new secret is made; the previous one keeps signing for a while."))
        elif action == "test":
            send_test_event(endpoint=row, actor=request.user)
            messages.success(request, _("A test event is on its way."))
        elif action == "delete":
            delete_endpoint(endpoint=row, actor=request.user)
            messages.success(request, _("The endpoint is deleted."))
            return redirect("outbox:endpoints")
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("outbox:endpoint", pk=row.pk)


@login_required
@require_POST
def resend(request: HttpRequest, message_id: int) -> HttpResponse:
    _require_admin(request)
    message = get_object_or_404(Message, pk=message_id)
    try:
        send_again(message=message, actor=request.user)
        messages.success(request, _("The message is sent again."))
    except DomainError as exc:
        messages.error(request, exc.message)
    if message.endpoint_id:
        return redirect("outbox:endpoint", pk=message.endpoint_id)
    return redirect("outbox:emails")


@login_required
def emails(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    rows = Message.objects.filter(
        kind=Message.Kind.EMAIL, status__in=[Message.Status.UNKNOWN, Message.Status.FAILED]
    ).order_by("-id")[:200]
    return render(request, "outbox/emails.html", {"emails": rows})
