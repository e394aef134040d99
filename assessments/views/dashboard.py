"""The committee's dashboard, and the impartiality and confidentiality declaration."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from .. import pages, selectors
from ..forms import DeclarationForm
from ..services import declarations
from .common import committee_view, form_data, run_form


@committee_view
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "committee/dashboard.html", pages.dashboard_context(user=request.user))


@committee_view
@require_http_methods(["GET", "POST"])
def declaration(request: HttpRequest) -> HttpResponse:
    form = DeclarationForm(form_data(request))
    status = 200
    if request.method == "POST":
        status = run_form(form, lambda: declarations.sign_impartiality_declaration(user=request.user))
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
