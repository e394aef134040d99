"""The secretariat's completeness check of a submitted version: its checklist, each item confirmed or marked
missing, recorded by ``services.completeness``; once recorded, the page shows the check as it was made."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import pages, selectors
from ..forms import CompletenessCheckForm
from ..models import CompletenessCheck
from ..services import completeness
from .common import committee_view, form_data, run_form


@committee_view
@require_http_methods(["GET", "POST"])
def completeness_check(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    dossier = selectors.get_committee_dossier(user=request.user, dossier_id=pk)
    if not selectors.is_secretariat(user=request.user, dossier=dossier):
        raise PermissionDenied
    context = pages.completeness_context(dossier=dossier, user=request.user)
    form = CompletenessCheckForm(form_data(request), items=context["items"]) if context["can_check"] else None
    status = 200
    if request.method == "POST":
        if form is None:
            messages.error(request, _("There is no completeness check to record on this dossier now."))
            return redirect("committee:completeness", pk=dossier.pk)
        recorded: list[CompletenessCheck] = []
        status = run_form(
            form,
            lambda: recorded.append(
                completeness.record_completeness_check(dossier=dossier, actor=request.user, verdicts=form.verdicts())
            ),
        )
        if status is None:
            if recorded[0].outcome == CompletenessCheck.Outcome.COMPLETE:
                messages.success(request, _("The dossier is complete: the assessment can start."))
            else:
                messages.success(
                    request, _("The dossier has been sent back to the applicant with the missing items as questions.")
                )
            return redirect("committee:dossier", pk=dossier.pk)
    return render(request, "committee/completeness.html", {**context, "form": form}, status=status)
