"""HTML pages of the applicant's competency dossier.

Every view parses its input with a form, finds the dossier through the selectors (anybody else's
dossier answers 404), calls one service and renders or redirects. A service's DomainError is shown next
to the form, which keeps what the user typed; nothing is changed.

The pages that change what exists (the CV summary, the self-assessment, an existing entry) also answer an
autosave: the same POST, marked with the header ``X-Autosave: 1`` by static/js/dossier-live.js, goes through
the same form and service and is answered with JSON (when it was saved, or why not) instead of a redirect and
a message.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.services import membership_problem
from aipia.errors import DomainError
from profiles.selectors import published_profiles

from . import services
from .completeness import TOO_SHORT, Progress, dossier_progress, gaps, self_assessment_prefix
from .downloads import evidence_file_response
from .forms import (
    CvSummaryForm,
    ExperienceForm,
    ProjectForm,
    SelfAssessmentForm,
    TrainingForm,
    UploadForm,
    WithdrawForm,
)
from .models import (
    CLOSED_STATUSES,
    TRANSITIONS,
    Dossier,
    DossierEvent,
    DossierStatus,
    EvidenceFile,
    ExperienceEntry,
    ProjectEntry,
    TrainingEntry,
)
from .selectors import (
    applicant_timeline,
    current_files,
    get_downloadable_file,
    get_own_dossier,
    open_dossier_for,
    own_dossiers,
)
from .uploads import allowed_labels

# --- helpers -------------------------------------------------------------------------------------------


def _data(request: HttpRequest) -> QueryDict | None:
    return request.POST if request.method == "POST" else None


def _run(form: Form, action: Callable[[], object], *, error_field: str | None = None) -> int | None:
    """Validate ``form`` and run ``action``: None on success, else the status of the page to show again.

    A DomainError's message is added to the form (next to ``error_field``, or above the fields).
    """
    if not form.is_valid():
        return 400
    try:
        action()
    except DomainError as exc:
        form.add_error(error_field, exc.message)
        return exc.status_code
    return None


# The texts of the live help on an editable dossier's forms (static/js/dossier-live.js), translated here: the
# script fills in %(count)d and %(min)d.
LIVE_TEXTS: dict[str, Promise] = {
    "counter": gettext_lazy("%(count)d / at least %(min)d characters"),
    "short": TOO_SHORT,
    "saving": gettext_lazy("Saving the draft…"),
    "failed": gettext_lazy(
        "The draft could not be saved (no connection, or you were logged out). What you typed is still here: "
        "save it with the button."
    ),
    "restored": gettext_lazy("Your draft, not added yet, has been restored from this browser."),
    "discard": gettext_lazy("Discard the draft"),
    "done": gettext_lazy("(done)"),
    "todo": gettext_lazy("(not done yet)"),
}


def _page(
    request: HttpRequest, template: str, dossier: Dossier, section: str, *, status: int = 200, **context: Any
) -> HttpResponse:
    """Render a page of ``dossier``; ``section`` marks the current step of the section navigation, which shows
    the dossier's progress."""
    context.setdefault("progress", dossier_progress(dossier))
    if dossier.is_editable:
        context["live_texts"] = LIVE_TEXTS
    context.update(dossier=dossier, section=section, closed=dossier.status in CLOSED_STATUSES)
    return render(request, template, context, status=status)


def _say_saved(request: HttpRequest, saved: str, draft: str, lacking: list[str]) -> None:
    """``saved`` as a success; or, when what was saved is not yet enough for submission, ``draft`` (with
    ``%(gaps)s``) as a warning that says what is still lacking."""
    if lacking:
        messages.warning(request, draft % {"gaps": "; ".join(lacking)})
    else:
        messages.success(request, saved)


# --- autosave ------------------------------------------------------------------------------------------


def _is_autosave(request: HttpRequest) -> bool:
    return request.method == "POST" and request.headers.get("X-Autosave") == "1"


def _progress_data(progress: Progress) -> dict[str, Any]:
    return {"percent": progress.percent, "sections": {s.section: s.done for s in progress.sections}}


def _autosaved(dossier: Dossier, forms: list[Form], *, status: int | None) -> JsonResponse:
    """The answer to an autosave: when it was saved, with the warnings of texts still too short for submission
    and the dossier's progress; or, with ``status``, why nothing was saved, each field's errors by the field's
    name (``<prefix>-__all__`` for the errors of one prefixed form as a whole)."""
    if status is not None:
        errors: dict[str, list[str]] = {}
        refusals: dict[str, None] = {}  # the service's refusals, each once (the same one for every competence)
        for form in forms:
            for name, found in form.errors.items():
                if name != "__all__":
                    errors[form[name].html_name] = list(found)
                    continue
                refusals.update(dict.fromkeys(found))
                if form.prefix:
                    errors[form.add_prefix(name)] = list(found)
        message = " ".join(refusals) or _("Not saved: please correct the fields marked. What you typed is still here.")
        return JsonResponse({"saved": False, "message": message, "errors": errors, "warnings": {}}, status=status)
    dossier.refresh_from_db()
    now = timezone.localtime()
    return JsonResponse(
        {
            "saved": True,
            "saved_at": now.isoformat(),
            "message": _("Draft saved at %(time)s") % {"time": date_format(now, "TIME_FORMAT")},
            "errors": {},
            "warnings": {form[name].html_name: text for form in forms for name, text in form.field_warnings.items()},
            "progress": _progress_data(dossier_progress(dossier)),
        }
    )


def _not_autosaved(message: str, *, status: int = 400) -> JsonResponse:
    return JsonResponse({"saved": False, "message": message, "errors": {}, "warnings": {}}, status=status)


def _can_withdraw(dossier: Dossier) -> bool:
    return DossierStatus.WITHDRAWN in TRANSITIONS[dossier.status]


def _status_label(value: str) -> str:
    try:
        return str(DossierStatus(value).label)
    except ValueError:
        return value


def _actor_label(event: DossierEvent, dossier: Dossier) -> str:
    # The applicant sees who acted by role, not the names of the committee's members.
    if event.actor_id is None:
        return _("System")
    if event.actor_id == dossier.owner_id:
        return _("You")
    return _("Certification committee")


# --- list, start, overview -----------------------------------------------------------------------------


@login_required
@require_safe
def dossier_list(request: HttpRequest) -> HttpResponse:
    return render(request, "dossiers/list.html", {"dossiers": own_dossiers(owner=request.user)})


@login_required
@require_POST
def start(request: HttpRequest, code: str) -> HttpResponse:
    profile = get_object_or_404(published_profiles(), code=code)
    try:
        dossier = services.start_dossier(owner=request.user, profile=profile)
    except DomainError as exc:
        existing = open_dossier_for(owner=request.user, profile=profile) if exc.code == "dossier_exists" else None
        if existing is None:
            messages.error(request, exc.message)
            return redirect("profiles:detail", code=profile.code)
        messages.info(request, exc.message)
        return redirect("dossiers:detail", pk=existing.pk)
    messages.success(request, _("Your dossier has been started. Fill in each section, then submit it."))
    return redirect("dossiers:detail", pk=dossier.pk)


@login_required
@require_safe
def detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    dossier = get_own_dossier(owner=request.user, dossier_id=pk)
    timeline = [
        {
            "event": event,
            "status": _status_label(event.to_status) if event.to_status else "",
            "actor": _actor_label(event, dossier),
        }
        for event in applicant_timeline(dossier=dossier)
    ]
    progress = dossier_progress(dossier)
    return _page(
        request,
        "dossiers/detail.html",
        dossier,
        "overview",
        progress=progress,
        missing=progress.missing,
        membership_problem=membership_problem(user=request.user),
        submissions=dossier.submissions.all(),
        can_withdraw=_can_withdraw(dossier),
        timeline=timeline,
        information_request=_latest_event(timeline, DossierStatus.INFORMATION_REQUESTED)
        if dossier.status == DossierStatus.INFORMATION_REQUESTED
        else None,
        # When appealed, the rationale shown is the rejection's; the appeal's own outcome replaces it later.
        decision_event=_latest_event(
            timeline, DossierStatus.REJECTED if dossier.status == DossierStatus.APPEALED else dossier.status
        )
        if dossier.status in (DossierStatus.APPROVED, DossierStatus.REJECTED, DossierStatus.APPEALED)
        else None,
    )


def _latest_event(timeline: list[dict], *statuses: str) -> DossierEvent | None:
    """The newest status change into one of ``statuses`` (its reason holds the questions or the rationale)."""
    events = [item["event"] for item in timeline if item["event"].to_status in statuses and item["event"].reason]
    return events[-1] if events else None


# --- CV and evidence files -----------------------------------------------------------------------------


def _cv_page(
    request: HttpRequest,
    dossier: Dossier,
    *,
    cv_form: CvSummaryForm | None = None,
    upload_form: UploadForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return _page(
        request,
        "dossiers/cv.html",
        dossier,
        "cv",
        status=status,
        form=cv_form or CvSummaryForm(initial=CvSummaryForm.initial_for(dossier)),
        upload_form=upload_form or UploadForm(kind=EvidenceFile.Kind.CV),
        cv_file=current_files(dossier=dossier).filter(kind=EvidenceFile.Kind.CV).last(),
    )


def _evidence_page(
    request: HttpRequest, dossier: Dossier, *, upload_form: UploadForm | None = None, status: int = 200
) -> HttpResponse:
    return _page(
        request,
        "dossiers/evidence.html",
        dossier,
        "evidence",
        status=status,
        files=current_files(dossier=dossier),
        upload_form=upload_form or UploadForm(kind=EvidenceFile.Kind.EVIDENCE),
        accepted_types=allowed_labels(),
        max_bytes=settings.EVIDENCE_MAX_BYTES,
    )


@login_required
@require_http_methods(["GET", "POST"])
def cv(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    dossier = get_own_dossier(owner=request.user, dossier_id=pk)
    form = CvSummaryForm(_data(request), initial=CvSummaryForm.initial_for(dossier))
    if request.method == "GET":
        return _cv_page(request, dossier, cv_form=form)
    status = _run(form, lambda: services.update_cv_summary(dossier=dossier, actor=request.user, **form.cleaned_data))
    if _is_autosave(request):
        return _autosaved(dossier, [form], status=status)
    if status is not None:
        return _cv_page(request, dossier, cv_form=form, status=status)
    _say_saved(
        request,
        _("Your CV summary has been saved."),
        _("Your CV summary has been saved as a draft. Still needed before you can submit: %(gaps)s."),
        gaps(form.values_for_rules()),
    )
    return redirect("dossiers:cv", pk=dossier.pk)


@login_required
@require_safe
def evidence(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    return _evidence_page(request, get_own_dossier(owner=request.user, dossier_id=pk))


@login_required
@require_POST
def upload(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Store the CV or a piece of evidence; errors are shown on the page the form came from."""
    dossier = get_own_dossier(owner=request.user, dossier_id=pk)
    is_cv = request.POST.get("kind") == EvidenceFile.Kind.CV
    form = UploadForm(request.POST, request.FILES, kind=EvidenceFile.Kind.CV if is_cv else EvidenceFile.Kind.EVIDENCE)

    def store() -> None:
        uploaded = form.cleaned_data["file"]
        services.upload_evidence(
            dossier=dossier,
            actor=request.user,
            upload=uploaded,
            original_name=uploaded.name,
            kind=form.cleaned_data["kind"],
            description=form.cleaned_data.get("description", ""),
        )

    status = _run(form, store, error_field="file")
    if status is not None:
        if is_cv:
            return _cv_page(request, dossier, upload_form=form, status=status)
        return _evidence_page(request, dossier, upload_form=form, status=status)
    messages.success(request, _("“%(name)s” has been uploaded.") % {"name": form.cleaned_data["file"].name})
    return redirect("dossiers:cv" if is_cv else "dossiers:evidence", pk=dossier.pk)


@login_required
@require_safe
def evidence_download(request: HttpRequest, pk: uuid.UUID, file_id: int) -> FileResponse:
    evidence = get_downloadable_file(user=request.user, dossier_id=pk, file_id=file_id)
    return evidence_file_response(evidence)


@login_required
@require_POST
def evidence_delete(request: HttpRequest, pk: uuid.UUID, file_id: int) -> HttpResponse:
    dossier = get_own_dossier(owner=request.user, dossier_id=pk)
    evidence = get_object_or_404(current_files(dossier=dossier), pk=file_id)
    try:
        services.delete_evidence(dossier=dossier, actor=request.user, evidence=evidence)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("“%(name)s” has been removed.") % {"name": evidence.original_name})
    return redirect("dossiers:evidence", pk=dossier.pk)


# --- training, experience and projects -----------------------------------------------------------------


@dataclass(frozen=True)
class EntrySection:
    model: type[TrainingEntry | ExperienceEntry | ProjectEntry]
    form_class: type[TrainingForm | ExperienceForm | ProjectForm]
    save: Callable[..., object]
    template: str
    url_name: str
    saved: Promise
    deleted: Promise
    prefetch: tuple[str, ...] = ("evidence",)


ENTRY_SECTIONS: dict[str, EntrySection] = {
    "training": EntrySection(
        model=TrainingEntry,
        form_class=TrainingForm,
        save=services.save_training_entry,
        template="dossiers/training.html",
        url_name="dossiers:training",
        saved=gettext_lazy("The training entry has been saved."),
        deleted=gettext_lazy("The training entry has been deleted."),
    ),
    "experience": EntrySection(
        model=ExperienceEntry,
        form_class=ExperienceForm,
        save=services.save_experience_entry,
        template="dossiers/experience.html",
        url_name="dossiers:experience",
        saved=gettext_lazy("The experience has been saved."),
        deleted=gettext_lazy("The experience has been deleted."),
        prefetch=("evidence", "competences"),
    ),
    "projects": EntrySection(
        model=ProjectEntry,
        form_class=ProjectForm,
        save=services.save_project_entry,
        template="dossiers/projects.html",
        url_name="dossiers:projects",
        saved=gettext_lazy("The project has been saved."),
        deleted=gettext_lazy("The project has been deleted."),
    ),
}


def _entry_page(request: HttpRequest, pk: uuid.UUID, section: str, entry_id: int | None = None) -> HttpResponse:
    """The list of a section's entries with the form to add one, or to edit ``entry_id``."""
    dossier = get_own_dossier(owner=request.user, dossier_id=pk)
    spec = ENTRY_SECTIONS[section]
    entries = spec.model.objects.filter(dossier=dossier)
    entry = get_object_or_404(entries, pk=entry_id) if entry_id is not None else None
    initial = spec.form_class.initial_for(entry) if entry is not None else None
    form = spec.form_class(_data(request), dossier=dossier, initial=initial)
    status = 200
    if _is_autosave(request) and entry is None:
        # Saving a new entry on every pause would add it again each time: a new entry stays a draft in the
        # browser until its Add button is pressed.
        return _not_autosaved(_("A new entry is saved with its Add button, not automatically."))
    if request.method == "POST":
        status = _run(form, lambda: spec.save(dossier=dossier, actor=request.user, entry=entry, **form.service_data()))
        if _is_autosave(request):
            return _autosaved(dossier, [form], status=status)
        if status is None:
            messages.success(request, spec.saved)
            return redirect(spec.url_name, pk=dossier.pk)
    return _page(
        request,
        spec.template,
        dossier,
        section,
        status=status,
        form=form,
        entry=entry,
        entries=entries.prefetch_related(*spec.prefetch),
    )


@login_required
@require_http_methods(["GET", "POST"])
def training(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    return _entry_page(request, pk, "training")


@login_required
@require_http_methods(["GET", "POST"])
def training_edit(request: HttpRequest, pk: uuid.UUID, entry_id: int) -> HttpResponse:
    return _entry_page(request, pk, "training", entry_id)


@login_required
@require_http_methods(["GET", "POST"])
def experience(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    return _entry_page(request, pk, "experience")


@login_required
@require_http_methods(["GET", "POST"])
def experience_edit(request: HttpRequest, pk: uuid.UUID, entry_id: int) -> HttpResponse:
    return _entry_page(request, pk, "experience", entry_id)


@login_required
@require_http_methods(["GET", "POST"])
def projects(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    return _entry_page(request, pk, "projects")


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, pk: uuid.UUID, entry_id: int) -> HttpResponse:
    return _entry_page(request, pk, "projects", entry_id)


@login_required
@require_POST
def entry_delete(request: HttpRequest, pk: uuid.UUID, section: str, entry_id: int) -> HttpResponse:
    dossier = get_own_dossier(owner=request.user, dossier_id=pk)
    spec = ENTRY_SECTIONS.get(section)
    if spec is None:
        raise Http404("No such section.")
    entry = get_object_or_404(spec.model.objects.filter(dossier=dossier), pk=entry_id)
    try:
        services.delete_entry(dossier=dossier, actor=request.user, entry=entry)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, spec.deleted)
    return redirect(spec.url_name, pk=dossier.pk)


# --- self-assessment -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def self_assessment(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """One claim per competence of the profile. Blank claims are left for later; nothing is saved while
    any claim is invalid, and a claim the service refuses is shown with its message."""
    dossier = get_own_dossier(owner=request.user, dossier_id=pk)
    existing = {sa.competence_id: sa for sa in dossier.self_assessments.prefetch_related("evidence")}
    rows = []
    for pc in dossier.profile.profile_competences.select_related("competence"):
        assessment = existing.get(pc.competence_id)
        form = SelfAssessmentForm(
            _data(request),
            dossier=dossier,
            competence=pc.competence,
            prefix=self_assessment_prefix(pc.competence.code),
            initial=SelfAssessmentForm.initial_for(assessment),
        )
        rows.append({"profile_competence": pc, "assessment": assessment, "form": form})
    if request.method == "GET":
        return _page(request, "dossiers/self_assessment.html", dossier, "self_assessment", rows=rows)

    forms = [row["form"] for row in rows]
    autosave = _is_autosave(request)

    def again(error_summary: str, status: int) -> HttpResponse:
        if autosave:
            return _autosaved(dossier, forms, status=status)
        return _page(
            request,
            "dossiers/self_assessment.html",
            dossier,
            "self_assessment",
            status=status,
            rows=rows,
            error_summary=error_summary,
        )

    if not all([form.is_valid() for form in forms]):
        return again(_("Nothing has been saved: please correct the competences marked below."), 400)
    saved, failed, lacking = 0, 0, []
    for row in rows:
        form = row["form"]
        if form.is_blank:
            continue
        try:
            services.save_self_assessment(
                dossier=dossier,
                actor=request.user,
                competence=row["profile_competence"].competence,
                **form.service_data(),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            failed = max(failed, exc.status_code)
        else:
            saved += 1
            code = row["profile_competence"].competence.code
            lacking += [_("%(code)s: %(gap)s") % {"code": code, "gap": gap} for gap in gaps(form.values_for_rules())]
    if failed:
        return again(_("Some competences could not be saved: see the messages below."), failed)
    if autosave:
        if not saved:
            return _not_autosaved(
                _("Nothing to save yet: choose a level and write a justification for a competence."), status=200
            )
        return _autosaved(dossier, forms, status=None)
    if saved:
        _say_saved(
            request,
            _("Your self-assessment has been saved."),
            _("Your self-assessment has been saved as a draft. Still needed before you can submit: %(gaps)s."),
            lacking,
        )
    else:
        messages.info(request, _("Nothing to save yet: choose a level and write a justification for a competence."))
    return redirect("dossiers:self_assessment", pk=dossier.pk)


# --- lifecycle -----------------------------------------------------------------------------------------


@login_required
@require_POST
def submit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    dossier = get_own_dossier(owner=request.user, dossier_id=pk)
    try:
        submission = services.submit_dossier(dossier=dossier, actor=request.user)
    except services.DossierIncomplete as exc:
        # The overview's checklist lists every missing item.
        messages.error(request, _("%(message)s See the checklist below.") % {"message": exc.message})
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Submitted: version %(number)d of your dossier is now with the certification committee.")
            % {"number": submission.number},
        )
    return redirect("dossiers:detail", pk=dossier.pk)


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    dossier = get_own_dossier(owner=request.user, dossier_id=pk)
    form = WithdrawForm(_data(request))
    status = 200
    if request.method == "POST":
        status = _run(
            form,
            lambda: services.withdraw_dossier(dossier=dossier, actor=request.user, reason=form.cleaned_data["reason"]),
        )
        if status is None:
            messages.success(request, _("Your dossier has been withdrawn."))
            return redirect("dossiers:detail", pk=dossier.pk)
    return _page(
        request,
        "dossiers/withdraw.html",
        dossier,
        "overview",
        status=status,
        form=form,
        can_withdraw=_can_withdraw(dossier),
    )
