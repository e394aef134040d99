from django.shortcuts import get_object_or_404, render

from .selectors import published_profiles


def home(request):
    """The association's front page: what it certifies, its published profiles, how to apply and how to verify."""
    return render(request, "home.html", {"profiles": published_profiles()})


def profile_list(request):
    return render(request, "profiles/list.html", {"profiles": published_profiles()})


def profile_detail(request, code: str):
    # The template asks the dossiers app for the visitor's open dossier (dossiers' own_dossiers tags): profiles
    # sits below dossiers and does not import it.
    profile = get_object_or_404(published_profiles(), code=code)
    return render(request, "profiles/detail.html", {"profile": profile})
