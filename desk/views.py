"""The desk's pages: the public desk and a sender's private case page; the professional's answer page; the staff's
case list and case page. Each view checks who may see the case, calls one service, renders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.models import User
from aipia.downloads import private_file_response
from aipia.errors import DomainError, NotFound
from aipia.throttling import DeskSubmissionThrottle

from . import selectors, services
from .forms import (
    AssignForm,
    ConclusionForm,
    ConflictForm,
    CredentialActionForm,
    DecisionForm,
    NoteForm,
    ReplyForm,
    RequestForm,
    WriteForm,
)
from .models import About, Case, Kind, Status

# --- the public desk -----------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def desk(request: HttpRequest) -> HttpResponse:
    """The consumer desk: what it is for, and the form for a question or a complaint. The register's and the public
    credential page's links fill in the professional (``?credential=<id>``)."""
    credential = selectors.credential_for_link(request.GET.get("credential", ""))
    initial: dict[str, Any] = {"kind": request.GET.get("kind") or Kind.QUESTION, "about": About.ASSOCIATION}
    if credential is not None:
        initial.update(kind=Kind.COMPLAINT, about=About.PROFESSIONAL, professional_name=credential.holder_name)
    elif request.GET.get("serial"):  # the register's link: the serial and name it shows
        initial.update(
            kind=Kind.COMPLAINT,
            about=About.PROFESSIONAL,
            professional_name=request.GET.get("name", "")[:200],
            credential_reference=request.GET.get("serial", "")[:100],
        )
    form = RequestForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        throttle = DeskSubmissionThrottle()
        if not throttle.allow_request(request, None):
            form.add_error(None, _("Too many requests from your address. Please try again in an hour."))
        else:
            data = form.cleaned_data
            try:
                services.submit_request(
                    kind=data["kind"],
                    about=data["about"],
                    sender_name=data["sender_name"],
                    sender_email=data["sender_email"],
                    subject=data["subject"],
                    message=data["message"],
                    language=get_language() or "",
                    professional_name=data["professional_name"],
                    credential_reference=(str(credential.pk) if credential else data["credential_reference"]),
                    uploads=[services.Upload(file=f, name=f.name) for f in data["attachments"]],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                request.session["desk_sent_to"] = data["sender_email"]
                return redirect("desk:sent")
    context = {
        "form": form,
        "credential": credential,
        "credential_profile": credential.profile.tr("title") if credential else "",
        "desk_acknowledge_days": settings.DESK_ACKNOWLEDGE_DAYS,
    }
    return render(request, "desk/desk.html", context)


def sent(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/sent.html", {"email": request.session.get("desk_sent_to", "")})


@require_http_methods(["GET", "HEAD", "POST"])
def case(request: HttpRequest, case_id: str, token: str) -> HttpResponse:
    """The sender's private page of their case. Before the e-mail address is confirmed it asks for the confirmation
    (a button: mail scanners that open links confirm nothing); afterwards it shows the case and takes messages."""
    case = _case_for_link(case_id, token)
    form = ReplyForm(request.POST or None) if case.status != Status.UNCONFIRMED else None
    if request.method == "POST":
        if case.status == Status.UNCONFIRMED:
            case = services.confirm_request(case=case)
            messages.success(request, _("Thank you: your request has been received."))
            return redirect(request.path)
        if form is not None and form.is_valid():
            try:
                services.reply_as_sender(case=case, body=form.cleaned_data["body"])
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Your message has been sent to the association."))
                return redirect(request.path)
    context = {"case": case, "form": form, **selectors.sender_view(case)}
    response = render(request, "desk/case.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


# --- the professional ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def professional_case(request: HttpRequest, case_id: str) -> HttpResponse:
    case = get_object_or_404(Case.objects.select_related("credential"), pk=case_id, erased_at__isnull=True)
    if not services.is_professional_of(user=request.user, case=case) or case.professional_notified_at is None:
        raise Http404
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reply_as_professional(case=case, actor=request.user, body=form.cleaned_data["body"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your answer has been sent to the association."))
            return redirect(request.path)
    return render(
        request, "desk/professional_case.html", {"case": case, "form": form, **selectors.professional_view(case)}
    )


# --- the staff -----------------------------------------------------------------------------------------------


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    if not (roles.is_association_staff(request.user) or services.can_handle(request.user)):
        raise Http404
    status = request.GET.get("status", "open")
    cases = selectors.cases_for(user=request.user, status=status)
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "desk/staff_list.html",
        {"page": page, "status": status, "statuses": selectors.STATUS_FILTERS, "now": timezone.now()},
    )


ACTIONS: dict[str, tuple[type, Callable[..., Any]]] = {}


def _action(name: str, form_class: type):  # type: ignore[no-untyped-def]
    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        ACTIONS[name] = (form_class, function)
        return function

    return register


@_action("assign", AssignForm)
def _assign(case: Case, user: User, data: dict) -> None:
    handler = get_object_or_404(User, pk=data["handler"])
    services.assign_handler(case=case, actor=user, handler=handler)


@_action("declare", ConflictForm)
def _declare(case: Case, user: User, data: dict) -> None:
    services.declare_conflict(case=case, actor=user, has_conflict=data["has_conflict"], reason=data["reason"])


@_action("acknowledge", NoteForm)
def _acknowledge(case: Case, user: User, data: dict) -> None:
    services.acknowledge(case=case, actor=user, message=data["note"])


@_action("review", NoteForm)
def _review(case: Case, user: User, data: dict) -> None:
    services.start_review(case=case, actor=user)


@_action("mediation", NoteForm)
def _mediation(case: Case, user: User, data: dict) -> None:
    services.start_mediation(case=case, actor=user, note=data["note"])


@_action("end_mediation", NoteForm)
def _end_mediation(case: Case, user: User, data: dict) -> None:
    services.end_mediation(case=case, actor=user, note=data["note"])


@_action("decide", DecisionForm)
def _decide(case: Case, user: User, data: dict) -> None:
    services.decide(case=case, actor=user, outcome=data["outcome"], conclusion=data["conclusion"])


@_action("refer", ConclusionForm)
def _refer(case: Case, user: User, data: dict) -> None:
    services.refer(case=case, actor=user, conclusion=data["conclusion"])


@_action("answer", ConclusionForm)
def _answer(case: Case, user: User, data: dict) -> None:
    services.answer(case=case, actor=user, conclusion=data["conclusion"])


@_action("write", WriteForm)
def _write(case: Case, user: User, data: dict) -> None:
    services.write(case=case, actor=user, audience=data["audience"], body=data["body"])


@_action("credential", CredentialActionForm)
def _credential(case: Case, user: User, data: dict) -> None:
    services.act_on_credential(
        case=case, actor=user, action=data["credential_action"], category=data["category"], reason=data["reason"]
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def staff_case(request: HttpRequest, case_id: str) -> HttpResponse:
    case = selectors.case_for_staff(user=request.user, case_id=case_id)
    forms: dict[str, Any] = {}
    if request.method == "POST":
        name = request.POST.get("action", "")
        if name not in ACTIONS:
            raise Http404
        form_class, function = ACTIONS[name]
        kwargs = {"handlers": services.handlers()} if form_class is AssignForm else {}
        form = form_class(request.POST, **kwargs)
        if form.is_valid():
            try:
                function(case, request.user, form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Done."))
                return redirect("desk:staff-case", case_id=case.pk)
        forms[name] = form
    context = selectors.staff_view(case=case, user=request.user)
    for name, (form_class, _function) in ACTIONS.items():
        if name in context["allowed"] and name not in forms:
            kwargs = {"handlers": services.handlers()} if form_class is AssignForm else {}
            forms[name] = form_class(prefix=None, **kwargs)
    return render(request, "desk/staff_case.html", {"case": case, "forms": forms, **context})


@login_required
def staff_attachment(request: HttpRequest, case_id: str, attachment_id: int) -> HttpResponse:
    case = selectors.case_for_staff(user=request.user, case_id=case_id)
    if not selectors.staff_view(case=case, user=request.user)["can_read"]:
        raise Http404
    attachment = get_object_or_404(case.attachments, pk=attachment_id)
    return private_file_response(
        attachment.file, name=f"{case.reference or 'case'}-{attachment.pk}", content_type=attachment.content_type
    )


def _case_for_link(case_id: str, token: str) -> Case:
    try:
        return services.case_for_link(case_id=case_id, token=token)
    except NotFound as exc:
        raise Http404(exc.message) from exc
