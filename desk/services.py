"""Every write of the consumer desk: a sender's request, its confirmation, and the handling of a case.

Each verb locks the case, checks the transition table (``models.TRANSITIONS``), saves, writes its audit row in the same
transaction, and writes its e-mails to the outbox in that transaction too (desk/notifications.py): they leave once it
commits.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from aipia.errors import DomainError, InvalidTransition, NotAllowed, NotFound
from assessments.selectors import has_valid_declaration
from credentials.documents import categories
from credentials.models import Credential
from credentials.services import register, status
from dossiers.uploads import check_upload

from . import notifications
from .links import access_token
from .models import (
    TRANSITIONS,
    About,
    Attachment,
    Case,
    CaseEvent,
    Kind,
    Message,
    Outcome,
    ReferenceCounter,
    Status,
)

NAME_MAX = 200
SUBJECT_MAX = 200
MESSAGE_MAX = 10_000
MESSAGE_MIN = 20


@dataclass(frozen=True)
class Upload:
    file: IO[bytes]
    name: str


# --- the private link ----------------------------------------------------------------------------------------


def case_for_link(*, case_id: uuid.UUID | str, token: str) -> Case:
    """The case behind a private link; ``NotFound`` for a wrong or erased one (the same answer for both)."""
    try:
        case = Case.objects.select_related("credential", "handler").get(pk=case_id, erased_at__isnull=True)
    except (Case.DoesNotExist, ValueError, DomainError):
        raise NotFound(_("This link does not lead to a case. Check that you copied the whole link.")) from None
    if not constant_time_compare(access_token(case), token or ""):
        raise NotFound(_("This link does not lead to a case. Check that you copied the whole link."))
    return case


# --- the sender's side ---------------------------------------------------------------------------------------


def submit_request(
    *,
    kind: str,
    about: str,
    sender_name: str,
    sender_email: str,
    subject: str,
    message: str,
    language: str,
    professional_name: str = "",
    credential_reference: str = "",
    uploads: list[Upload] | tuple[Upload, ...] = (),
) -> Case:
    """Write a question or complaint, unconfirmed until its sender follows the link e-mailed to them.

    A complaint about a professional names them; ``credential_reference`` (a credential's id, as the register's and
    the public page's links give it, or its serial, checked against the name) ties it to their credential. Whether it
    matched is not told to the sender. Attachments are checked as dossier evidence is (type by content, size); a
    refused one refuses the whole request and nothing is stored.
    """
    if kind not in Kind.values:
        raise DomainError(_("Choose whether you ask for information or lodge a complaint."), code="kind")
    if about not in About.values:
        raise DomainError(_("Choose whom your request is about."), code="about")
    sender_name = _text(sender_name, NAME_MAX, _("Enter your name."))
    sender_email = _text(sender_email, 254, _("Enter your e-mail address.")).lower()
    subject = _text(subject, SUBJECT_MAX, _("Enter a subject."))
    message = _text(message, MESSAGE_MAX, _("Describe your request."))
    if len(message) < MESSAGE_MIN:
        raise DomainError(
            _("Describe your request in at least %(count)d characters.") % {"count": MESSAGE_MIN}, code="message"
        )
    professional_name = " ".join((professional_name or "").split())[:NAME_MAX]
    credential = None
    if about == About.PROFESSIONAL:
        credential = _matching_credential(credential_reference, professional_name)
        if credential is not None and not professional_name:
            professional_name = credential.holder_name
        if not professional_name:
            raise DomainError(_("Enter the name of the professional your request is about."), code="professional")
    if len(uploads) > settings.DESK_MAX_ATTACHMENTS:
        raise DomainError(
            _("Attach at most %(count)d files.") % {"count": settings.DESK_MAX_ATTACHMENTS}, code="attachments"
        )
    checked = [(upload, check_upload(upload.file, max_bytes=settings.EVIDENCE_MAX_BYTES)) for upload in uploads]
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    stored: list[str] = []
    try:
        with transaction.atomic():
            case = Case.objects.create(
                kind=kind,
                about=about,
                professional_name=professional_name if about == About.PROFESSIONAL else "",
                credential=credential,
                sender_name=sender_name,
                sender_email=sender_email,
                language=language,
                subject=subject,
                message=message,
            )
            for upload, facts in checked:
                attachment = Attachment(
                    case=case,
                    original_name=(upload.name or "file")[-255:],
                    content_type=facts.content_type,
                    extension=facts.extension,
                    size=facts.size,
                    sha256=facts.sha256,
                )
                attachment.file.save("upload", File(upload.file), save=False)
                stored.append(attachment.file.name or "")
                attachment.save()
            _record(case, action="desk.submitted", actor=None, to_status=Status.UNCONFIRMED)
    except Exception:
        for name in stored:  # no rows, so no stored bytes either
            Attachment.file.field.storage.delete(name)
        raise
    return case


def confirm_request(*, case: Case) -> Case:
    """The sender followed the link: the case is received, numbered and its deadlines set; the sender gets the
    receipt and the association's staff are told. Following the link again changes nothing."""
    with transaction.atomic():
        row = _lock(case)
        if row.status != Status.UNCONFIRMED:
            return row
        now = timezone.now()
        row.reference = _next_reference(now.year)
        row.received_at = now
        row.acknowledge_by = now + datetime.timedelta(days=settings.DESK_ACKNOWLEDGE_DAYS)
        row.decide_by = now + datetime.timedelta(days=settings.DESK_DECIDE_DAYS)
        _move(
            row,
            to=Status.RECEIVED,
            actor=None,
            action="desk.received",
            fields=["reference", "received_at", "acknowledge_by", "decide_by"],
        )
    return row


def reply_as_sender(*, case: Case, body: str) -> Message:
    """The sender writes to the association through their private link, while the case is open."""
    body = _text(body, MESSAGE_MAX, _("Write your message."))
    with transaction.atomic():
        row = _lock(case)
        if not row.is_open:
            raise InvalidTransition(_("This case is closed: it takes no more messages."))
        message = Message.objects.create(
            case=row, author_party=Message.Party.SENDER, audience=Message.Audience.INTERNAL, body=body
        )
        _record(row, action="desk.sender_wrote", actor=None, data={"message": message.pk})
    return message


def reply_as_professional(*, case: Case, actor: User, body: str) -> Message:
    """The professional a complaint is about answers it, once they have been told of it."""
    if not is_professional_of(user=actor, case=case):
        raise NotAllowed(_("Only the professional this complaint is about can answer it here."))
    body = _text(body, MESSAGE_MAX, _("Write your answer."))
    with transaction.atomic():
        row = _lock(case)
        if row.professional_notified_at is None or not row.is_open:
            raise InvalidTransition(_("This complaint takes no answer from you now."))
        message = Message.objects.create(
            case=row,
            author_party=Message.Party.PROFESSIONAL,
            author=actor,
            audience=Message.Audience.INTERNAL,
            body=body,
        )
        _record(row, action="desk.professional_wrote", actor=actor, data={"message": message.pk})
    return message


# --- the association's side ----------------------------------------------------------------------------------


def assign_handler(*, case: Case, actor: User, handler: User) -> Case:
    """Staff give an open case to a handler: staff, or a committee member with a valid impartiality declaration,
    who is not the professional complained about. The handler declares any conflict before handling it."""
    _require_staff(actor)
    if not can_handle(handler):
        raise NotAllowed(
            _(
                "%(name)s cannot handle cases: handlers are staff, or committee members with a valid impartiality "
                "declaration."
            )
            % {"name": handler}
        )
    with transaction.atomic():
        row = _lock(case)
        _require_open(row)
        if row.credential is not None and row.credential.holder_id == handler.pk:
            raise NotAllowed(_("Nobody can handle a complaint about themselves."))
        if row.events.filter(action="desk.conflict_declared", actor=handler).exists():
            raise NotAllowed(_("%(name)s declared a conflict of interest on this case.") % {"name": handler})
        row.handler, row.handler_declared_at = handler, None
        row.save(update_fields=["handler", "handler_declared_at"])
        _record(row, action="desk.handler_assigned", actor=actor, data={"handler": handler.pk}, notify=True)
    return row


def declare_conflict(*, case: Case, actor: User, has_conflict: bool, reason: str = "") -> Case:
    """The assigned handler says whether they have a conflict of interest with the professional or the sender,
    before handling the case. A conflict takes the case off them (the declaration is kept)."""
    with transaction.atomic():
        row = _lock(case)
        if row.handler_id != actor.pk:
            raise NotAllowed(_("Only the case's handler declares a conflict of interest on it."))
        if row.handler_declared_at is not None:
            raise InvalidTransition(_("You have already declared that you have no conflict of interest."))
        if has_conflict:
            reason = _text(reason, MESSAGE_MAX, _("Say what the conflict of interest is."))
            row.handler = None
            row.save(update_fields=["handler"])
            _record(row, action="desk.conflict_declared", actor=actor, reason=reason)
        else:
            row.handler_declared_at = timezone.now()
            row.save(update_fields=["handler_declared_at"])
            _record(row, action="desk.no_conflict_declared", actor=actor)
    return row


def acknowledge(*, case: Case, actor: User, message: str = "") -> Case:
    """Tell the sender the case is in hand (within ``DESK_ACKNOWLEDGE_DAYS`` of its receipt)."""
    with transaction.atomic():
        row = _lock(case)
        _require_handling(row, actor)
        row.acknowledged_at = timezone.now()
        _move(
            row,
            to=Status.ACKNOWLEDGED,
            actor=actor,
            action="desk.acknowledged",
            fields=["acknowledged_at"],
            reason=_optional(message),
        )
    return row


def start_review(*, case: Case, actor: User) -> Case:
    """Start the investigation of a complaint. A professional it is about, whose credential it is tied to, is told
    and may answer."""
    with transaction.atomic():
        row = _lock(case)
        _require_handling(row, actor)
        if row.kind != Kind.COMPLAINT:
            raise InvalidTransition(_("Only complaints are reviewed; a request for information is answered."))
        fields: list[str] = []
        if row.credential_id and row.professional_notified_at is None:
            row.professional_notified_at = timezone.now()
            fields.append("professional_notified_at")
        _move(row, to=Status.UNDER_REVIEW, actor=actor, action="desk.review_started", fields=fields)
    return row


def start_mediation(*, case: Case, actor: User, note: str = "") -> Case:
    with transaction.atomic():
        row = _lock(case)
        _require_handling(row, actor)
        _move(row, to=Status.MEDIATION, actor=actor, action="desk.mediation_started", reason=_optional(note))
    return row


def end_mediation(*, case: Case, actor: User, note: str = "") -> Case:
    with transaction.atomic():
        row = _lock(case)
        _require_handling(row, actor)
        _move(row, to=Status.UNDER_REVIEW, actor=actor, action="desk.mediation_ended", reason=_optional(note))
    return row


def decide(*, case: Case, actor: User, outcome: str, conclusion: str) -> Case:
    """Close a complaint with its outcome and what the sender is told."""
    if outcome not in Outcome.values:
        raise DomainError(_("Choose the outcome: upheld, partly upheld or not upheld."), code="outcome")
    conclusion = _text(conclusion, MESSAGE_MAX, _("Write the decision's reasons, which the sender will read."))
    with transaction.atomic():
        row = _lock(case)
        _require_handling(row, actor)
        row.outcome, row.conclusion, row.closed_at = outcome, conclusion, timezone.now()
        _move(
            row,
            to=Status.DECIDED,
            actor=actor,
            action="desk.decided",
            fields=["outcome", "conclusion", "closed_at"],
            data={"outcome": outcome},
        )
    return row


def refer(*, case: Case, actor: User, conclusion: str) -> Case:
    """Close a case outside the association's remit, saying where the sender can turn."""
    conclusion = _text(conclusion, MESSAGE_MAX, _("Say where the sender can turn instead."))
    with transaction.atomic():
        row = _lock(case)
        _require_handling(row, actor)
        row.conclusion, row.closed_at = conclusion, timezone.now()
        _move(row, to=Status.REFERRED, actor=actor, action="desk.referred", fields=["conclusion", "closed_at"])
    return row


def answer(*, case: Case, actor: User, conclusion: str) -> Case:
    """Answer a request for information, which closes it."""
    conclusion = _text(conclusion, MESSAGE_MAX, _("Write the answer."))
    with transaction.atomic():
        row = _lock(case)
        _require_handling(row, actor)
        if row.kind != Kind.QUESTION:
            raise InvalidTransition(_("A complaint is decided or referred, not answered."))
        row.conclusion, row.closed_at = conclusion, timezone.now()
        _move(row, to=Status.ANSWERED, actor=actor, action="desk.answered", fields=["conclusion", "closed_at"])
    return row


def write(*, case: Case, actor: User, audience: str, body: str) -> Message:
    """The handler writes to the sender, to the professional (once told of the complaint), or an internal note."""
    if audience not in Message.Audience.values:
        raise DomainError(_("Choose whom the message is for."), code="audience")
    body = _text(body, MESSAGE_MAX, _("Write your message."))
    with transaction.atomic():
        row = _lock(case)
        _require_handling(row, actor, open_only=audience != Message.Audience.INTERNAL)
        if audience == Message.Audience.PROFESSIONAL and row.professional_notified_at is None:
            raise InvalidTransition(_("The professional has not been told of this complaint yet: start its review."))
        message = Message.objects.create(
            case=row, author_party=Message.Party.STAFF, author=actor, audience=audience, body=body
        )
        _record(
            row,
            action="desk.message_sent" if audience != Message.Audience.INTERNAL else "desk.note_added",
            actor=actor,
            data={"message": message.pk, "audience": audience},
            notify=audience != Message.Audience.INTERNAL,
        )
    return message


def act_on_credential(*, case: Case, actor: User, action: str, category: str, reason: str) -> Credential:
    """Suspend or revoke the credential of the professional a complaint is about, through the credentials' own
    status services, so that verifiers see it at once.

    Segregation of duties: an administrator who is not the case's handler decides. A suspension while the complaint
    is under review or in mediation is "under investigation"; a suspension or a revocation after it is decided needs
    it upheld (fully or partly).
    """
    if action not in {"suspend", "revoke"}:
        raise DomainError(_("Choose to suspend or to revoke the credential."), code="action")
    roles.require_admin(actor, _("Only administrators can suspend or revoke a credential."))
    with transaction.atomic():
        row = _lock(case)
        if row.handler_id == actor.pk or row.events.filter(action="desk.decided", actor=actor).exists():
            raise NotAllowed(_("The case's handler cannot also decide on the credential: another administrator does."))
        if row.credential is None:
            raise InvalidTransition(_("This case is tied to no credential."))
        if row.kind != Kind.COMPLAINT:
            raise InvalidTransition(_("Only a complaint can lead to a suspension or a revocation."))
        upheld = row.status == Status.DECIDED and row.outcome in {Outcome.UPHELD, Outcome.PARTLY_UPHELD}
        investigating = row.status in {Status.UNDER_REVIEW, Status.MEDIATION}
        if not (upheld or (investigating and action == "suspend" and category == categories.UNDER_INVESTIGATION)):
            raise InvalidTransition(
                _(
                    "A credential can be suspended during a complaint's review (under investigation), or suspended or "
                    "revoked once the complaint is upheld."
                )
            )
        if category not in {categories.MISCONDUCT, categories.UNDER_INVESTIGATION}:
            raise DomainError(
                _("A complaint's outcome is a breach of the code of conduct or an investigation."), code="category"
            )
        text = f"{reason.strip()} ({row.reference})" if reason.strip() else ""
        verb = status.suspend if action == "suspend" else status.revoke
        event = "desk.credential_suspended" if action == "suspend" else "desk.credential_revoked"
        credential = verb(credential=row.credential, actor=actor, category=category, reason=text)
        _record(
            row,
            action=event,
            actor=actor,
            reason=reason.strip(),
            data={"credential": str(credential.pk), "category": category},
        )
    return credential


def link_credential(*, case: Case, actor: User, credential: Credential | None) -> Case:
    """Staff tie a complaint to the professional's credential (or untie it) when the sender could not."""
    _require_staff(actor)
    with transaction.atomic():
        row = _lock(case)
        if row.about != About.PROFESSIONAL:
            raise InvalidTransition(_("This case is about the association, not a professional."))
        row.credential = credential
        row.save(update_fields=["credential"])
        _record(
            row,
            action="desk.credential_linked",
            actor=actor,
            data={"credential": str(credential.pk) if credential else None},
        )
    return row


# --- reads that decide permissions ---------------------------------------------------------------------------


def can_handle(user: User) -> bool:
    return roles.is_association_staff(user) or (
        bool(user and user.is_active) and user.committee_memberships.exists() and has_valid_declaration(user=user)
    )


def is_professional_of(*, user: User, case: Case) -> bool:
    return bool(user.is_authenticated and case.credential is not None and case.credential.holder_id == user.pk)


def handlers() -> list[User]:
    """Everyone who may be given a case, for the staff's choice."""
    candidates = User.objects.filter(is_active=True).order_by("last_name", "first_name", "email")
    return [user for user in candidates if can_handle(user)]


# --- helpers -------------------------------------------------------------------------------------------------


def _matching_credential(reference: str, name: str) -> Credential | None:
    reference = " ".join((reference or "").split())
    if not reference:
        return None
    try:
        credential_id = uuid.UUID(reference)
    except ValueError:
        pass
    else:
        return Credential.objects.filter(pk=credential_id, issuance=Credential.Issuance.DONE).first()
    if not name:
        raise DomainError(
            _("Enter the professional's name as well as the serial number, as printed on the certificate."),
            code="professional",
        )
    try:
        return register.find_by_serial(serial=reference, holder_name=name)
    except DomainError:
        return None


def _next_reference(year: int) -> str:
    counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(year=year)
    ReferenceCounter.objects.filter(pk=year).update(last=F("last") + 1)
    counter.refresh_from_db()
    return f"DESK-{year}-{counter.last:06d}"


def _text(value: str, max_length: int, required: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(required, code="required")
    if len(value) > max_length:
        raise DomainError(
            _("This text is too long: at most %(count)d characters.") % {"count": max_length}, code="too_long"
        )
    return value


def _optional(value: str) -> str:
    value = (value or "").strip()
    if len(value) > MESSAGE_MAX:
        raise DomainError(_("This text is too long: at most %(count)d characters.") % {"count": MESSAGE_MAX})
    return value


def _require_staff(actor: User) -> None:
    roles.require_association_staff(actor, _("Only the association's staff can do this."))


def _require_open(row: Case) -> None:
    if not row.is_open:
        raise InvalidTransition(_("This case is not open."))


def _require_handling(row: Case, actor: User, *, open_only: bool = True) -> None:
    """The case's handler, once they declared no conflict of interest, acts on it while it is open."""
    if row.handler_id != actor.pk:
        raise NotAllowed(_("Only the case's handler can do this."))
    if row.handler_declared_at is None:
        raise NotAllowed(
            _("Declare first that you have no conflict of interest on this case."), code="declaration_required"
        )
    if open_only:
        _require_open(row)


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("credential").get(pk=case.pk)


def _move(
    row: Case,
    *,
    to: str,
    actor: User | None,
    action: str,
    fields: list[str] | tuple[str, ...] = (),
    reason: str = "",
    data: dict | None = None,
) -> CaseEvent:
    from_status = row.status
    if to not in TRANSITIONS[from_status]:
        raise InvalidTransition(
            _("A case cannot go from “%(from)s” to “%(to)s”.")
            % {"from": Status(from_status).label, "to": Status(to).label}
        )
    row.status = to
    row.save(update_fields=["status", *fields])
    return _record(
        row, action=action, actor=actor, from_status=from_status, to_status=to, reason=reason, data=data, notify=True
    )


def _record(
    row: Case,
    *,
    action: str,
    actor: User | None,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    data: dict | None = None,
    notify: bool = False,
) -> CaseEvent:
    event = CaseEvent.objects.create(
        case=row,
        action=action,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data or {},
    )
    if notify or action == "desk.submitted":
        notifications.queue_for_event(event=event)
    return event
