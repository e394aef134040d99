from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from .forms import ProfileForm
from .services import membership_problem, update_profile


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
        {"form": form, "membership": membership, "membership_problem": membership_problem(user=request.user)},
    )
