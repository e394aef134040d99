from django.shortcuts import get_object_or_404, render

from .selectors import published_profiles


def profile_list(request):
    return render(request, "profiles/list.html", {"profiles": published_profiles()})


def profile_detail(request, code: str):
    profile = get_object_or_404(published_profiles(), code=code)
    open_dossier = None
    if request.user.is_authenticated:
        from dossiers.selectors import open_dossier_for

        open_dossier = open_dossier_for(owner=request.user, profile=profile)
    return render(request, "profiles/detail.html", {"profile": profile, "open_dossier": open_dossier})
