import functools
import uuid
from typing import Any

import psycopg
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from credentials.models import Credential, ExternalCertification, RenewalApplication, SealCertificate


def own_credentials(*, holder: User) -> QuerySet[Credential]:
    return Credential.objects.filter(holder=holder).select_related("profile")


def get_own_credential(*, holder: User, credential_id) -> Credential:
    try:
        return own_credentials(holder=holder).get(pk=credential_id)
    except (Credential.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such credential.") from exc


def staff_queue_counts() -> dict[str, int]:
    """What waits for the association's staff: renewal applications and external certifications to decide on."""
    return {
        "renewals": RenewalApplication.objects.filter(status=RenewalApplication.Status.SUBMITTED).count(),
        "certifications": ExternalCertification.objects.filter(status=ExternalCertification.Status.SUBMITTED).count(),
    }


def published_seal_certificates() -> QuerySet[SealCertificate]:
    return SealCertificate.objects.order_by("created_at")


def credential_for_verification(*, credential_id) -> Credential | None:
    """The credential a QR token names, with its profile and the credential it renews, if any: one query by
    primary key (None if unknown)."""
    return Credential.objects.select_related("profile", "predecessor").filter(pk=credential_id).order_by().first()


# The credential columns the public verification answers read (credentials/verification/server.py makes a
# LiveStatus of them): one query by primary key, no model instance needed.
LIVE_FIELDS = (
    "id",
    "issuance",
    "status",
    "valid_from",
    "valid_until",
    "suspended_at",
    "suspended_until",
    "suspension_category",
    "revoked_at",
    "revocation_category",
    "status_version",
)


def verification_state(*, credential_id) -> dict | None:
    """The columns of :data:`LIVE_FIELDS` for one credential, by primary key.

    The public verification endpoints' one query per request. The ORM compiles the statement once per
    database (compiling it took most of the time of a warm QR page); each call runs it with the id and the
    backend's value converters, so the result is what ``.values(*LIVE_FIELDS).first()`` gives.
    """
    try:
        prepared = Credential._meta.pk.to_python(credential_id)
    except ValidationError:
        return None
    alias = router.db_for_read(Credential)
    sql, compiler, converters = _state_statement(alias)
    connection = connections[alias]
    parameters = [Credential._meta.pk.get_db_prep_value(prepared, connection)]
    if connection.vendor == "postgresql" and settings.DATABASE_PREPARED_STATEMENTS and not connection.in_atomic_block:
        # A server-side prepared statement: PostgreSQL parses and plans it once per connection instead of on
        # every request (Django's own cursors bind parameters on the client, which rules that out).
        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            row = cursor.execute(sql, parameters, prepare=True).fetchone()
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, parameters)
            row = cursor.fetchone()
    if row is None:
        return None
    if converters:
        row = next(iter(compiler.apply_converters([row], converters)))
    return dict(zip(LIVE_FIELDS, row, strict=True))


@functools.cache
def _state_statement(alias: str) -> tuple[str, Any, dict]:
    query = Credential.objects.using(alias).filter(pk=uuid.UUID(int=0)).order_by().values(*LIVE_FIELDS)[:1].query
    compiler = query.get_compiler(alias)
    sql, params = compiler.as_sql()
    if len(params) != 1:
        raise RuntimeError(f"Unexpected parameters for the verification state query: {params!r}")
    converters = compiler.get_converters([column for column, _sql, _alias in compiler.select])
    return sql, compiler, converters


def shared_credential(*, slug: str) -> Credential | None:
    """The issued credential whose public page is at ``slug`` and switched on, with its profile; None otherwise
    (never shared, switched off, or its holder's data erased: erasure switches the page off and empties the token,
    which is checked too so that no erased holder is ever shown)."""
    return (
        Credential.objects.select_related("profile", "predecessor")
        .filter(public_slug=slug, public_page=True, issuance=Credential.Issuance.DONE)
        .exclude(token="")
        .order_by()
        .first()
    )


def profile_competences_for(credential: Credential) -> list:
    """The competences (with their e-CF levels) the credential's profile certifies, as the credential lists them."""
    return list(credential.profile.profile_competences.select_related("competence"))
