from django.db.models import QuerySet

from .models import Profile


def published_profiles() -> QuerySet[Profile]:
    return Profile.objects.filter(is_published=True).prefetch_related("profile_competences__competence", "criteria")


def profile_named(*, code: str) -> Profile | None:
    """The profile whose code (e.g. ``ai-ml-engineer``) a credential names, published or not: a credential keeps
    naming its profile after the profile is withdrawn from the catalogue."""
    return Profile.objects.filter(code=code).first()
