from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aipia.errors import DomainError

from . import two_factor
from .forms import ProfileForm
from .services import membership_problem, update_profile
from .tokens import live_tokens, revoke_api_token, revoke_api_tokens


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        update_profile(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your profile has been saved."))
        response = redirect("accounts:profile")
        translation.activate(request.user.preferred_language)
        return response
    membership = getattr(request.user, "membership", None)
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "membership": membership,
            "membership_problem": membership_problem(user=request.user),
            "api_tokens": live_tokens(user=request.user),
            "token_ttl_days": settings.API_TOKEN_TTL_DAYS,
            "two_factor_required": two_factor.is_required_for(request.user),
            "has_two_factor": two_factor.has_two_factor(request.user),
        },
    )


@require_POST
@login_required
def token_revoke(request, token_id: str):
    try:
        revoke_api_token(user=request.user, token_id=token_id)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The API token has been revoked."))
    return redirect(_tokens_section())


@require_POST
@login_required
def token_revoke_all(request):
    count = revoke_api_tokens(user=request.user)
    messages.success(request, _("All your API tokens (%(count)d) have been revoked.") % {"count": count})
    return redirect(_tokens_section())


def _tokens_section() -> str:
    return reverse("accounts:profile") + "#api-tokens"
