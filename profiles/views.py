from django.http import HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from .badges import badge_image
from .selectors import published_profiles

# Browsers and link previews may keep a badge an hour, then ask again with its ETag: an edited profile shows within
# the hour, and an unchanged one costs a 304.
BADGE_MAX_AGE = 3600


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


@require_safe
def profile_badge(request, code: str, ext: str):
    """The profile's badge, SVG or PNG, public and cacheable."""
    image = badge_image(get_object_or_404(published_profiles(), code=code), ext)
    if image.etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(image.content, content_type=image.content_type)
    response["ETag"] = image.etag
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, public=True, max_age=BADGE_MAX_AGE)
    return response
