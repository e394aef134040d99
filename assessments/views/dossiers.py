"""The committee's page of a dossier, for the secretariat, the chair and the decision makers, and the
secretariat's actions on it: questions to the applicant, assessors (once the completeness check is recorded, on
its own page: views/completeness.py), the interview and its rescheduling, the appeal panel."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from dossiers.models import Dossier, DossierStatus

from .. import pages, selectors
from ..forms import (
    AppealPanelForm,
    AssignAssessorsForm,
    InformationRequestForm,
    InterviewForm,
    RescheduleInterviewForm,
)
from ..models import Appeal
from ..services import appeals, assignments, interviews
from .common import committee_view, run_form


def _assign_form(dossier: Dossier, data: QueryDict | None = None) -> AssignAssessorsForm:
    return AssignAssessorsForm(
        data,
        eligible=selectors.eligible_assessors(dossier=dossier),
        suggested=selectors.suggest_assessors(dossier=dossier),
    )


def _interview_form(dossier: Dossier, data: QueryDict | None = None) -> InterviewForm:
    return InterviewForm(data, interviewers=selectors.interviewer_candidates(dossier=dossier))


def _reschedule_form(dossier: Dossier, data: QueryDict | None = None) -> RescheduleInterviewForm:
    interview = selectors.scheduled_interview(dossier=dossier)
    initial = RescheduleInterviewForm.initial_for(interview) if interview else {}
    return RescheduleInterviewForm(data, initial=initial)


def _panel_form(dossier: Dossier, data: QueryDict | None = None) -> AppealPanelForm:
    return AppealPanelForm(data, members=selectors.uninvolved_members(dossier=dossier))


def _secretariat_forms(
    dossier: Dossier,
    appeal: Appeal | None,
    *,
    information_form: InformationRequestForm | None,
    assign_form: AssignAssessorsForm | None,
    interview_form: InterviewForm | None,
    reschedule_form: RescheduleInterviewForm | None,
    panel_form: AppealPanelForm | None,
) -> dict[str, Any]:
    """The forms of the secretariat's next steps on the dossier; a bound one (a POST that failed) is shown again."""
    forms: dict[str, Any] = {}
    if dossier.status in (DossierStatus.SUBMITTED, DossierStatus.UNDER_ASSESSMENT):
        forms["information_form"] = information_form or InformationRequestForm()
        # A submitted version is assessed only once its completeness check is recorded complete.
        if dossier.status == DossierStatus.UNDER_ASSESSMENT or selectors.checked_complete(dossier) or assign_form:
            forms["assign_form"] = assign_form or _assign_form(dossier)
    if dossier.status == DossierStatus.INTERVIEW:
        scheduled = selectors.has_scheduled_interview(dossier=dossier)
        if interview_form or not scheduled:
            forms["interview_form"] = interview_form or _interview_form(dossier)
        elif scheduled and (reschedule_form or not selectors.interview_recorded(dossier=dossier)):
            forms["reschedule_form"] = reschedule_form or _reschedule_form(dossier)
    if dossier.status == DossierStatus.APPEALED and appeal is not None and (panel_form or not appeal.panel.exists()):
        forms["panel_form"] = panel_form or _panel_form(dossier)
    return forms


def _dossier_page(
    request: HttpRequest,
    dossier: Dossier,
    *,
    status: int = 200,
    information_form: InformationRequestForm | None = None,
    assign_form: AssignAssessorsForm | None = None,
    interview_form: InterviewForm | None = None,
    reschedule_form: RescheduleInterviewForm | None = None,
    panel_form: AppealPanelForm | None = None,
) -> HttpResponse:
    """The committee's view of ``dossier``; a POST that failed passes its bound form to show it again."""
    context = pages.dossier_context(dossier=dossier, user=request.user)
    if context["is_secretariat"]:
        context |= _secretariat_forms(
            dossier,
            context["appeal"],
            information_form=information_form,
            assign_form=assign_form,
            interview_form=interview_form,
            reschedule_form=reschedule_form,
            panel_form=panel_form,
        )
    return render(request, "committee/dossier.html", context, status=status)


def _secretariat_dossier(request: HttpRequest, pk: uuid.UUID) -> Dossier:
    dossier = selectors.get_committee_dossier(user=request.user, dossier_id=pk)
    if not selectors.is_secretariat(user=request.user, dossier=dossier):
        raise PermissionDenied
    return dossier


@committee_view
@require_safe
def dossier_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    return _dossier_page(request, selectors.get_committee_dossier(user=request.user, dossier_id=pk))


@committee_view
@require_POST
def request_information(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    dossier = _secretariat_dossier(request, pk)
    form = InformationRequestForm(request.POST)
    status = run_form(
        form,
        lambda: assignments.request_information(
            dossier=dossier, actor=request.user, questions=form.cleaned_data["questions"]
        ),
    )
    if status is not None:
        return _dossier_page(request, dossier, status=status, information_form=form)
    messages.success(request, _("The questions have been sent to the applicant."))
    return redirect("committee:dossier", pk=dossier.pk)


@committee_view
@require_POST
def assign(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    dossier = _secretariat_dossier(request, pk)
    form = _assign_form(dossier, request.POST)
    status = run_form(
        form,
        lambda: assignments.assign_assessors(
            dossier=dossier, actor=request.user, assessors=form.cleaned_data["assessors"]
        ),
    )
    if status is not None:
        return _dossier_page(request, dossier, status=status, assign_form=form)
    messages.success(
        request, _("Assigned: %(names)s.") % {"names": ", ".join(str(u) for u in form.cleaned_data["assessors"])}
    )
    return redirect("committee:dossier", pk=dossier.pk)


@committee_view
@require_POST
def schedule_interview(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    dossier = _secretariat_dossier(request, pk)
    form = _interview_form(dossier, request.POST)
    # The date and time are naive: the service reads them in the chosen time zone.
    status = run_form(
        form, lambda: interviews.schedule_interview(dossier=dossier, actor=request.user, **form.cleaned_data)
    )
    if status is not None:
        return _dossier_page(request, dossier, status=status, interview_form=form)
    messages.success(request, _("The interview has been scheduled; the applicant and the interviewers are invited."))
    return redirect("committee:dossier", pk=dossier.pk)


@committee_view
@require_POST
def reschedule_interview(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    dossier = _secretariat_dossier(request, pk)
    interview = selectors.scheduled_interview(dossier=dossier)
    if interview is None:
        raise Http404("No interview is scheduled.")
    form = _reschedule_form(dossier, request.POST)
    status = run_form(
        form, lambda: interviews.reschedule_interview(interview=interview, actor=request.user, **form.cleaned_data)
    )
    if status is not None:
        return _dossier_page(request, dossier, status=status, reschedule_form=form)
    messages.success(request, _("The interview has been rescheduled; the applicant and the interviewers are told."))
    return redirect("committee:dossier", pk=dossier.pk)


@committee_view
@require_POST
def appeal_panel(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    dossier = _secretariat_dossier(request, pk)
    appeal = get_object_or_404(Appeal, dossier=dossier)
    form = _panel_form(dossier, request.POST)
    status = run_form(
        form,
        lambda: appeals.set_appeal_panel(appeal=appeal, actor=request.user, members=form.cleaned_data["members"]),
    )
    if status is not None:
        return _dossier_page(request, dossier, status=status, panel_form=form)
    messages.success(request, _("The appeal panel has been set."))
    return redirect("committee:dossier", pk=dossier.pk)
