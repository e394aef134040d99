"""HTML pages of the certification committee.

Every view parses its input with a form, finds its object through the selectors (what the user may not
see answers 404), calls one service and renders or redirects. A service's DomainError is shown next to
the form, which keeps what the user typed; nothing is changed. Only committee users (staff or members
of a committee) reach these pages.

What the committee assesses is the frozen manifest of the latest submission, never the live dossier.
An assessor sees the other assessors' scores only after submitting their own, on every page.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.models import User
from aipia.errors import DomainError
from dossiers.downloads import evidence_file_response
from dossiers.models import Dossier, DossierStatus, DossierSubmission, EvidenceFile
from profiles.models import EcfCompetence

from . import selectors
from .forms import (
    AmendForm,
    AppealDecisionForm,
    AppealPanelForm,
    AssignAssessorsForm,
    ConflictForm,
    DecisionForm,
    DeclarationForm,
    InformationRequestForm,
    InterviewForm,
    InterviewRecordForm,
    ScoreSheetForm,
)
from .models import (
    Appeal,
    Assessment,
    Assignment,
    CommitteeMember,
    Escalation,
    InformationRequest,
    Interview,
    InterviewRecord,
)
from .services import appeals, assignments, decisions, declarations, interviews, scoresheets

# The amendment form shares its field names with the scoresheet; a prefix keeps the two apart on one page.
AMEND_PREFIX = "amend"

# --- helpers -------------------------------------------------------------------------------------------


def committee_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log in first; then only staff and committee members get past (403 for anybody else)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not selectors.is_committee_user(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _data(request: HttpRequest) -> QueryDict | None:
    return request.POST if request.method == "POST" else None


def _run(form: Form, action: Callable[[], object]) -> int | None:
    """Validate ``form`` and run ``action``: None on success, else the status of the page to show again."""
    if not form.is_valid():
        return 400
    try:
        action()
    except DomainError as exc:
        form.add_error(None, exc.message)
        return exc.status_code
    return None


def _status_label(value: str) -> str:
    try:
        return str(DossierStatus(value).label)
    except ValueError:
        return value


def _recommendation_label(value: str) -> str:
    try:
        return str(Assessment.Recommendation(value).label)
    except ValueError:
        return value


def _holder_label(holder: str) -> str:
    # The dashboard selector names roles in English words, or lists the members who hold the dossier.
    labels = {
        "applicant": _("Applicant"),
        "secretariat": _("Secretariat"),
        "decision maker": _("Decision maker"),
        "appeal panel": _("Appeal panel"),
    }
    return labels.get(holder, holder)


def _latest_submission(dossier: Dossier) -> DossierSubmission | None:
    return dossier.submissions.order_by("-number").first()


def _min_assessors(dossier: Dossier) -> int:
    return int(dossier.profile.pass_rules.get("min_assessors", 2))


def _live_assessor_count(dossier: Dossier) -> int:
    return dossier.assignments.filter(role=Assignment.Role.ASSESSOR, status__in=selectors.LIVE_ASSIGNMENT).count()


def _is_decision_maker(user: User, dossier: Dossier) -> bool:
    return selectors.has_committee_role(user=user, dossier=dossier, role="is_decision_maker")


def _manifest(submission: DossierSubmission, dossier: Dossier) -> dict[str, Any]:
    """The frozen content of ``submission``, made ready to read: dates parsed, evidence and competences resolved."""
    manifest = submission.manifest
    files = {f["id"]: f for f in manifest.get("files", [])}
    codes = {s["competence"] for s in manifest.get("self_assessment", [])}
    for entry in manifest.get("experience", []):
        codes.update(entry.get("competences", []))
    competences = {c.code: c.tr("title") for c in EcfCompetence.objects.filter(code__in=codes)}
    required = {pc.competence.code: pc.level for pc in dossier.profile.profile_competences.select_related("competence")}

    def evidence(entry: dict[str, Any]) -> list[dict[str, Any]]:
        return [files[i] for i in entry.get("evidence", []) if i in files]

    def dated(entry: dict[str, Any]) -> dict[str, Any]:
        return {
            **entry,
            "start": parse_date(entry.get("start_date") or ""),
            "end": parse_date(entry.get("end_date") or ""),
            "evidence_files": evidence(entry),
        }

    return {
        "submission": submission,
        "submitted_at": parse_datetime(manifest.get("submitted_at", "")) or submission.submitted_at,
        "applicant": manifest.get("applicant", {}),
        "cv": manifest.get("cv", {}),
        "training": [dated(t) for t in manifest.get("training", [])],
        "experience": [
            {
                **dated(e),
                "competence_list": [{"code": code, "title": competences.get(code, "")} for code in e["competences"]],
            }
            for e in manifest.get("experience", [])
        ],
        "projects": [
            {
                **p,
                "evidence_files": evidence(p),
                # Only web addresses become links; anything else in the stored manifest is shown as text.
                "link_list": [
                    {"url": link, "is_web": str(link).startswith(("https://", "http://"))}
                    for link in p.get("links", [])
                ],
            }
            for p in manifest.get("projects", [])
        ],
        "self_assessment": [
            {
                **s,
                "title": competences.get(s["competence"], ""),
                "required_level": required.get(s["competence"]),
                "evidence_files": evidence(s),
            }
            for s in manifest.get("self_assessment", [])
        ],
        "files": [{**f, "kind_label": _kind_label(f.get("kind", ""))} for f in manifest.get("files", [])],
    }


def _kind_label(kind: str) -> str:
    try:
        return str(EvidenceFile.Kind(kind).label)
    except ValueError:
        return kind


def _aggregate(values: dict[str, Any] | None, dossier: Dossier) -> dict[str, Any] | None:
    """An aggregate (from ``dossier_aggregate`` or a decision's stored record) with the criteria's titles."""
    if values is None:
        return None
    criteria = {c.code: c for c in dossier.profile.criteria.all()}
    return {
        **values,
        "rows": [
            {"code": code, "criterion": criteria.get(code), "mean": mean}
            for code, mean in values.get("criterion_means", {}).items()
        ],
    }


def _current_aggregate(dossier: Dossier) -> dict[str, Any] | None:
    result = selectors.dossier_aggregate(dossier=dossier)
    if result is None:
        return None
    return _aggregate(
        {
            "criterion_means": result.criterion_means,
            "weighted_average": result.weighted_average,
            "passed": result.passed,
            "reasons": result.reasons,
            "spread": result.spread,
            "assessors": result.assessors,
        },
        dossier,
    )


def _record(record: dict[str, Any], dossier: Dossier) -> dict[str, Any]:
    """A decision record (``selectors.decision_record``) made readable: names, labels and dates."""
    interviewer_ids = {r["interviewer"] for i in record.get("interviews", []) for r in i.get("records", [])}
    names = User.objects.in_bulk(interviewer_ids)
    return {
        "submission": record.get("submission"),
        "aggregate": _aggregate(record.get("aggregate"), dossier),
        "agreement": record.get("agreement") or {},
        "recommendations": [_recommendation_label(r) for r in record.get("recommendations", [])],
        "interviews": [
            {
                "starts_at": parse_datetime(i.get("starts_at", "")),
                "records": [
                    {
                        **r,
                        "interviewer_name": str(names.get(r["interviewer"], "—")),
                        "recommendation_label": _recommendation_label(r["recommendation"]),
                    }
                    for r in i.get("records", [])
                ],
            }
            for i in record.get("interviews", [])
        ],
    }


def _sheets(dossier: Dossier, *, exclude: Assignment | None = None) -> list[dict[str, Any]]:
    """The effective (submitted, latest) scoresheets of the latest version, each with its scores."""
    return [
        {
            "sheet": sheet,
            "assessor": sheet.assignment.member,
            "scores": sorted(sheet.scores.all(), key=lambda s: (s.criterion.position, s.criterion.code)),
            "recommendation": _recommendation_label(sheet.recommendation),
        }
        for sheet in selectors.effective_sheets(dossier=dossier)
        if exclude is None or sheet.assignment_id != exclude.pk
    ]


# --- dashboard and declaration -------------------------------------------------------------------------


@committee_view
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    board = selectors.dashboard(user=request.user)
    rows = [{"row": row, "held_by": _holder_label(row.held_by)} for row in board["rows"]]
    return render(
        request,
        "committee/dashboard.html",
        {
            "counts": [
                {"status": status, "label": _status_label(status), "count": count}
                for status, count in board["counts"].items()
            ],
            "total": sum(board["counts"].values()),
            "rows": rows,
            "overdue": board["overdue"],
            "assignments": selectors.my_assignments(user=request.user),
            "needs_declaration": not selectors.has_valid_declaration(user=request.user),
            "time_in_status": [
                {"status": status, "label": _status_label(status), **figures}
                for status, figures in board["time_in_status"].items()
            ],
            "agreement": [
                {"committee": committee, "months": selectors.committee_agreement(committee=committee)}
                for committee in selectors.committees_of(user=request.user)
            ],
        },
    )


@committee_view
@require_http_methods(["GET", "POST"])
def declaration(request: HttpRequest) -> HttpResponse:
    form = DeclarationForm(_data(request))
    status = 200
    if request.method == "POST":
        status = _run(form, lambda: declarations.sign_impartiality_declaration(user=request.user))
        if status is None:
            messages.success(request, _("Thank you: your impartiality and confidentiality declaration is recorded."))
            return redirect("committee:dashboard")
    return render(
        request,
        "committee/declaration.html",
        {
            "form": form,
            "version": declarations.DECLARATION_TEXT_VERSION,
            "current": request.user.impartiality_declarations.first(),
            "is_valid": selectors.has_valid_declaration(user=request.user),
        },
        status=status,
    )


# --- a dossier, for the secretariat, the chair and the decision makers ----------------------------------


def _interviewer_candidates(dossier: Dossier) -> list[User]:
    members = (
        CommitteeMember.objects.filter(
            committee__profiles=dossier.profile, committee__is_active=True, is_interviewer=True
        )
        .exclude(user_id=dossier.owner_id)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__pk")
    )
    return list({m.user_id: m.user for m in members}.values())


def _dossier_page(
    request: HttpRequest,
    dossier: Dossier,
    *,
    status: int = 200,
    information_form: InformationRequestForm | None = None,
    assign_form: AssignAssessorsForm | None = None,
    interview_form: InterviewForm | None = None,
    panel_form: AppealPanelForm | None = None,
) -> HttpResponse:
    """The committee's view of ``dossier``; a POST that failed passes its bound form to show it again."""
    user = request.user
    submission = _latest_submission(dossier)
    hidden = selectors.scores_hidden_from(user=user, dossier=dossier)
    appeal = Appeal.objects.filter(dossier=dossier).prefetch_related("panel").select_related("decision").first()
    secretariat = selectors.is_secretariat(user=user, dossier=dossier)
    scheduled = dossier.interviews.filter(status=Interview.Status.SCHEDULED).exists()
    context: dict[str, Any] = {
        "dossier": dossier,
        "status_label": _status_label(dossier.status),
        "submissions": dossier.submissions.all(),
        "manifest": _manifest(submission, dossier) if submission else None,
        "assignments": dossier.assignments.select_related("member"),
        "information_requests": InformationRequest.objects.filter(dossier=dossier).select_related(
            "requested_by", "answered_by_submission"
        ),
        "escalation": Escalation.objects.filter(submission=submission, resolved_at__isnull=True).first()
        if submission
        else None,
        "third_assessor_assigned": _live_assessor_count(dossier) > _min_assessors(dossier),
        "scores_hidden": hidden,
        "interviews": dossier.interviews.prefetch_related("records__interviewer"),
        "decisions": dossier.decisions.select_related("decided_by"),
        "appeal": appeal,
        "events": [
            {
                "event": e,
                "actor": str(e.actor) if e.actor else _("System"),
                "from_label": _status_label(e.from_status) if e.from_status else "",
                "to_label": _status_label(e.to_status) if e.to_status else "",
                # An amendment's reason may quote scores: not for an assessor still scoring.
                "reason": "" if hidden and e.action == "assessment.scores_amended" else e.reason,
            }
            for e in dossier.events.select_related("actor")
        ],
        "is_secretariat": secretariat,
        "can_decide": dossier.status == DossierStatus.AWAITING_DECISION and _is_decision_maker(user, dossier),
        "can_decide_appeal": dossier.status == DossierStatus.APPEALED
        and appeal is not None
        and appeal.panel.filter(pk=user.pk).exists(),
    }
    if not hidden and submission:
        context["aggregate"] = _current_aggregate(dossier)
        context["agreement"] = selectors.dossier_agreement(dossier=dossier)
    if secretariat:
        if dossier.status in (DossierStatus.SUBMITTED, DossierStatus.UNDER_ASSESSMENT):
            context["information_form"] = information_form or InformationRequestForm()
            context["assign_form"] = assign_form or AssignAssessorsForm(
                eligible=selectors.eligible_assessors(dossier=dossier),
                suggested=selectors.suggest_assessors(dossier=dossier),
            )
        if dossier.status == DossierStatus.INTERVIEW and (interview_form or not scheduled):
            context["interview_form"] = interview_form or InterviewForm(interviewers=_interviewer_candidates(dossier))
        if (
            dossier.status == DossierStatus.APPEALED
            and appeal is not None
            and (panel_form or not appeal.panel.exists())
        ):
            context["panel_form"] = panel_form or AppealPanelForm(members=selectors.uninvolved_members(dossier=dossier))
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
    status = _run(
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
    form = AssignAssessorsForm(
        request.POST,
        eligible=selectors.eligible_assessors(dossier=dossier),
        suggested=selectors.suggest_assessors(dossier=dossier),
    )
    status = _run(
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
    form = InterviewForm(request.POST, interviewers=_interviewer_candidates(dossier))
    # The date and time are naive: the service reads them in the chosen time zone.
    status = _run(form, lambda: interviews.schedule_interview(dossier=dossier, actor=request.user, **form.cleaned_data))
    if status is not None:
        return _dossier_page(request, dossier, status=status, interview_form=form)
    messages.success(request, _("The interview has been scheduled; the applicant and the interviewers are invited."))
    return redirect("committee:dossier", pk=dossier.pk)


@committee_view
@require_POST
def appeal_panel(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    dossier = _secretariat_dossier(request, pk)
    appeal = get_object_or_404(Appeal, dossier=dossier)
    form = AppealPanelForm(request.POST, members=selectors.uninvolved_members(dossier=dossier))
    status = _run(
        form,
        lambda: appeals.set_appeal_panel(appeal=appeal, actor=request.user, members=form.cleaned_data["members"]),
    )
    if status is not None:
        return _dossier_page(request, dossier, status=status, panel_form=form)
    messages.success(request, _("The appeal panel has been set."))
    return redirect("committee:dossier", pk=dossier.pk)


# --- assignments: declaration, scoring, files ----------------------------------------------------------


@committee_view
@require_http_methods(["GET", "POST"])
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Before anything else, the conflict-of-interest declaration; then the way to the work."""
    assignment = selectors.get_my_assignment(user=request.user, assignment_id=pk)
    dossier = assignment.dossier
    awaiting = assignment.status == Assignment.Status.AWAITING_DECLARATION
    if (
        not awaiting
        and assignment.role == Assignment.Role.ASSESSOR
        and selectors.can_see_dossier_content(assignment=assignment)
    ):
        return redirect("committee:score", pk=assignment.pk)
    if request.method == "POST" and not awaiting:
        raise PermissionDenied
    form = ConflictForm(_data(request)) if awaiting else None
    status = 200
    if form is not None and request.method == "POST":
        status = _run(
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
    context: dict[str, Any] = {
        "assignment": assignment,
        "dossier": dossier,
        "form": form,
        "has_declaration": selectors.has_valid_declaration(user=request.user),
    }
    if not awaiting and selectors.can_see_dossier_content(assignment=assignment):
        # An interviewer: the interview to record, and the dossier as submitted.
        submission = _latest_submission(dossier)
        context["interview"] = dossier.interviews.exclude(status=Interview.Status.CANCELLED).first()
        context["manifest"] = _manifest(submission, dossier) if submission else None
    return render(request, "committee/assignment.html", context, status=status)


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
    dossier = assignment.dossier
    criteria = list(dossier.profile.criteria.all())
    submission = selectors.latest_submission(dossier)
    sheet = selectors.current_sheet(assignment=assignment)
    submitted = sheet is not None and sheet.submitted_at is not None
    context: dict[str, Any] = {
        "assignment": assignment,
        "dossier": dossier,
        "criteria": criteria,
        "manifest": _manifest(submission, dossier),
        "sheet": sheet,
        "submitted": submitted,
        "can_score": not submitted
        and assignment.status == Assignment.Status.ACTIVE
        and dossier.status == DossierStatus.UNDER_ASSESSMENT,
    }
    if context["can_score"] or score_form is not None:
        context["score_form"] = score_form or ScoreSheetForm(
            initial=ScoreSheetForm.initial_for(sheet), criteria=criteria
        )
    if sheet is not None and submitted:
        context["own_scores"] = sorted(sheet.scores.select_related("criterion"), key=lambda s: s.criterion.position)
        context["own_recommendation"] = _recommendation_label(sheet.recommendation)
        if dossier.status in (
            DossierStatus.UNDER_ASSESSMENT,
            DossierStatus.INTERVIEW,
            DossierStatus.AWAITING_DECISION,
        ):
            context["amend_form"] = amend_form or AmendForm(
                initial=AmendForm.initial_for(sheet), criteria=criteria, prefix=AMEND_PREFIX
            )
        # Only now, and only for an assessor whose own sheet is in: the others' scores.
        context["others_visible"] = selectors.others_sheets_visible(assignment=assignment)
        if context["others_visible"]:
            context["others"] = _sheets(dossier, exclude=assignment)
            context["aggregate"] = _current_aggregate(dossier)
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

    status = _run(form, save)
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
    status = _run(
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
    submission = _latest_submission(dossier)
    if submission is None or file_id not in {f.get("id") for f in submission.manifest.get("files", [])}:
        raise Http404("No such file.")
    try:
        evidence = dossier.files.get(pk=file_id)
    except EvidenceFile.DoesNotExist as exc:
        raise Http404("No such file.") from exc
    return evidence_file_response(evidence)


# --- interview -----------------------------------------------------------------------------------------


@committee_view
@require_http_methods(["GET", "POST"])
def interview_record(request: HttpRequest, pk: int) -> HttpResponse:
    interview = get_object_or_404(Interview.objects.select_related("dossier__profile", "dossier__owner"), pk=pk)
    assignment = Assignment.objects.filter(
        dossier=interview.dossier,
        member=request.user,
        role=Assignment.Role.INTERVIEWER,
        status__in=[Assignment.Status.ACTIVE, Assignment.Status.DONE],
    ).first()
    if assignment is None:
        raise Http404("No such interview.")
    record = InterviewRecord.objects.filter(interview=interview, interviewer=request.user).first()
    open_for_record = (
        record is None
        and assignment.status == Assignment.Status.ACTIVE
        and interview.status == Interview.Status.SCHEDULED
    )
    form = InterviewRecordForm(_data(request), questions=interview.questions) if open_for_record else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        status = _run(
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
    answers = []
    if record is not None:
        notes = {a.get("question"): a for a in record.answers}
        answers = [{"question": q, "answer": notes.get(i, {})} for i, q in enumerate(interview.questions)]
    return render(
        request,
        "committee/interview_record.html",
        {
            "interview": interview,
            "dossier": interview.dossier,
            "assignment": assignment,
            "form": form,
            "record": record,
            "answers": answers,
            "record_recommendation": _recommendation_label(record.recommendation) if record else "",
        },
        status=status,
    )


# --- decision and appeal -------------------------------------------------------------------------------


def _decision_context(dossier: Dossier, user: User) -> dict[str, Any]:
    context: dict[str, Any] = {
        "dossier": dossier,
        "status_label": _status_label(dossier.status),
        "decisions": dossier.decisions.select_related("decided_by"),
        "scores_hidden": selectors.scores_hidden_from(user=user, dossier=dossier),
    }
    if not context["scores_hidden"]:
        context["record"] = _record(selectors.decision_record(dossier=dossier), dossier)
        context["sheets"] = _sheets(dossier)
    return context


@committee_view
@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The decision maker reads the whole record and approves or rejects, with a rationale."""
    dossier = selectors.get_committee_dossier(user=request.user, dossier_id=pk)
    if not _is_decision_maker(request.user, dossier):
        raise PermissionDenied
    open_for_decision = dossier.status == DossierStatus.AWAITING_DECISION
    form = DecisionForm(_data(request)) if open_for_decision or request.method == "POST" else None
    status = 200
    if form is not None and request.method == "POST":
        status = _run(
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
    return render(
        request, "committee/decide.html", {**_decision_context(dossier, request.user), "form": form}, status=status
    )


@committee_view
@require_http_methods(["GET", "POST"])
def appeal_decide(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The appeal panel reads the statement, the decision appealed and its record, and rules."""
    dossier = selectors.get_committee_dossier(user=request.user, dossier_id=pk)
    appeal = get_object_or_404(Appeal.objects.select_related("decision__decided_by"), dossier=dossier)
    if not appeal.panel.filter(pk=request.user.pk).exists():
        raise PermissionDenied
    open_for_decision = appeal.status == Appeal.Status.LODGED and dossier.status == DossierStatus.APPEALED
    form = AppealDecisionForm(_data(request)) if open_for_decision or request.method == "POST" else None
    status = 200
    if form is not None and request.method == "POST":
        status = _run(
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
    return render(
        request,
        "committee/appeal_decide.html",
        {
            "dossier": dossier,
            "status_label": _status_label(dossier.status),
            "appeal": appeal,
            "appealed_record": _record(appeal.decision.record, dossier),
            "form": form,
        },
        status=status,
    )
