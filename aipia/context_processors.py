from django.conf import settings


def site(request):
    return {
        "ASSOCIATION_NAME": settings.ASSOCIATION_NAME,
        "MEMBERSHIP_INFO_URL": settings.MEMBERSHIP_INFO_URL,
    }
