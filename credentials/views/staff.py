"""The association's staff pages: managing credentials (suspend, reinstate, revoke), expiring credentials and
bulk jobs, renewal applications and external certifications to review. Thin: the services decide."""

from __future__ import annotations

import contextlib
import datetime
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
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts import roles
from accounts.models import Membership
from aipia.errors import DomainError
from credentials.forms import (
    DEFAULT_PERIOD_DAYS,
    BulkActionForm,
    CheckForm,
    CredentialSearchForm,
    DecisionForm,
    ExpiringFilterForm,
    IssueAttestationForm,
    ReinstateForm,
    RevokeForm,
    SuspendForm,
)
from credentials.models import BulkJob, CPDActivity, Credential, ExternalCertification, RenewalApplication
from credentials.services import attestation, bulk, external, renewal, status
from credentials.views.holder import _label, progress_context


def reviewer_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log in first; then only reviewers (administrators, staff) get past (403 for anybody else)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not roles.is_association_staff(request.user):  # type: ignore[arg-type]
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper)


@reviewer_view
@require_safe
def renewal_queue(request: HttpRequest) -> HttpResponse:
    decided = RenewalApplication.objects.exclude(status__in=renewal.OPEN_STATUSES).select_related(
        "credential__profile", "reviewed_by"
    )
    return render(
        request,
        "credentials/renewal_queue.html",
        {"applications": list(renewal.review_queue()), "decided": list(decided.order_by("-reviewed_at")[:20])},
    )


@reviewer_view
@require_http_methods(["GET", "HEAD", "POST"])
def renewal_review(request: HttpRequest, application_id: uuid.UUID) -> HttpResponse:
    application = get_object_or_404(
        RenewalApplication.objects.select_related("credential__profile", "credential__holder", "reviewed_by"),
        pk=application_id,
    )
    form = DecisionForm()
    problem, status = None, 200
    if request.method == "POST":
        form = DecisionForm(request.POST)
        if form.is_valid():
            try:
                _decide(request, application, form.cleaned_data["action"], form.cleaned_data["note"])
            except DomainError as exc:
                problem, status = exc.message, exc.status_code
            else:
                return redirect("credentials:renewal-review", application_id=application.pk)
        else:
            status = 400
        application.refresh_from_db()
    snapshot = application.cpd_snapshot or {}
    titles = {c.get("code"): c.get("title") or {} for c in (snapshot.get("rules") or {}).get("categories") or []}
    evidence = {a.pk: a for a in CPDActivity.objects.filter(credential=application.credential).exclude(evidence="")}
    return render(
        request,
        "credentials/renewal_review.html",
        {
            "application": application,
            "credential": application.credential,
            "snapshot": snapshot,
            "progress": progress_context(snapshot.get("progress") or {}),
            "activities": [
                {
                    **a,
                    "label": _label(titles.get(a.get("category"), {})) or a.get("category"),
                    "has_evidence": a.get("id") in evidence,
                }
                for a in snapshot.get("activities") or []
            ],
            "form": form if application.status in renewal.OPEN_STATUSES else None,
            "problem": problem,
            "events": application.credential.events.filter(data__application=str(application.pk)).select_related(
                "actor"
            ),
            "now": timezone.now(),
        },
        status=status,
    )


def _decide(request: HttpRequest, application: RenewalApplication, action: str, note: str) -> None:
    reviewer = request.user
    if action == "approve":
        new = renewal.approve_renewal(application=application, reviewer=reviewer, note=note)  # type: ignore[arg-type]
        messages.success(
            request, _("Approved: the renewed credential %(serial)s is being issued.") % {"serial": new.serial}
        )
    elif action == "more_info":
        renewal.request_more_information(application=application, reviewer=reviewer, note=note)  # type: ignore[arg-type]
        messages.success(request, _("The holder has been asked for more information."))
    elif action == "reject":
        renewal.reject_renewal(application=application, reviewer=reviewer, note=note)  # type: ignore[arg-type]
        messages.success(request, _("The application is rejected; the holder has been told."))
    else:
        renewal.send_to_reassessment(application=application, reviewer=reviewer, note=note)  # type: ignore[arg-type]
        messages.success(request, _("The holder has been told to submit a new dossier for a full re-assessment."))


@login_required
@require_http_methods(["GET", "POST"])
def external_review(request: HttpRequest) -> HttpResponse:
    """Staff: the certifications waiting to be checked, verify or reject each; issue an attestation."""
    if not roles.is_association_staff(request.user):
        raise Http404("Not found.")
    attestation_form = IssueAttestationForm(prefix="attestation")
    if request.method == "POST":
        if "attestation-member_number" in request.POST:
            attestation_form = IssueAttestationForm(request.POST, prefix="attestation")
            if attestation_form.is_valid():
                membership = Membership.objects.filter(
                    member_number=attestation_form.cleaned_data["member_number"].strip()
                ).first()
                if membership is None:
                    attestation_form.add_error("member_number", _("No member has this number."))
                else:
                    try:
                        credential = attestation.issue_attestation(member=membership.user, actor=request.user)
                    except DomainError as error:
                        attestation_form.add_error(None, error.message)
                    else:
                        messages.success(
                            request, _("Attestation %(serial)s is being issued.") % {"serial": credential.serial}
                        )
                        return redirect("credentials:external-review")
        else:
            certification = get_object_or_404(ExternalCertification, pk=request.POST.get("certification"))
            form = CheckForm(request.POST)
            if form.is_valid():
                try:
                    if request.POST.get("action") == "verify":
                        external.verify_external_certification(
                            certification=certification, actor=request.user, note=form.cleaned_data["note"]
                        )
                        messages.success(request, _("Verified: the association's credential is being issued."))
                    else:
                        external.reject_external_certification(
                            certification=certification, actor=request.user, note=form.cleaned_data["note"]
                        )
                        messages.success(request, _("Rejected; the member has been told why."))
                except DomainError as error:
                    messages.error(request, error.message)
                return redirect("credentials:external-review")
    pending = ExternalCertification.objects.filter(status=ExternalCertification.Status.SUBMITTED).select_related(
        "holder", "profile"
    )
    checked = (
        ExternalCertification.objects.exclude(status=ExternalCertification.Status.SUBMITTED)
        .select_related("holder", "profile", "checked_by")
        .order_by("-checked_at")[:50]
    )
    return render(
        request,
        "credentials/external_review.html",
        {"pending": pending, "checked": checked, "form": CheckForm(), "attestation_form": attestation_form},
    )


PAGE_SIZE = 25


FORMS: dict[str, type[Form]] = {"suspend": SuspendForm, "reinstate": ReinstateForm, "revoke": RevokeForm}


def admin_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log in first; then only administrators get past (403 for anybody else)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not roles.is_admin(request.user):
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


EXPIRING_PAGE_SIZE = 100


JOB_ITEMS_PAGE_SIZE = 200


@admin_view
@require_http_methods(["GET", "HEAD", "POST"])
def manage_expiring(request: HttpRequest) -> HttpResponse:
    data = (request.POST if request.method == "POST" else request.GET).copy()
    # An empty value means the default period, which the fields then show.
    today = timezone.localdate()
    if not data.get("expires_from"):
        data["expires_from"] = today.isoformat()
    if not data.get("expires_to"):
        data["expires_to"] = (today + datetime.timedelta(days=DEFAULT_PERIOD_DAYS)).isoformat()
    filter_form = ExpiringFilterForm(data)
    credentials = (
        bulk.expiring_credentials(**filter_form.period()) if filter_form.is_valid() else Credential.objects.none()
    )
    action_form = BulkActionForm(
        request.POST if request.method == "POST" else None, selected=request.POST.getlist("credential")
    )
    status_code = 200
    if request.method == "POST":
        if not (action_form.is_valid() and filter_form.is_valid()):
            status_code = 400
        else:
            outcome = _act_on_expiring(request, action_form.cleaned_data, credentials)
            if not isinstance(outcome, int):
                return outcome
            status_code = outcome
    page = Paginator(credentials, EXPIRING_PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "credentials/manage_expiring.html",
        {
            "filter_form": filter_form,
            "action_form": action_form,
            "page": page,
            "query_string": params.urlencode(),
            "selected": set(request.POST.getlist("credential")),
        },
        status=status_code,
    )


def _act_on_expiring(
    request: HttpRequest, cleaned: dict, credentials: QuerySet[Credential]
) -> HttpResponse | StreamingHttpResponse | int:
    """Export, or start the bulk job (a renewal after its confirmation): the response, or the status code of the
    page to show again with the refusal."""
    scope = credentials
    if cleaned["scope"] == "selected":
        scope = credentials.filter(pk__in=cleaned["credential_ids"])
    action = cleaned["action"]
    if action == "export":
        return _csv_response(scope)
    params = {"category": cleaned["category"], "reason": cleaned["reason"], "note": cleaned["note"]}
    if action == "renew":
        confirmation = _confirm_renewal(request, scope, params)
        if confirmation is not None:
            return confirmation
    try:
        job = bulk.start_bulk_job(
            action=action, credential_ids=scope.values_list("pk", flat=True), actor=request.user, params=params
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return exc.status_code
    messages.success(request, _("The bulk action has started."))
    return redirect("credentials:manage-job", pk=job.pk)


def _confirm_renewal(request: HttpRequest, scope, params: dict) -> HttpResponse | None:
    """Before a bulk renewal starts, the administrator sees how many credentials the renewal rules let through and
    why the others do not; those outside the rules are renewed only when the administrator ticks the override and
    gives a reason (added to ``params``). None once confirmed: the job may start."""
    override = request.POST.get("override") == "on"
    reason = request.POST.get("override_reason", "").strip()
    problem = None
    if request.POST.get("confirmed") == "1":
        if not override:
            return None
        if reason:
            params["override_reason"] = reason
            return None
        problem = _("Give the reason for renewing outside the rules: it is recorded on each credential.")
    preview = bulk.preview_renewal(credential_ids=scope.values_list("pk", flat=True), actor=request.user)
    carried = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", "confirmed", "override", "override_reason", "action")
        for value in values
    ]
    return render(
        request,
        "credentials/manage_renew_confirm.html",
        {"preview": preview, "carried": carried, "override": override, "override_reason": reason, "problem": problem},
        status=400 if problem else 200,
    )


def _csv_response(credentials) -> StreamingHttpResponse:
    response = StreamingHttpResponse(bulk.export_csv(credentials), content_type="text/csv; charset=utf-8")
    name = f"credentials-expiring-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@admin_view
@require_safe
def manage_job(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    job = get_object_or_404(BulkJob.objects.select_related("created_by"), pk=pk)
    return render(
        request,
        "credentials/manage_job.html",
        {
            "job": job,
            "progress": bulk.bulk_job_progress(job=job),
            "progress_url": reverse("api-bulk-job", kwargs={"pk": job.pk}),
            "items": Paginator(bulk.bulk_job_items(job=job), JOB_ITEMS_PAGE_SIZE).get_page(request.GET.get("page")),
        },
    )
