"""The public register of certified persons (ISO/IEC 17024 §7.2), and the holder's choice to be in it.

The register lists issued credentials whose holder has not opted out (``Credential.listed_in_register``).
It is searched, never browsed: a query with a word of at least ``MIN_QUERY_LENGTH`` characters matches the holder's
name (every word of the query, anywhere in the name, ignoring case and accents), the serial printed on the
certificate, or the credential id. An entry shows only what a verifier needs — name, profile, level,
status, validity and the verification link — never the e-mail address or an internal id.
"""

from __future__ import annotations

import contextlib
import datetime
import unicodedata
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, CharField, Func, Q, QuerySet, TextChoices, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import User
from aipia.errors import DomainError, NotAllowed
from credentials.models import Credential, CredentialEvent
from credentials.services.issuance import verify_url_for

MIN_QUERY_LENGTH = 3
MAX_QUERY_LENGTH = 100
PAGE_SIZE = 20

# Names are compared lower-cased and without accents: decomposed (NFD), combining marks dropped.
_COMBINING_MARKS = "[\u0300-\u036f]"


def fold(text: str) -> str:
    """``text`` lower-cased without accents, exactly as :class:`Folded` computes it in the database."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not 0x300 <= ord(c) <= 0x36F).lower()


def _fold_or_null(text: str | None) -> str | None:
    return None if text is None else fold(text)


class Folded(Func):
    """A text column lower-cased and without accents (see :func:`fold`), computed by the database."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[override]
        # Other databases: case only.
        sql, params = compiler.compile(self.source_expressions[0])
        return f"LOWER({sql})", params

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"LOWER(REGEXP_REPLACE(NORMALIZE({sql}, NFD), %s, '', 'g'))", [*params, _COMBINING_MARKS]

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite has no Unicode normalisation, and its LOWER() folds ASCII only: it calls fold() itself,
        # registered on the connection that is about to run the query (cheap, and idempotent).
        connection.ensure_connection()
        connection.connection.create_function("aipia_fold", 1, _fold_or_null, deterministic=True)
        sql, params = compiler.compile(self.source_expressions[0])
        return f"aipia_fold({sql})", params


class RegisterStatus(TextChoices):
    """What the register says about a credential today."""

    ACTIVE = "active", _lazy("Active")
    NOT_YET_VALID = "not_yet_valid", _lazy("Not yet valid")
    SUSPENDED = "suspended", _lazy("Suspended")
    REVOKED = "revoked", _lazy("Revoked")
    EXPIRED = "expired", _lazy("Expired")


def register_status(now: datetime.datetime) -> Case:
    """The status as of ``now``: revocation is final; past ``valid_until`` a credential is expired whatever
    its stored status says (the daily lifecycle job may not have run yet); a suspension with an end date
    in the past has ended; before ``valid_from`` (a renewal's successor) it is not yet valid."""
    Status = Credential.Status
    return Case(
        When(status=Status.REVOKED, then=Value(RegisterStatus.REVOKED)),
        When(Q(status=Status.EXPIRED) | Q(valid_until__lte=now), then=Value(RegisterStatus.EXPIRED)),
        When(
            Q(status=Status.SUSPENDED) & (Q(suspended_until__isnull=True) | Q(suspended_until__gt=now)),
            then=Value(RegisterStatus.SUSPENDED),
        ),
        When(valid_from__gt=now, then=Value(RegisterStatus.NOT_YET_VALID)),
        default=Value(RegisterStatus.ACTIVE),
        output_field=CharField(),
    )


def listed_credentials() -> QuerySet[Credential]:
    """Every credential the register may show: issued, holder not opted out.

    A holder without a name on record was issued under their e-mail address (``start_issuance`` falls
    back to it); publishing that would disclose the address, so such credentials stay out of the register.
    """
    return (
        Credential.objects.filter(issuance=Credential.Issuance.DONE, listed_in_register=True)
        .exclude(holder_name__contains="@")
        .select_related("profile")
    )


def normalise_query(query: str) -> str:
    """The query with surrounding and repeated white space removed; refused when too short or too long.

    Some word must have ``MIN_QUERY_LENGTH`` characters: "a b c" would match nearly every name.
    """
    query = " ".join(query.split())
    if max((len(word) for word in query.split()), default=0) < MIN_QUERY_LENGTH:
        raise DomainError(
            _("Enter at least %(count)d characters: a name, a serial number or a credential id.")
            % {"count": MIN_QUERY_LENGTH},
            code="query_too_short",
        )
    if len(query) > MAX_QUERY_LENGTH:
        raise DomainError(_("Enter at most %(count)d characters.") % {"count": MAX_QUERY_LENGTH}, code="query_too_long")
    return query


def search_register(*, query: str) -> QuerySet[Credential]:
    """Listed credentials matching ``query``, ordered by name, annotated with ``register_status``.

    Matches the holder's name (every word of the query somewhere in it, case and accents ignored), the
    serial exactly (any case), or the credential id (a UUID, ``urn:uuid:`` prefix allowed). Raises
    ``DomainError`` for a query shorter than ``MIN_QUERY_LENGTH`` characters, so the register cannot be
    listed whole.
    """
    query = normalise_query(query)
    match = Q(serial__iexact=query)
    with contextlib.suppress(ValueError):  # not a UUID
        match |= Q(pk=uuid.UUID(query))
    name_match = Q()
    for word in fold(query).split():
        name_match &= Q(folded_name__contains=word)
    return (
        listed_credentials()
        .annotate(folded_name=Folded("holder_name"), register_status=register_status(timezone.now()))
        .filter(match | name_match)
        .order_by("folded_name", "serial")
    )


def find_by_serial(*, serial: str, holder_name: str) -> Credential | None:
    """The issued credential with ``serial`` (any case) whose holder's name contains every word of
    ``holder_name`` (case and accents ignored; e.g. the surname printed on the certificate), or None.

    What a person can type off a printed certificate. Serial numbers are sequential and so guessable: the name is
    asked too, so that nobody can walk through the serials to collect holders' names (a holder who left the
    public register stays out of reach). Both mismatches give the same None. Raises ``DomainError`` for a name
    with no word of ``MIN_QUERY_LENGTH`` characters or a serial that is empty or too long.
    """
    serial = " ".join((serial or "").split())
    if not serial or len(serial) > MAX_QUERY_LENGTH:
        raise DomainError(_("Enter the serial number printed under the QR code."), code="serial_required")
    typed = (holder_name or "").split()  # the lengths count as typed, as the API schema's pattern says
    words = [fold(word) for word in typed]
    if max((len(word) for word in typed), default=0) < MIN_QUERY_LENGTH or len(holder_name) > MAX_QUERY_LENGTH:
        raise DomainError(
            _("Enter the holder's surname as printed on the certificate (at least %(count)d characters).")
            % {"count": MIN_QUERY_LENGTH},
            code="name_required",
        )
    credential = (
        Credential.objects.filter(serial__iexact=serial, issuance=Credential.Issuance.DONE)
        .select_related("profile", "predecessor")
        .first()
    )
    if credential is None or not all(word in fold(credential.holder_name) for word in words):
        return None
    return credential


@dataclass(frozen=True)
class RegisterEntry:
    """One line of the register: what anyone may know about a certified person's credential."""

    holder_name: str
    serial: str
    profile: str  # the profile's code
    profile_title: str  # in the active language
    eqf_level: int
    status: str  # a RegisterStatus value
    status_label: str
    valid_from: datetime.datetime
    valid_until: datetime.datetime
    verify_url: str


def register_entry(credential: Credential) -> RegisterEntry:
    """The public line of a credential from :func:`search_register`."""
    status = RegisterStatus(credential.register_status)  # type: ignore[attr-defined]
    return RegisterEntry(
        holder_name=credential.holder_name,
        serial=credential.serial,
        profile=credential.profile.code,
        profile_title=credential.profile.tr("title"),
        eqf_level=credential.profile.eqf_level,
        status=status.value,
        status_label=str(status.label),
        valid_from=credential.valid_from,
        valid_until=credential.valid_until,
        verify_url=verify_url_for(credential.token),
    )


# --- the holder's choice ------------------------------------------------------------------------------------


@transaction.atomic
def set_register_listing(*, credential: Credential, holder: User, listed: bool) -> Credential:
    """List the credential in the public register, or take it out, as its holder chooses.

    Only the holder decides (``NotAllowed`` otherwise). A change writes a ``credential.register_listed`` or
    ``credential.register_unlisted`` event; asking for the current state changes and records nothing.
    """
    if credential.holder_id != holder.pk:
        raise NotAllowed(_("Only the holder of a credential decides whether it is in the public register."))
    credential = Credential.objects.select_for_update().get(pk=credential.pk)
    if credential.listed_in_register == listed:
        return credential
    credential.listed_in_register = listed
    credential.save(update_fields=["listed_in_register"])
    CredentialEvent.objects.create(
        credential=credential,
        action="credential.register_listed" if listed else "credential.register_unlisted",
        actor=holder,
        data={"listed_in_register": listed},
    )
    return credential
