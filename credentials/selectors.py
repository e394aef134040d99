from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User

from .models import Credential, SealCertificate


def own_credentials(*, holder: User) -> QuerySet[Credential]:
    return Credential.objects.filter(holder=holder).select_related("profile")


def get_own_credential(*, holder: User, credential_id) -> Credential:
    try:
        return own_credentials(holder=holder).get(pk=credential_id)
    except (Credential.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such credential.") from exc


def published_seal_certificates() -> QuerySet[SealCertificate]:
    return SealCertificate.objects.order_by("created_at")


def credential_for_verification(*, credential_id) -> Credential | None:
    """The credential a QR token names, with its profile: one query by primary key (None if unknown)."""
    return Credential.objects.select_related("profile").filter(pk=credential_id).order_by().first()


def verification_state(*, credential_id) -> dict | None:
    """The columns of ``verification.LIVE_FIELDS`` for one credential, by primary key; the QR page's only query
    on a warm cache, so it reads a few columns and builds no model instance."""
    from .verification import LIVE_FIELDS

    return Credential.objects.filter(pk=credential_id).order_by().values(*LIVE_FIELDS).first()


def profile_competences_for(credential: Credential) -> list:
    """The competences (with their e-CF levels) the credential's profile certifies, as the credential lists them."""
    return list(credential.profile.profile_competences.select_related("competence"))
