from django.conf import settings
from django.utils.translation import get_language


def site(request):
    return {
        "ASSOCIATION_NAME": settings.ASSOCIATION_NAME,
        "MEMBERSHIP_INFO_URL": settings.MEMBERSHIP_INFO_URL,
    }


def language_switch(request):
    """The links that show the current page in each other language: the same address and query, with ``lang=``
    set (aipia/language.py), so that a search or a page number is kept."""
    current = (get_language() or settings.LANGUAGE_CODE)[:2]
    links = []
    for code, _name in settings.LANGUAGES:
        if code == current:
            continue
        query = request.GET.copy()
        query["lang"] = code
        links.append({"code": code, "name": _NATIVE_NAMES.get(code, code), "href": "?" + query.urlencode()})
    return {"language_switch": links}


# Each language named in itself, as a reader of that language looks for it.
_NATIVE_NAMES = {"en": "English", "it": "Italiano"}
