"""The account page's personal data actions: download everything, erase the account."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from .privacy import erase_account, export_personal_data


@login_required
@require_safe
def personal_data_export(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(export_personal_data(user=request.user), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="aipia-personal-data.zip"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def account_erasure(request: HttpRequest) -> HttpResponse:
    if request.POST.get("confirm") != request.user.email:
        messages.error(request, _("Type your e-mail address to confirm that you want your account erased."))
        return redirect("accounts:profile")
    erase_account(user=request.user, actor=request.user)
    logout(request)
    messages.success(request, _("Your account has been closed and your personal data erased as far as the law allows."))
    return redirect("home")
