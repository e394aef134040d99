"""The interviewer's page of an interview: the questions, and their minutes, answers and scores to record."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import pages, selectors
from ..forms import InterviewRecordForm
from ..models import Assignment, Interview
from ..services import interviews
from .common import committee_view, form_data, run_form


@committee_view
@require_http_methods(["GET", "POST"])
def interview_record(request: HttpRequest, pk: int) -> HttpResponse:
    interview = get_object_or_404(Interview.objects.select_related("dossier__profile", "dossier__owner"), pk=pk)
    assignment = selectors.interviewer_assignment(user=request.user, interview=interview)
    if assignment is None:
        raise Http404("No such interview.")
    record = selectors.interview_record_of(user=request.user, interview=interview)
    open_for_record = (
        record is None
        and assignment.status == Assignment.Status.ACTIVE
        and interview.status == Interview.Status.SCHEDULED
    )
    form = InterviewRecordForm(form_data(request), questions=interview.questions) if open_for_record else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        status = run_form(
            form,
            lambda: interviews.record_interview(
                interview=interview,
                actor=request.user,
                answers=form.answers(),
                minutes=form.cleaned_data["minutes"],
                score=form.cleaned_data["score"],
                recommendation=form.cleaned_data["recommendation"],
            ),
        )
        if status is None:
            messages.success(request, _("Your record of the interview has been submitted."))
            return redirect("committee:interview_record", pk=interview.pk)
    context = pages.interview_record_context(interview=interview, assignment=assignment, record=record)
    return render(request, "committee/interview_record.html", {**context, "form": form}, status=status)
