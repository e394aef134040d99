from django.db.models import QuerySet

from .models import Profile


def published_profiles() -> QuerySet[Profile]:
    return Profile.objects.filter(is_published=True).prefetch_related("profile_competences__competence", "criteria")
