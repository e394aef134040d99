"""Administrators' pages for work on many credentials: those expiring in a period (bulk renew, suspend,
remind, CSV export) and the progress of a bulk job.

Administrators only (403 for anybody else), as the other management pages. The list posts the filter it
shows back with the action, so "every credential matching the filter" means what the administrator saw;
ticked credentials outside the filter are ignored. The job page renders the progress once and a small
script (``static/js/bulk-job.js``) refreshes it from ``GET /api/v1/bulk-jobs/<uuid>``.
"""

from __future__ import annotations

import datetime
import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from aipia.errors import DomainError

from . import bulk
from .bulk_forms import DEFAULT_PERIOD_DAYS, BulkActionForm, ExpiringFilterForm
from .manage_views import admin_view
from .models import BulkJob, Credential

PAGE_SIZE = 100
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
        if action_form.is_valid() and filter_form.is_valid():
            scope = credentials
            if action_form.cleaned_data["scope"] == "selected":
                scope = credentials.filter(pk__in=action_form.cleaned_data["credential_ids"])
            action = action_form.cleaned_data["action"]
            if action == "export":
                return _csv_response(scope)
            params = {
                "category": action_form.cleaned_data["category"],
                "reason": action_form.cleaned_data["reason"],
                "note": action_form.cleaned_data["note"],
            }
            if action == "renew":
                confirmation = _confirm_renewal(request, scope, params)
                if confirmation is not None:
                    return confirmation
            try:
                job = bulk.start_bulk_job(
                    action=action,
                    credential_ids=scope.values_list("pk", flat=True),
                    actor=request.user,
                    params=params,
                )
            except DomainError as exc:
                messages.error(request, exc.message)
                status_code = exc.status_code
            else:
                messages.success(request, _("The bulk action has started."))
                return redirect("credentials:manage-job", pk=job.pk)
        else:
            status_code = 400
    page = Paginator(credentials, PAGE_SIZE).get_page(request.GET.get("page"))
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
