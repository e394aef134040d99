"""Status changes after issuance — suspend, reinstate, revoke — and the status lists that publish them.

Every change, in one transaction:
1. locks the credential row and checks :data:`TRANSITIONS`;
2. saves the status, its dates and reason, and bumps ``status_version``;
3. writes a ``CredentialEvent`` (actor, from, to, reason);
4. rebuilds and re-seals every status list the change touches (:func:`publish_status_list`), so that the
   list served at the credential's ``statusListCredential`` URL says the new status the moment the
   transaction commits — before the service returns;
5. e-mails the holder once the transaction has committed (a Celery task that takes the event's id).

Concurrency: two changes to credentials of the same list each rebuild the whole list from the database.
The list row is locked (``select_for_update``) before its bits are read, so the second rebuild waits for
the first transaction and then reads its committed result: no change is ever lost from a published list.
Locks are always taken credential first, then lists in primary-key order, so two changes cannot deadlock.

Only administrators may act; a suspension with an end date is lifted by :func:`lift_ended_suspensions`
(beat task ``credentials.lift_ended_suspensions``), which records the system (no actor) as the one who acted.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import threading
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from aipia import days
from aipia.errors import DomainError, InvalidTransition
from credentials.documents import categories, seal
from credentials.documents import status_list as bitstring
from credentials.models import Credential, CredentialEvent, StatusList, StatusListEntry
from credentials.services import keyring, texts
from credentials.services.issuance import status_list_url
from outbox import services as outbox

Status = Credential.Status

# Which status a credential may move to, by verb. Expiry is the lifecycle's, not an admin's, decision.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.ISSUING: frozenset(),
    Status.ACTIVE: frozenset({Status.SUSPENDED, Status.REVOKED}),
    Status.SUSPENDED: frozenset({Status.ACTIVE, Status.EXPIRED, Status.REVOKED}),
    Status.EXPIRED: frozenset({Status.REVOKED}),
    Status.REVOKED: frozenset(),  # revocation is final
}
REASON_MAX_LENGTH = texts.REASON_MAX_LENGTH
SUSPENSION_ENDED = "suspension period ended"

# Which credentials have their bit set in a list of each purpose.
_SET_WHEN: dict[str, str] = {
    StatusList.Purpose.REVOCATION: Status.REVOKED,
    StatusList.Purpose.SUSPENSION: Status.SUSPENDED,
}


# --- the verbs -----------------------------------------------------------------------------------------------


def suspend(
    *,
    credential: Credential,
    actor: User,
    category: str,
    reason: str,
    until: datetime.datetime | None = None,
) -> Credential:
    """Suspend an active credential, indefinitely or ``until`` a moment in the future (then it is lifted by
    :func:`lift_ended_suspensions`). ``category`` (credentials/documents/categories.py) is what verifiers see;
    ``reason``, the free text, stays with the staff and the holder. Publishes the suspension list and notifies
    the holder on commit."""
    _require_admin(actor)
    category = texts.checked_category(category)
    reason = _required_reason(reason, _("A suspension needs a reason."))
    now = timezone.now()
    if until is not None:
        if timezone.is_naive(until):
            raise DomainError(_("The end of the suspension must include a time zone."), code="invalid_until")
        if until <= now:
            raise DomainError(_("The end of the suspension must be in the future."), code="invalid_until")
    with transaction.atomic():
        row = _lock(credential)
        if row.status != Status.ACTIVE:
            raise InvalidTransition(
                _("Only an active credential can be suspended; this one is %(status)s.")
                % {"status": row.get_status_display().lower()}
            )
        if row.valid_until <= now:
            raise InvalidTransition(_("This credential has expired: it can no longer be suspended."))
        row.suspended_at, row.suspended_until, row.suspension_reason = now, until, reason
        row.suspension_category = category
        _change(
            row,
            to=Status.SUSPENDED,
            actor=actor,
            reason=reason,
            action="credential.suspended",
            fields=["suspended_at", "suspended_until", "suspension_reason", "suspension_category"],
            data={"until": until.isoformat() if until else None, "category": category},
        )
    row.refresh_from_db()
    return row


def reinstate(*, credential: Credential, actor: User, reason: str = "") -> Credential:
    """End a suspension now. The credential is active again (or expired, if its validity ended meanwhile)."""
    _require_admin(actor)
    reason = _optional_reason(reason)
    with transaction.atomic():
        row = _lock(credential)
        _reinstate_locked(row, actor=actor, reason=reason)
    row.refresh_from_db()
    return row


def revoke(*, credential: Credential, actor: User, category: str, reason: str) -> Credential:
    """Withdraw a credential for good; verifiers see the reason's ``category``, the holder and the staff the
    ``reason`` too. A suspended or expired credential can be revoked too; a revoked one can never be suspended
    or reinstated again."""
    _require_admin(actor)
    category = texts.checked_category(category)
    reason = _required_reason(reason, _("A revocation needs a reason, which the holder will read."))
    with transaction.atomic():
        row = _lock(credential)
        if row.status == Status.REVOKED:
            raise InvalidTransition(_("This credential is already revoked; revocation is final."))
        if Status.REVOKED not in TRANSITIONS[row.status]:
            raise InvalidTransition(
                _("A credential that is %(status)s cannot be revoked.") % {"status": row.get_status_display().lower()}
            )
        was_suspended = row.status == Status.SUSPENDED
        row.revoked_at, row.revocation_reason, row.revocation_category = timezone.now(), reason, category
        # A revoked credential is no longer suspended: its suspension bit is cleared and nothing will lift it.
        row.suspended_until = None
        _change(
            row,
            to=Status.REVOKED,
            actor=actor,
            reason=reason,
            action="credential.revoked",
            fields=["revoked_at", "revocation_reason", "revocation_category", "suspended_until"],
            data={"was_suspended": was_suspended, "category": category},
        )
    row.refresh_from_db()
    return row


def suspend_by_system(*, credential_id: uuid.UUID, category: str, reason: str, data: dict | None = None) -> bool:
    """The system (no actor) suspends an active credential still within its validity, e.g. an attestation
    whose membership lapsed. Returns False, changing nothing, when the credential is in any other state."""
    category = texts.checked_category(category)
    with transaction.atomic():
        row = _lock(Credential(pk=credential_id))
        now = timezone.now()
        if row.status != Status.ACTIVE or row.valid_until <= now:
            return False
        row.suspended_at, row.suspended_until, row.suspension_reason = now, None, reason
        row.suspension_category = category
        _change(
            row,
            to=Status.SUSPENDED,
            actor=None,
            reason=reason,
            action="credential.suspended",
            fields=["suspended_at", "suspended_until", "suspension_reason", "suspension_category"],
            data={"until": None, "category": category, **(data or {})},
        )
    return True


def reinstate_by_system(*, credential_id: uuid.UUID, suspended_for: str, reason: str) -> bool:
    """The system (no actor) ends a suspension it made ``suspended_for`` that reason (a suspension for any
    other reason is left alone). Past its validity the credential becomes expired. False when nothing changed."""
    with transaction.atomic():
        row = _lock(Credential(pk=credential_id))
        if row.status != Status.SUSPENDED or row.suspension_reason != suspended_for:
            return False
        _reinstate_locked(row, actor=None, reason=reason)
    return True


def lift_ended_suspensions(*, now: datetime.datetime | None = None) -> int:
    """Reinstate every suspension whose end date has passed, each in its own transaction; the number lifted.

    Safe to run twice or in parallel: each credential is locked and checked again before it is reinstated.
    """
    now = now or timezone.now()
    due = Credential.objects.filter(status=Status.SUSPENDED, suspended_until__lte=now).values_list("pk", flat=True)
    lifted = 0
    for credential_id in list(due):
        with transaction.atomic():
            row = Credential.objects.select_for_update().get(pk=credential_id)
            if row.status != Status.SUSPENDED or row.suspended_until is None or row.suspended_until > now:
                continue  # reinstated, revoked or extended meanwhile
            _reinstate_locked(row, actor=None, reason=SUSPENSION_ENDED, now=now)
        lifted += 1
    return lifted


# --- the status lists ----------------------------------------------------------------------------------------


def publish_status_list(*, status_list: StatusList) -> StatusList:
    """Rebuild ``status_list`` from the database and store it sealed, ready to serve.

    The bits set are the entries whose credential is revoked (revocation list) or suspended (suspension
    list). Stores the encoded list, the sealed ``BitstringStatusListCredential`` (UTF-8 JSON bytes), its
    ETag, a new version and the time. Joins the caller's transaction, or opens its own.
    """
    with transaction.atomic():
        row = StatusList.objects.select_for_update().get(pk=status_list.pk)
        indexes = StatusListEntry.objects.filter(
            status_list=row, credential__status=_SET_WHEN[row.purpose]
        ).values_list("index", flat=True)
        encoded = bitstring.encode_list(bitstring.with_bits_set(row.size, indexes))
        now = timezone.now()
        document = bitstring.build_status_list_credential(
            list_url=status_list_url(row),
            issuer=issuer_id(),
            purpose=row.purpose,
            encoded_list=encoded,
            valid_from=now,
            ttl_seconds=settings.STATUS_LIST_MAX_AGE,
        )
        payload = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        key, _record = keyring.active_seal()
        sealed = seal.seal(payload, key, signing_time=now)
        body = json.dumps(sealed, ensure_ascii=False, indent=2).encode("utf-8")
        row.encoded_list = encoded
        row.sealed_json = body
        row.etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        row.version += 1
        row.updated_at = now
        row.save(update_fields=["encoded_list", "sealed_json", "etag", "version", "updated_at"])
    return row


def ensure_published(*, status_list: StatusList) -> StatusList:
    """``status_list`` with a stored publication: built now if it has none yet (a list nobody changed)."""
    if status_list.version:
        return status_list
    with transaction.atomic():
        row = StatusList.objects.select_for_update().get(pk=status_list.pk)
        if row.version:
            return row  # another request published it while we waited for the lock
        return publish_status_list(status_list=row)


def find_status_list(*, purpose: str, number: int) -> StatusList | None:
    return StatusList.objects.filter(purpose=purpose, number=number).first()


def issuer_id() -> str:
    """Our issuer id, the same as in every credential we issue (``services.credential_data``)."""
    return f"{settings.SITE_URL.rstrip('/')}/issuer"


# Decoded bits of the lists we publish, per process: list pk -> (version, etag, bits). A change bumps the
# version, so a stale entry is never used; one indexed query per call tells which version is current (the
# ETag too, so that a version number reused after a rolled-back transaction cannot match).
_bits_cache: dict[int, tuple[int, str, bytes]] = {}
_bits_lock = threading.Lock()


def status_bit(*, list_url: str, index: int) -> bool | None:
    """The bit at ``index`` of the list we publish at ``list_url``: True when the status of that list's
    purpose (revoked, suspended) applies, False when it does not.

    None when we cannot answer for it: ``list_url`` is not one of our lists (another host, an unknown
    purpose or number) or ``index`` lies outside the list. Reads what is stored, so it agrees with what
    verifiers download, and it sees a change as soon as the changing service has returned. A list that
    was never published is published first.
    """
    parsed = _parse_list_url(list_url)
    if parsed is None or isinstance(index, bool) or not isinstance(index, int):
        return None
    purpose, number = parsed
    current = (
        StatusList.objects.filter(purpose=purpose, number=number).values_list("pk", "version", "etag", "size").first()
    )
    if current is None:
        return None
    pk, version, etag, size = current
    if not 0 <= index < size:
        return None
    cached = _bits_cache.get(pk)
    if cached is None or cached[:2] != (version, etag):
        status_list = StatusList.objects.get(pk=pk)
        if not status_list.version:
            status_list = ensure_published(status_list=status_list)
        cached = (status_list.version, status_list.etag, bitstring.decode_list(status_list.encoded_list))
        with _bits_lock:
            _bits_cache[pk] = cached
    return bitstring.bit_at(cached[2], index)


def _parse_list_url(list_url: str) -> tuple[str, int] | None:
    prefix = f"{settings.SITE_URL.rstrip('/')}/status/"
    if not isinstance(list_url, str) or not list_url.startswith(prefix):
        return None
    purpose, _slash, number = list_url[len(prefix) :].partition("/")
    if purpose not in StatusList.Purpose.values or not number.isascii() or not number.isdigit():
        return None
    return purpose, int(number)


# --- notifications -------------------------------------------------------------------------------------------


def queue_status_email(*, event: CredentialEvent) -> bool:
    """Write the e-mail to the holder about one status change into the outbox, in the caller's transaction (sent
    after the commit, once per event). Written in the holder's preferred language: a suspension gives the reason
    and the end date if any, a revocation the reason. Returns False when there is nothing to send."""
    if event.action not in _MAIL_ACTIONS:
        return False
    holder = event.credential.holder
    with translation.override(holder.preferred_language):
        subject, body = _status_message(event)
    outbox.queue_email(
        to=[holder.email],
        subject=subject,
        language=holder.preferred_language,
        context={"body": body},
        dedupe_key=f"credentials.status:{event.pk}",
    )
    return True


def _status_message(event: CredentialEvent) -> tuple[str, str]:
    """The subject and body of the e-mail about ``event``, in the active language."""
    credential = event.credential
    category = categories.label(event.data.get("category"))
    values = {
        "serial": credential.serial,
        "profile": credential.profile.tr("title"),
        "reason": event.reason,
        "category": _(category) if category else "",
        "url": f"{settings.SITE_URL.rstrip('/')}/credentials/{credential.pk}/",
    }
    if event.action == "credential.suspended":
        return _("[AIPIA] Your credential %(serial)s is suspended") % values, _suspension_body(event, values)
    if event.action == "credential.reinstated":
        subject = _("[AIPIA] Your credential %(serial)s is no longer suspended") % values
        if event.to_status == Status.EXPIRED:
            body = _(
                "The suspension of your credential %(serial)s (%(profile)s) has ended. Its validity "
                "ended during the suspension, so verifiers now see it as expired.\n\n%(url)s\n"
            )
        else:
            body = _(
                "The suspension of your credential %(serial)s (%(profile)s) has ended: it is active "
                "again, and verifiers see it as valid.\n\n%(url)s\n"
            )
        return subject, body % values
    subject = _("[AIPIA] Your credential %(serial)s has been revoked") % values
    body = _(
        "Your credential %(serial)s (%(profile)s) has been revoked by the association. "
        "Revocation is final: anyone who verifies it is told that it is no longer valid, with the "
        "reason as a category (%(category)s) and never in the words below.\n\n"
        "Reason: %(reason)s\n\n%(url)s\n"
    )
    return subject, body % values


def _suspension_body(event: CredentialEvent, values: dict[str, str]) -> str:
    until = event.data.get("until")
    if until:
        period = _("The suspension lasts until %(until)s included, unless it is lifted earlier.") % {
            **values,
            "until": _last_day_text(until),
        }
    else:
        period = _("The suspension lasts until the association lifts it.")
    return (
        _("Your credential %(serial)s (%(profile)s) has been suspended by the association.\n\nReason: %(reason)s\n\n")
        % values
        + period
        + "\n\n"
        + _(
            "While it is suspended, anyone who verifies it is told so, with the reason as a category "
            "(%(category)s) and never in the words above.\n\n%(url)s\n"
        )
        % values
    )


_MAIL_ACTIONS = frozenset({"credential.suspended", "credential.reinstated", "credential.revoked"})
# Audit actions that are also webhook events of the same name (outbox/events.py).
_WEBHOOK_ACTIONS = _MAIL_ACTIONS


def _last_day_text(iso: str) -> str:
    """The last day of a suspension ending at ``iso``, in the issuer's time zone (aipia/days.py)."""
    moment = datetime.datetime.fromisoformat(iso)
    return date_format(days.last_day(moment, days.zone(settings.TIME_ZONE)), "DATE_FORMAT")


# --- helpers -------------------------------------------------------------------------------------------------


def _require_admin(actor: User | None) -> None:
    roles.require_admin(actor, _("Only administrators can suspend, reinstate or revoke a credential."))


def _required_reason(reason: str, message: str) -> str:
    return texts.checked_text(reason, kind="reason", max_length=REASON_MAX_LENGTH, required=message)


def _optional_reason(reason: str) -> str:
    return texts.checked_text(reason, kind="reason", max_length=REASON_MAX_LENGTH)


def _lock(credential: Credential) -> Credential:
    # Lock the credential's row only: a plain select_for_update() with select_related would lock its profile
    # too, and so serialise every change to credentials of the same profile.
    return Credential.objects.select_for_update(of=("self",)).select_related("holder", "profile").get(pk=credential.pk)


def _reinstate_locked(
    row: Credential, *, actor: User | None, reason: str, now: datetime.datetime | None = None
) -> CredentialEvent:
    if row.status != Status.SUSPENDED:
        if row.status == Status.REVOKED:
            raise InvalidTransition(_("This credential is revoked; revocation is final, it cannot be reinstated."))
        raise InvalidTransition(
            _("Only a suspended credential can be reinstated; this one is %(status)s.")
            % {"status": row.get_status_display().lower()}
        )
    now = now or timezone.now()
    to = Status.ACTIVE if row.valid_until > now else Status.EXPIRED
    suspended_since = row.suspended_at
    row.suspended_until = None
    return _change(
        row,
        to=to,
        actor=actor,
        reason=reason,
        action="credential.reinstated",
        fields=["suspended_until"],
        data={"suspended_at": suspended_since.isoformat() if suspended_since else None},
    )


def _change(
    row: Credential, *, to: str, actor: User | None, reason: str, action: str, fields: list[str], data: dict
) -> CredentialEvent:
    """Save the new status on the locked ``row``, audit it, publish the affected lists, mail on commit."""
    from_status = row.status
    if to not in TRANSITIONS[from_status]:
        raise InvalidTransition(_("A credential cannot go from %(from)s to %(to)s.") % {"from": from_status, "to": to})
    if to == Status.EXPIRED and row.expired_at is None:
        # A suspension lifted after the end of validity: recorded as the lifecycle job records expiry.
        row.expired_at = timezone.now()
        fields = [*fields, "expired_at"]
    row.status = to
    row.status_version = F("status_version") + 1  # type: ignore[assignment]
    row.save(update_fields=["status", "status_version", *fields])
    event = CredentialEvent.objects.create(
        credential=row, action=action, actor=actor, from_status=from_status, to_status=to, reason=reason, data=data
    )
    # The lists whose bits change: a list of each purpose is set by one status.
    purposes = {p for p, status in _SET_WHEN.items() if status in {from_status, to}}
    lists = StatusList.objects.filter(entries__credential=row, purpose__in=purposes).order_by("pk").distinct()
    for status_list in lists:
        publish_status_list(status_list=status_list)
    queue_status_email(event=event)
    if action in _WEBHOOK_ACTIONS:
        outbox.emit_resource_event(event_type=action, resource="credential", pk=row.pk)
    return event
