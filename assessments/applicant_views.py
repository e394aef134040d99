"""The applicant's side of the committee's work: appealing a rejection, and the interview's calendar file."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from aipia.errors import DomainError
from dossiers.selectors import get_own_dossier

from .downloads import calendar_response, scheduled_interview
from .services import appeals


class AppealForm(forms.Form):
    statement = forms.CharField(
        label=gettext_lazy("Grounds of your appeal"),
        widget=forms.Textarea(attrs={"rows": 8}),
        min_length=20,
        help_text=gettext_lazy("Explain what you believe the committee got wrong, and point to the evidence."),
    )


@login_required
def lodge_appeal(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    dossier = get_own_dossier(owner=request.user, dossier_id=pk)
    form = AppealForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            appeals.lodge_appeal(dossier=dossier, actor=request.user, statement=form.cleaned_data["statement"])
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = 400
        else:
            messages.success(request, _("Your appeal has been lodged. An independent panel will hear it."))
            return redirect("dossiers:detail", pk=dossier.pk)
    elif request.method == "POST":
        status = 400
    return render(request, "appeals/lodge.html", {"dossier": dossier, "form": form}, status=status)


@login_required
@require_safe
def interview_calendar_download(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The applicant's interview as an .ics file; nobody else's dossier, and only while an interview is scheduled."""
    return calendar_response(scheduled_interview(get_own_dossier(owner=request.user, dossier_id=pk)))
