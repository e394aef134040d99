"""The decision maker's page, and the appeal panel's."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dossiers.models import DossierStatus

from .. import pages, selectors
from ..forms import AppealDecisionForm, DecisionForm
from ..models import Appeal
from ..services import appeals, decisions
from .common import committee_view, form_data, run_form


@committee_view
@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The decision maker reads the whole record and approves or rejects, with a rationale."""
    dossier = selectors.get_committee_dossier(user=request.user, dossier_id=pk)
    if not selectors.is_decision_maker(user=request.user, dossier=dossier):
        raise PermissionDenied
    open_for_decision = dossier.status == DossierStatus.AWAITING_DECISION
    form = DecisionForm(form_data(request)) if open_for_decision or request.method == "POST" else None
    status = 200
    if form is not None and request.method == "POST":
        status = run_form(
            form,
            lambda: decisions.decide(
                dossier=dossier,
                actor=request.user,
                outcome=form.cleaned_data["outcome"],
                rationale=form.cleaned_data["rationale"],
            ),
        )
        if status is None:
            messages.success(request, _("The decision has been recorded and the applicant informed."))
            return redirect("committee:dossier", pk=dossier.pk)
    context = pages.decision_context(dossier=dossier, user=request.user)
    return render(request, "committee/decide.html", {**context, "form": form}, status=status)


@committee_view
@require_http_methods(["GET", "POST"])
def appeal_decide(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The appeal panel reads the statement, the decision appealed and its record, and rules."""
    dossier = selectors.get_committee_dossier(user=request.user, dossier_id=pk)
    appeal = get_object_or_404(Appeal.objects.select_related("decision__decided_by"), dossier=dossier)
    if not appeal.panel.filter(pk=request.user.pk).exists():
        raise PermissionDenied
    open_for_decision = appeal.status == Appeal.Status.LODGED and dossier.status == DossierStatus.APPEALED
    form = AppealDecisionForm(form_data(request)) if open_for_decision or request.method == "POST" else None
    status = 200
    if form is not None and request.method == "POST":
        status = run_form(
            form,
            lambda: appeals.decide_appeal(
                appeal=appeal,
                actor=request.user,
                overturn=form.cleaned_data["overturn"],
                rationale=form.cleaned_data["rationale"],
            ),
        )
        if status is None:
            messages.success(request, _("The decision on the appeal has been recorded and the applicant informed."))
            return redirect("committee:dossier", pk=dossier.pk)
    context = pages.appeal_decision_context(dossier=dossier, appeal=appeal)
    return render(request, "committee/appeal_decide.html", {**context, "form": form}, status=status)
