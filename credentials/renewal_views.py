"""Pages of the CPD log and of renewal: the holder's (``/credentials/<uuid>/cpd/``, ``…/renewal/``) and the
reviewers' (``/credentials/renewals/``, ``/credentials/renewals/<uuid>/``).

Thin: parse the form, check who may see the object (another holder's credential or activity is a 404; the
review pages are for reviewers only, 403), call one service of credentials/cpd.py or renewal.py, redirect. A
service's DomainError is shown above the form that caused it, and nothing is changed.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from aipia.downloads import private_file_response
from aipia.errors import DomainError

from . import cpd, renewal
from .models import CPDActivity, Credential, RenewalApplication
from .renewal_forms import CpdActivityForm, DecisionForm, DeclarationForm
from .selectors import get_own_credential


def reviewer_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log in first; then only reviewers (administrators, staff) get past (403 for anybody else)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not renewal.is_reviewer(request.user):  # type: ignore[arg-type]
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _label(title: dict) -> str:
    """A category's title in the active language (English when it has none)."""
    language = (get_language() or "en")[:2]
    return str(title.get(language) or title.get("en") or "")


def progress_context(progress: dict[str, Any]) -> dict[str, Any]:
    """``CpdProgress.as_dict()`` with the category titles in the active language, for the progress partial."""
    return {
        **progress,
        "categories": [{**c, "label": _label(c.get("title") or {})} for c in progress.get("categories", [])],
    }


def detail_context(credential: Credential) -> dict[str, Any]:
    """What the holder's credential page shows of renewal: the chain, and the renewal section in the window."""
    successor = Credential.objects.filter(predecessor=credential).first()
    application = renewal.latest_application(credential)
    return {
        "predecessor": credential.predecessor,
        "successor": successor,
        "renewal_application": application,
        "renewal_open": successor is None and renewal.in_window(credential),
    }


# --- the holder's CPD log --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def cpd_log(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    credential = get_own_credential(holder=request.user, credential_id=pk)
    categories = cpd.categories_of(credential)
    form = CpdActivityForm(categories=categories)
    problem, status = None, 200
    if request.method == "POST":
        form = CpdActivityForm(request.POST, request.FILES, categories=categories)
        if form.is_valid():
            data = form.cleaned_data
            upload = data.get("evidence")
            try:
                cpd.log_activity(
                    holder=request.user,
                    credential=credential,
                    date=data["date"],
                    category=data["category"],
                    hours=data["hours"],
                    description=data["description"],
                    evidence=upload.file if upload else None,
                    evidence_name=upload.name if upload else "",
                )
            except DomainError as exc:
                problem, status = exc.message, exc.status_code
            else:
                messages.success(request, _("The activity is logged."))
                return redirect("credentials:cpd", pk=credential.pk)
        else:
            status = 400
    return render(request, "credentials/cpd.html", _cpd_context(credential, form, problem), status=status)


def _cpd_context(credential: Credential, form: CpdActivityForm, problem: str | None) -> dict[str, Any]:
    titles = {c["code"]: c.get("title") or {} for c in cpd.categories_of(credential)}
    start, end = cpd.cycle_of(credential)
    return {
        "credential": credential,
        "form": form,
        "problem": problem,
        "progress": progress_context(cpd.progress_for(credential).as_dict()),
        "activities": [(a, _label(titles.get(a.category, {})) or a.category) for a in credential.cpd_activities.all()],
        "cycle_start": start,
        "cycle_end": end,
        "renewed": Credential.objects.filter(predecessor=credential).exists(),
    }


@login_required
@require_POST
def cpd_delete(request: HttpRequest, pk: uuid.UUID, activity_id: int) -> HttpResponse:
    credential = get_own_credential(holder=request.user, credential_id=pk)
    activity = get_object_or_404(CPDActivity, pk=activity_id, credential=credential, holder=request.user)
    try:
        cpd.delete_activity(holder=request.user, activity=activity)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The activity is deleted."))
    return redirect("credentials:cpd", pk=credential.pk)


@login_required
@require_safe
def cpd_evidence(request: HttpRequest, pk: uuid.UUID, activity_id: int) -> FileResponse:
    """An activity's evidence file, for its holder and for reviewers; 404 for anybody else."""
    activity = CPDActivity.objects.filter(pk=activity_id, credential_id=pk).first()
    if activity is None or not activity.evidence:
        raise Http404("No such evidence.")
    if activity.holder_id != request.user.pk and not renewal.is_reviewer(request.user):  # type: ignore[arg-type]
        raise Http404("No such evidence.")
    return private_file_response(activity.evidence, name=f"cpd-evidence-{activity.pk}")


# --- the holder's renewal page ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def renewal_page(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The CPD summary, the application's status and messages, and the declaration form when one is due."""
    credential = get_own_credential(holder=request.user, credential_id=pk)
    application = renewal.latest_application(credential)
    form = DeclarationForm(initial={"declaration": application.declaration} if application else None)
    problem, status = None, 200
    if request.method == "POST":
        form = DeclarationForm(request.POST)
        if form.is_valid():
            declaration = form.cleaned_data["declaration"]
            try:
                if application is not None and application.status == RenewalApplication.Status.MORE_INFO:
                    renewal.resubmit(application=application, holder=request.user, declaration=declaration)
                else:
                    renewal.apply_for_renewal(credential=credential, holder=request.user, declaration=declaration)
            except DomainError as exc:
                problem, status = exc.message, exc.status_code
            else:
                messages.success(request, _("Your application is submitted; you will hear from us by e-mail."))
                return redirect("credentials:renewal", pk=credential.pk)
        else:
            status = 400
    refusal = renewal.renewal_refusal(credential)
    open_application = application if application and application.status in renewal.OPEN_STATUSES else None
    can_apply = refusal is None and open_application is None and not _reassessment(application)
    can_resubmit = application is not None and application.status == RenewalApplication.Status.MORE_INFO
    return render(
        request,
        "credentials/renewal.html",
        {
            "credential": credential,
            "application": application,
            "progress": progress_context(cpd.progress_for(credential).as_dict()),
            "activity_count": credential.cpd_activities.count(),
            "refusal": refusal,
            "form": form if (can_apply or can_resubmit) else None,
            "resubmit": can_resubmit,
            "problem": problem,
            "successor": Credential.objects.filter(predecessor=credential).first(),
            "window": renewal.window(credential),
        },
        status=status,
    )


def _reassessment(application: RenewalApplication | None) -> bool:
    return application is not None and application.status == RenewalApplication.Status.REASSESSMENT


# --- the reviewers' pages --------------------------------------------------------------------------------------


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
