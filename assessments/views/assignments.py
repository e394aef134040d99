"""An assigned member's pages: the conflict-of-interest declaration first, then the work (an assessor's
scoresheet beside the frozen dossier, amendments), and the files of the submitted version."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dossiers.downloads import evidence_file_response
from dossiers.models import EvidenceFile

from .. import pages, selectors
from ..forms import AmendForm, ConflictForm, ScoreSheetForm
from ..models import Assignment
from ..services import declarations, scoresheets
from .common import committee_view, form_data, run_form

# The amendment form shares its field names with the scoresheet; a prefix keeps the two apart on one page.
AMEND_PREFIX = "amend"


@committee_view
@require_http_methods(["GET", "POST"])
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Before anything else, the conflict-of-interest declaration; then the way to the work."""
    assignment = selectors.get_my_assignment(user=request.user, assignment_id=pk)
    awaiting = assignment.status == Assignment.Status.AWAITING_DECLARATION
    if (
        not awaiting
        and assignment.role == Assignment.Role.ASSESSOR
        and selectors.can_see_dossier_content(assignment=assignment)
    ):
        return redirect("committee:score", pk=assignment.pk)
    if request.method == "POST" and not awaiting:
        raise PermissionDenied
    form = ConflictForm(form_data(request)) if awaiting else None
    status = 200
    if form is not None and request.method == "POST":
        status = run_form(
            form,
            lambda: declarations.declare_conflict_of_interest(
                assignment=assignment,
                actor=request.user,
                has_conflict=form.cleaned_data["has_conflict"],
                reason=form.cleaned_data["reason"],
            ),
        )
        if status is None:
            if form.cleaned_data["has_conflict"]:
                messages.success(request, _("Your declaration of a conflict of interest has been recorded."))
            else:
                messages.success(request, _("Thank you: you declared no conflict of interest."))
            return redirect("committee:assignment", pk=assignment.pk)
    context = pages.assignment_context(assignment=assignment, user=request.user)
    return render(request, "committee/assignment.html", {**context, "form": form}, status=status)


def _ensure_can_open_sheet(assignment: Assignment) -> None:
    if assignment.role != Assignment.Role.ASSESSOR:
        raise Http404("No such scoresheet.")
    if not selectors.can_see_dossier_content(assignment=assignment):
        raise PermissionDenied


def _score_page(
    request: HttpRequest,
    assignment: Assignment,
    *,
    status: int = 200,
    score_form: ScoreSheetForm | None = None,
    amend_form: AmendForm | None = None,
) -> HttpResponse:
    context = pages.score_context(assignment=assignment)
    criteria, sheet = context["criteria"], context["sheet"]
    if context["can_score"] or score_form is not None:
        context["score_form"] = score_form or ScoreSheetForm(
            initial=ScoreSheetForm.initial_for(sheet), criteria=criteria
        )
    if context["can_amend"]:
        context["amend_form"] = amend_form or AmendForm(
            initial=AmendForm.initial_for(sheet), criteria=criteria, prefix=AMEND_PREFIX
        )
    return render(request, "committee/score.html", context, status=status)


@committee_view
@require_http_methods(["GET", "POST"])
def score(request: HttpRequest, pk: int) -> HttpResponse:
    """The assessor's scoresheet beside the frozen dossier. "Save draft" keeps it; "Submit" makes it final."""
    assignment = selectors.get_my_assignment(user=request.user, assignment_id=pk)
    if assignment.status == Assignment.Status.AWAITING_DECLARATION:
        # The conflict-of-interest declaration comes before anything of the dossier.
        return redirect("committee:assignment", pk=assignment.pk)
    _ensure_can_open_sheet(assignment)
    if request.method == "GET":
        return _score_page(request, assignment)
    criteria = list(assignment.dossier.profile.criteria.all())
    form = ScoreSheetForm(request.POST, criteria=criteria)
    submit = request.POST.get("action") == "submit"

    @transaction.atomic
    def save() -> None:
        # Submitting saves the sheet first; if the submission is refused, the save is undone too.
        scoresheets.save_scores(
            assignment=assignment,
            actor=request.user,
            scores=form.scores(),
            recommendation=form.cleaned_data["recommendation"],
            comment=form.cleaned_data["comment"],
        )
        if submit:
            scoresheets.submit_assessment(assignment=assignment, actor=request.user)

    status = run_form(form, save)
    if status is not None:
        return _score_page(request, assignment, status=status, score_form=form)
    if submit:
        messages.success(request, _("Your scores have been submitted."))
    else:
        messages.success(request, _("Your draft has been saved. Nobody else sees it until you submit."))
    return redirect("committee:score", pk=assignment.pk)


@committee_view
@require_POST
def amend(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.get_my_assignment(user=request.user, assignment_id=pk)
    _ensure_can_open_sheet(assignment)
    sheet = selectors.current_sheet(assignment=assignment)
    if sheet is None:
        raise Http404("No scoresheet to amend.")
    form = AmendForm(request.POST, criteria=assignment.dossier.profile.criteria.all(), prefix=AMEND_PREFIX)
    status = run_form(
        form,
        lambda: scoresheets.amend_assessment(
            assessment=sheet,
            actor=request.user,
            scores=form.scores(),
            recommendation=form.cleaned_data["recommendation"],
            comment=form.cleaned_data["comment"],
            reason=form.cleaned_data["reason"],
        ),
    )
    if status is not None:
        return _score_page(request, assignment, status=status, amend_form=form)
    messages.success(request, _("Your amended scores have been recorded; the original scoresheet is kept."))
    return redirect("committee:score", pk=assignment.pk)


@committee_view
@require_safe
def file_download(request: HttpRequest, pk: int, file_id: int) -> FileResponse:
    """A file of the submitted version, for an assessor or interviewer who may see the dossier."""
    assignment = selectors.get_my_assignment(user=request.user, assignment_id=pk)
    if not selectors.can_see_dossier_content(assignment=assignment):
        raise Http404("No such file.")
    dossier = assignment.dossier
    submission = selectors.latest_submission_or_none(dossier)
    if submission is None or file_id not in {f.get("id") for f in submission.manifest.get("files", [])}:
        raise Http404("No such file.")
    try:
        evidence = dossier.files.get(pk=file_id)
    except EvidenceFile.DoesNotExist as exc:
        raise Http404("No such file.") from exc
    return evidence_file_response(evidence)
