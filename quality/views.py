"""The quality pages: the public transparency page; for the association's staff (administrators write) the
transparency page's editor, the impartiality risks, the personnel records and the period report."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.models import User
from aipia.errors import DomainError

from . import exports, personnel, report, services
from .forms import CompetenceForm, PeriodForm, ReviewForm, RiskForm, SectionForm
from .models import ImpartialityRisk, PublishedSection


def transparency(request: HttpRequest) -> HttpResponse:
    """What the association publishes for the users of its members' services (Law 4/2013 art. 5), each section
    with the date it last changed and the dates of its earlier versions."""
    italian = (get_language() or "").startswith("it")
    sections = [
        {
            "key": section.key,
            "title": section.title_it if italian else section.title_en,
            "body": section.body_it if italian else section.body_en,
            "updated_at": section.updated_at,
            "changes": [revision.changed_at for revision in section.revisions.all()],
        }
        for section in PublishedSection.objects.prefetch_related("revisions")
    ]
    return render(request, "quality/transparency.html", {"sections": sections})


def _require_staff(request: HttpRequest) -> None:
    if not roles.is_association_staff(request.user):
        raise Http404


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def transparency_manage(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    existing = {section.key: section for section in PublishedSection.objects.all()}
    forms: dict[str, SectionForm] = {}
    if request.method == "POST":
        key = request.POST.get("key", "")
        if key not in PublishedSection.Key.values:
            raise Http404
        form = SectionForm(request.POST, prefix=key)
        if form.is_valid():
            try:
                services.publish_section(actor=request.user, key=key, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Published."))
                return redirect("quality:transparency-manage")
        forms[key] = form
    entries = []
    for key, label in PublishedSection.Key.choices:
        section = existing.get(key)
        initial = (
            {field: getattr(section, field) for field in ("title_en", "title_it", "body_en", "body_it")}
            if section
            else {}
        )
        entries.append(
            {
                "key": key,
                "label": label,
                "section": section,
                "form": forms.get(key) or SectionForm(prefix=key, initial=initial),
            }
        )
    return render(
        request, "quality/transparency_manage.html", {"entries": entries, "can_edit": roles.is_admin(request.user)}
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def risks(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    form = RiskForm(request.POST or None) if request.POST.get("form") == "risk" else RiskForm()
    review_forms: dict[int, ReviewForm] = {}
    if request.method == "POST":
        try:
            if request.POST.get("form") == "risk":
                if form.is_valid():
                    services.record_risk(actor=request.user, **form.cleaned_data)
                    messages.success(request, _("The risk has been recorded."))
                    return redirect("quality:risks")
            else:
                risk = get_object_or_404(ImpartialityRisk, pk=request.POST.get("risk"))
                review = ReviewForm(request.POST, prefix=f"review-{risk.pk}")
                review_forms[risk.pk] = review
                if review.is_valid():
                    services.review_risk(risk=risk, actor=request.user, **review.cleaned_data)
                    messages.success(request, _("The review has been recorded."))
                    return redirect("quality:risks")
        except DomainError as exc:
            target = form if request.POST.get("form") == "risk" else review_forms[int(request.POST["risk"])]
            target.add_error(None, exc.message)
    today = timezone.localdate()
    entries = [
        {
            "risk": risk,
            "overdue": risk.closed_at is None and risk.review_by < today,
            "form": review_forms.get(risk.pk) or ReviewForm(prefix=f"review-{risk.pk}"),
        }
        for risk in ImpartialityRisk.objects.prefetch_related("reviews__reviewed_by")
    ]
    return render(
        request, "quality/risks.html", {"entries": entries, "form": form, "can_edit": roles.is_admin(request.user)}
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def personnel_page(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    period, period_form = _period(request)
    record_forms: dict[int, CompetenceForm] = {}
    if request.method == "POST":
        person = get_object_or_404(User, pk=request.POST.get("person"))
        form = CompetenceForm(request.POST, prefix=f"record-{person.pk}")
        record_forms[person.pk] = form
        if form.is_valid():
            try:
                services.record_competence(actor=request.user, person=person, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The record has been added."))
                return redirect(request.get_full_path())
    people = [
        {
            "record": record,
            "form": record_forms.get(record.person.pk) or CompetenceForm(prefix=f"record-{record.person.pk}"),
        }
        for record in personnel.personnel(period=period)
    ]
    context = {"people": people, "period": period, "period_form": period_form, "can_edit": roles.is_admin(request.user)}
    return render(request, "quality/personnel.html", context)


@login_required
def report_page(request: HttpRequest) -> HttpResponse:
    """The period report as a page, or as CSV (``format=csv``) or PDF (``format=pdf``)."""
    _require_staff(request)
    period, period_form = _period(request)
    data = report.period_report(first_day=period.first_day, last_day=period.last_day)
    fmt = request.GET.get("format", "")
    if fmt == "csv":
        response = HttpResponse(exports.report_csv(data), content_type="text/csv; charset=utf-8")
    elif fmt == "pdf":
        response = HttpResponse(exports.report_pdf_bytes(period, data), content_type="application/pdf")
    else:
        return render(
            request, "quality/report.html", {**exports.document_context(period, data), "period_form": period_form}
        )
    response["Content-Disposition"] = f'attachment; filename="{exports.file_name(period, fmt)}"'
    return response


def _period(request: HttpRequest) -> tuple[report.Period, PeriodForm]:
    """The period asked for (``start``, ``end``), or the last twelve months up to today."""
    today = timezone.localdate()
    default = {"start": (today.replace(day=1) - datetime.timedelta(days=365)).replace(day=1), "end": today}
    form = PeriodForm(request.GET if "start" in request.GET else None, initial=default)
    if form.is_bound and form.is_valid():
        return report.Period(form.cleaned_data["start"], form.cleaned_data["end"]), form
    return report.Period(default["start"], default["end"]), form
