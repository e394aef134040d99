"""Renewal: a holder applies with their CPD record, staff decide, an approval issues a *new* credential.

The application's lifecycle is :data:`TRANSITIONS`. Every verb, in one transaction, locks the old credential
(then the application), checks the transition, saves, writes a ``CredentialEvent`` on the old credential
(``renewal.*``: who, from, to, the note) and, once committed, e-mails the holder in their language
(a Celery task that takes the event's id and marks it sent, so a retry never sends twice).

The renewed credential:
- is created by :func:`credentials.services.issuance.create_credential` with ``basis=renewal`` and
  ``predecessor=<the old one>``: a new id and serial, valid from the old ``valid_until`` (or from the moment of
  approval when the old one has already expired, within the grace period), issued through the same pipeline;
- the old credential is **not** revoked: it stays valid until its own end and then expires;
- ``Credential.predecessor`` is one-to-one, so two approvals that race (two reviewers, or a reviewer and an
  admin's bulk job) cannot both create a successor: the old credential's row is locked first, and the
  database refuses the second successor even if that lock were bypassed.

Who: the holder applies and resubmits; reviewers (role administrator, or staff) decide. A holder may apply from
``RENEWAL_WINDOW_DAYS`` before the end of validity until ``RENEWAL_GRACE_DAYS`` after it, unless the
credential is revoked or suspended, is still being issued, or was already renewed. A holder whose CPD does not
meet the profile's rules may still apply, but only by acknowledging it (``acknowledge_cpd_shortfall``): the
reviewers then see it, and approve only with a note that says why. :func:`outlook` tells the holder's pages and
API where a credential stands in that window (the expiry banner, ``days_to_expiry``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from aipia import days
from aipia.errors import DomainError, InvalidTransition, NotAllowed
from credentials.models import Credential, CredentialEvent, RenewalApplication
from credentials.services import cpd, texts
from credentials.services.clock import local_date
from credentials.services.issuance import create_credential
from outbox import services as outbox

AppStatus = RenewalApplication.Status
OPEN_STATUSES = frozenset({AppStatus.SUBMITTED, AppStatus.MORE_INFO})

TRANSITIONS: dict[str, frozenset[str]] = {
    AppStatus.SUBMITTED: frozenset(
        {AppStatus.MORE_INFO, AppStatus.APPROVED, AppStatus.REJECTED, AppStatus.REASSESSMENT}
    ),
    # While the holder owes an answer, staff may still close the application (reject, re-assess) but not approve
    # it: approval is of what the holder resubmits.
    AppStatus.MORE_INFO: frozenset({AppStatus.SUBMITTED, AppStatus.REJECTED, AppStatus.REASSESSMENT}),
    AppStatus.APPROVED: frozenset(),
    AppStatus.REJECTED: frozenset(),
    AppStatus.REASSESSMENT: frozenset(),
}
TEXT_MAX_LENGTH = texts.TEXT_MAX_LENGTH
_RENEWABLE = frozenset({Credential.Status.ACTIVE, Credential.Status.EXPIRED})


# --- who and when ------------------------------------------------------------------------------------------------


def window(credential: Credential) -> tuple[datetime.datetime, datetime.datetime]:
    """When the holder may apply: ``RENEWAL_WINDOW_DAYS`` before the end of validity to ``RENEWAL_GRACE_DAYS``
    after it (both inclusive).

    Calendar days in the issuer's time zone, as the expiry reminders count them: a validity that ends at midnight
    there opens and closes its window at midnight there, even across a change of daylight-saving time (the
    arithmetic is on the local wall clock, not on UTC)."""
    end = credential.valid_until.astimezone(ZoneInfo(settings.TIME_ZONE))
    return (
        end - datetime.timedelta(days=settings.RENEWAL_WINDOW_DAYS),
        end + datetime.timedelta(days=settings.RENEWAL_GRACE_DAYS),
    )


def in_window(credential: Credential, *, now: datetime.datetime | None = None) -> bool:
    opens, closes = window(credential)
    return opens <= (now or timezone.now()) <= closes


def renewal_refusal(credential: Credential, *, now: datetime.datetime | None = None) -> str | None:
    """Why the holder cannot apply for renewal of ``credential`` now (a sentence), or None if they can.

    Does not look at open applications: :func:`apply_for_renewal` refuses a second one separately."""
    now = now or timezone.now()
    refusal = status_refusal(credential)
    if refusal:
        return refusal
    if Credential.objects.filter(predecessor=credential).exists():
        return _("This credential has already been renewed.")
    opens, closes = window(credential)
    if now < opens:
        return _("Renewal opens on %(date)s, %(days)d days before the end of validity.") % {
            "date": timezone.localdate(opens).isoformat(),
            "days": settings.RENEWAL_WINDOW_DAYS,
        }
    if now > closes:
        return _(
            "The renewal period ended on %(date)s, %(days)d days after the end of validity: "
            "submit a new dossier to be certified again."
        ) % {"date": timezone.localdate(closes).isoformat(), "days": settings.RENEWAL_GRACE_DAYS}
    return None


def status_refusal(credential: Credential) -> str | None:
    """Why ``credential``'s status rules out any renewal (revoked, suspended, still being issued), or None."""
    if credential.status == Credential.Status.REVOKED:
        return _("This credential is revoked: it cannot be renewed.")
    if credential.status == Credential.Status.SUSPENDED:
        return _("This credential is suspended: it can be renewed once the suspension has been lifted.")
    if credential.status not in _RENEWABLE or credential.issuance != Credential.Issuance.DONE:
        return _("This credential is still being issued.")
    return None


def rule_problems(
    credential: Credential, *, now: datetime.datetime | None = None, progress: cpd.CpdProgress | None = None
) -> list[str]:
    """Where renewing ``credential`` now would depart from the rules a holder's application keeps (a sentence
    each): outside the renewal window, or the profile's CPD rules not met (``progress``: the CPD check, when the
    caller has made it). Empty when it keeps them. Whether the credential can be renewed at all (revoked,
    suspended, renewed already) is :func:`renewal_refusal`'s."""
    now = now or timezone.now()
    problems = []
    opens, closes = window(credential)
    if now < opens:
        problems.append(
            _("Outside the renewal window, which opens on %(date)s (%(days)d days before the end of validity).")
            % {"date": timezone.localdate(opens).isoformat(), "days": settings.RENEWAL_WINDOW_DAYS}
        )
    elif now > closes:
        problems.append(
            _("Outside the renewal window, which closed on %(date)s (%(days)d days after the end of validity).")
            % {"date": timezone.localdate(closes).isoformat(), "days": settings.RENEWAL_GRACE_DAYS}
        )
    if progress is None:
        progress = cpd.progress_for(credential, today=timezone.localdate(now))
    if not progress.met:
        problems.append(_("CPD rules not met: %(problems)s") % {"problems": " ".join(progress.problems)})
    return problems


@dataclass(frozen=True)
class RenewalOutlook:
    """Where a credential stands in its renewal window, for the holder (:func:`outlook`).

    ``state``: ``renewed`` (it has a successor), ``unavailable`` (revoked, suspended or still being issued; or an
    attestation, which follows the membership and, like the expiry reminders, leaves CPD renewal aside),
    ``not_open`` (before the window), ``expiring`` (in the window, still valid), ``grace`` (expired, renewal
    still possible), ``closed`` (expired, the grace period over: only a new dossier certifies again).
    ``days_to_expiry``: calendar days (issuer's time zone) from today to ``last_day``, the last day of validity:
    0 on that day, negative once it has passed. ``closes_on``: the last day an application is accepted,
    ``days_to_close`` away.
    ``next_step``: what the holder can do about it: ``apply``, ``open_application`` (one is waiting for staff),
    ``answer`` (staff asked for more), ``new_dossier`` (sent to a full re-assessment, or the period is over),
    or "" (nothing: renewed, unavailable, or not yet).
    """

    state: str
    days_to_expiry: int
    last_day: datetime.date
    opens_on: datetime.date
    closes_on: datetime.date
    days_to_close: int
    application: RenewalApplication | None
    next_step: str

    @property
    def days_since_expiry(self) -> int:
        return -self.days_to_expiry

    @property
    def shows_banner(self) -> bool:
        """Whether the holder's pages warn about the end of validity: from the window's opening on."""
        return self.state in ("expiring", "grace", "closed")


def outlook(credential: Credential, *, now: datetime.datetime | None = None) -> RenewalOutlook:
    """Where ``credential`` stands in its renewal window as of ``now``: the one reading of :func:`window` (and so
    of ``RENEWAL_WINDOW_DAYS`` and ``RENEWAL_GRACE_DAYS``) that the holder's pages and API show. Reads only."""
    now = now or timezone.now()
    opens, closes = window(credential)
    zone = ZoneInfo(settings.TIME_ZONE)
    last_day = days.last_day(credential.valid_until, zone)
    application = latest_application(credential)
    if Credential.objects.filter(predecessor=credential).exists():
        state = "renewed"
    elif status_refusal(credential) or credential.kind != Credential.Kind.CERTIFICATION:
        state = "unavailable"
    elif now < opens:
        state = "not_open"
    elif now < credential.valid_until:
        state = "expiring"
    elif now <= closes:
        state = "grace"
    else:
        state = "closed"
    today = local_date(now)
    closes_on = days.last_day(closes, zone)
    return RenewalOutlook(
        state=state,
        days_to_expiry=(last_day - today).days,
        last_day=last_day,
        opens_on=local_date(opens),
        closes_on=closes_on,
        days_to_close=(closes_on - today).days,
        application=application,
        next_step=_next_step(state, application),
    )


def _next_step(state: str, application: RenewalApplication | None) -> str:
    status = application.status if application is not None else ""
    if state in ("renewed", "unavailable", "not_open"):
        return ""
    if status == AppStatus.SUBMITTED:
        return "open_application"
    if status == AppStatus.MORE_INFO:
        return "answer"
    if state == "closed" or status == AppStatus.REASSESSMENT:
        return "new_dossier"
    return "apply"


def open_application(credential: Credential) -> RenewalApplication | None:
    return credential.renewal_applications.filter(status__in=OPEN_STATUSES).first()


def latest_application(credential: Credential) -> RenewalApplication | None:
    return credential.renewal_applications.order_by("-submitted_at").first()


def review_queue() -> QuerySet[RenewalApplication]:
    """Applications waiting for staff first (oldest first), then those waiting for the holder."""
    return (
        RenewalApplication.objects.filter(status__in=OPEN_STATUSES)
        .select_related("credential__profile", "applicant")
        .order_by("-status", "submitted_at")  # "submitted" sorts after "more_info": reversed puts it first
    )


# --- the holder's verbs ------------------------------------------------------------------------------------------


def apply_for_renewal(
    *, credential: Credential, holder: User, declaration: str, acknowledge_cpd_shortfall: bool = False
) -> RenewalApplication:
    """Submit the holder's application with a snapshot of their CPD record and its rule check.

    When the CPD rules are not met, the holder must say that they apply knowing it
    (``acknowledge_cpd_shortfall``): otherwise :class:`CpdShortfallNotAcknowledged` and nothing is written.
    Staff are told by e-mail, and the holder receives an acknowledgement, once the transaction commits."""
    declaration = _required_text(declaration, _("Declare your continued practice of the profession."))
    with transaction.atomic():
        row = _lock_credential(credential)
        if row.holder_id != holder.pk:
            raise NotAllowed(_("Only the holder can apply for the renewal of this credential."))
        refusal = renewal_refusal(row)
        if refusal:
            raise InvalidTransition(refusal, code="renewal_not_possible")
        if open_application(row) is not None:
            raise InvalidTransition(
                _("An application for this credential is already open."), code="renewal_already_open"
            )
        if row.renewal_applications.filter(status=AppStatus.REASSESSMENT).exists():
            raise InvalidTransition(
                _("This credential was sent to a full re-assessment: submit a new dossier."),
                code="renewal_reassessment",
            )
        snapshot = _acknowledged_snapshot(row, acknowledge_cpd_shortfall)
        application = RenewalApplication.objects.create(
            credential=row,
            applicant=holder,
            status=AppStatus.SUBMITTED,
            declaration=declaration,
            cpd_snapshot=snapshot,
            submitted_at=timezone.now(),
        )
        _audit(
            application,
            actor=holder,
            action="renewal.submitted",
            from_status="",
            note="",
            cpd_shortfall_acknowledged=not snapshot["progress"]["met"],
        )
    return application


class CpdShortfallNotAcknowledged(DomainError):
    """The holder applies with CPD that does not meet the rules, without saying they know it. ``details``: what
    is missing (the rule check's sentences)."""

    def __init__(self, problems: list[str]):
        super().__init__(
            _(
                "Your CPD does not meet the profile's rules yet. To apply all the same, confirm that you understand "
                "your CPD is incomplete and that your application may be refused or sent to a full re-assessment."
            ),
            code="cpd_shortfall_not_acknowledged",
            details=problems,
        )


def _acknowledged_snapshot(credential: Credential, acknowledged: bool) -> dict:
    """The CPD snapshot an application keeps; refused (:class:`CpdShortfallNotAcknowledged`) when the rules are
    not met and the holder did not acknowledge it. The snapshot records the acknowledgement."""
    activities = list(credential.cpd_activities.order_by("date", "pk"))
    progress = cpd.progress_for(credential, activities=activities)
    if not progress.met and not acknowledged:
        raise CpdShortfallNotAcknowledged(progress.problems)
    snapshot = cpd.snapshot(credential, activities=activities, progress=progress)
    if not progress.met:
        snapshot["shortfall_acknowledged"] = True
    return snapshot


def resubmit(
    *, application: RenewalApplication, holder: User, declaration: str, acknowledge_cpd_shortfall: bool = False
) -> RenewalApplication:
    """The holder answers a request for more information: a new declaration and a fresh CPD snapshot, with the
    same acknowledgement as :func:`apply_for_renewal` when the CPD rules are still not met."""
    declaration = _required_text(declaration, _("Declare your continued practice of the profession."))
    with transaction.atomic():
        _lock_credential(application.credential)
        row = _lock_application(application)
        if row.applicant_id != holder.pk or row.credential.holder_id != holder.pk:
            raise NotAllowed(_("Only the holder can answer for this application."))
        _check_transition(row, AppStatus.SUBMITTED)
        snapshot = _acknowledged_snapshot(row.credential, acknowledge_cpd_shortfall)
        row.status = AppStatus.SUBMITTED
        row.declaration = declaration
        row.cpd_snapshot = snapshot
        row.submitted_at = timezone.now()
        row.save(update_fields=["status", "declaration", "cpd_snapshot", "submitted_at"])
        _audit(
            row,
            actor=holder,
            action="renewal.resubmitted",
            from_status=AppStatus.MORE_INFO,
            note="",
            cpd_shortfall_acknowledged=not snapshot["progress"]["met"],
        )
    return row


# --- the reviewers' verbs ----------------------------------------------------------------------------------------


def request_more_information(*, application: RenewalApplication, reviewer: User, note: str) -> RenewalApplication:
    """Ask the holder for more (evidence, hours, a clearer declaration); the note says what."""
    note = _required_text(note, _("Say what information is needed."))
    return _decide(application, reviewer=reviewer, to=AppStatus.MORE_INFO, note=note, action="renewal.more_info")


def reject_renewal(*, application: RenewalApplication, reviewer: User, note: str) -> RenewalApplication:
    """Refuse the renewal, with the reason the holder reads. The old credential keeps its own end date."""
    note = _required_text(note, _("A rejection needs a reason, which the holder will read."))
    return _decide(application, reviewer=reviewer, to=AppStatus.REJECTED, note=note, action="renewal.rejected")


def send_to_reassessment(*, application: RenewalApplication, reviewer: User, note: str) -> RenewalApplication:
    """The CPD record does not justify a renewal: the holder must go through a full assessment (a new dossier)."""
    note = _required_text(note, _("Explain why a full re-assessment is needed."))
    return _decide(application, reviewer=reviewer, to=AppStatus.REASSESSMENT, note=note, action="renewal.reassessment")


def approve_renewal(*, application: RenewalApplication, reviewer: User, note: str = "") -> Credential:
    """Approve and create the renewed credential (issued on commit). Approving although the CPD rules were not
    met at submission needs a note that says why. Raises InvalidTransition if the credential was renewed
    meanwhile (by another approval or a bulk renewal)."""
    _require_reviewer(reviewer)
    note = _optional_text(note)
    with transaction.atomic():
        old = _lock_credential(application.credential)
        row = _lock_application(application)
        _check_transition(row, AppStatus.APPROVED)
        if not (row.cpd_snapshot or {}).get("progress", {}).get("met") and not note:
            raise DomainError(
                _("The CPD rules were not met when the holder applied: say why you approve nonetheless."),
                code="note_required",
            )
        new = _renew_locked(old, actor=reviewer)
        row.status = AppStatus.APPROVED
        row.reviewed_by, row.reviewed_at, row.review_note = reviewer, timezone.now(), note
        row.new_credential = new
        row.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note", "new_credential"])
        _audit(row, actor=reviewer, action="renewal.approved", from_status=AppStatus.SUBMITTED, note=note)
    return new


class OutsideRenewalRules(DomainError):
    """A renewal by policy that the renewal rules do not allow now, and that no override reason justifies."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems), code="outside_renewal_rules")
        self.problems = problems


def renew_by_policy(*, credential: Credential, actor: User, note: str, override_reason: str = "") -> Credential:
    """An administrator's renewal without a holder's application (approved off-line or by policy), e.g. from a
    bulk job: records an approved application (``by_policy``) and creates the renewed credential.

    The rules of a holder's application apply (:func:`rule_problems`: the renewal window, the CPD rules): outside
    them it raises :class:`OutsideRenewalRules`, unless ``override_reason`` says why the administrator renews
    nonetheless; the reason and what was overridden are recorded on the credential (its ``renewal.approved``
    event and the application's note).

    Idempotent: if ``credential`` already has a successor, that successor is returned and nothing is written, so
    a resumed or repeated job is harmless. An application the holder has open is approved by it. Refused for a
    revoked, suspended or not yet issued credential."""
    return renew_by_policy_once(credential=credential, actor=actor, note=note, override_reason=override_reason)[0]


def renew_by_policy_once(
    *, credential: Credential, actor: User, note: str, override_reason: str = ""
) -> tuple[Credential, bool]:
    """:func:`renew_by_policy`, telling also whether this call made the successor (False: it already existed)."""
    _require_reviewer(actor)
    note = _optional_text(note)
    override_reason = _optional_text(override_reason)
    with transaction.atomic():
        old = _lock_credential(credential)
        existing = Credential.objects.filter(predecessor=old).first()
        if existing is not None:
            return existing, False
        if old.status == Credential.Status.REVOKED:
            raise InvalidTransition(_("This credential is revoked: it cannot be renewed."))
        if old.status == Credential.Status.SUSPENDED:
            raise InvalidTransition(
                _("This credential is suspended: it can be renewed once the suspension has been lifted.")
            )
        if old.status not in _RENEWABLE:
            raise InvalidTransition(_("This credential is still being issued."))
        # The CPD record is read once: for the rules, and for the application's snapshot.
        activities = list(old.cpd_activities.order_by("date", "pk"))
        progress = cpd.progress_for(old, activities=activities)
        problems = rule_problems(old, progress=progress)
        if problems and not override_reason:
            raise OutsideRenewalRules(problems)
        new = _renew_locked(old, actor=actor, checked=True)
        now = timezone.now()
        application = open_application(old)
        from_status = ""
        if application is None:
            application = RenewalApplication(
                credential=old,
                applicant=old.holder,
                declaration="",
                cpd_snapshot=cpd.snapshot(old, activities=activities, progress=progress),
                submitted_at=now,
                by_policy=True,
            )
        else:
            application = _lock_application(application)
            from_status = application.status
        if problems:
            note = _join_override(note, problems, override_reason)
        application.status = AppStatus.APPROVED
        application.reviewed_by, application.reviewed_at, application.review_note = actor, now, note
        application.new_credential = new
        application.save()
        _audit(
            application,
            actor=actor,
            action="renewal.approved",
            from_status=from_status,
            note=note,
            by_policy=True,
            overridden=problems,
            override_reason=override_reason if problems else "",
        )
    return new, True


def _join_override(note: str, problems: list[str], reason: str) -> str:
    """The application's note when an administrator renewed outside the rules: the note, then what was overridden
    and why."""
    override = _("Renewed outside the rules (%(problems)s) because: %(reason)s") % {
        "problems": " ".join(problems),
        "reason": reason,
    }
    return f"{note}\n{override}" if note else override


# --- internals ---------------------------------------------------------------------------------------------------


def _renew_locked(old: Credential, *, actor: User, checked: bool = False) -> Credential:
    """Create the successor of ``old`` (whose row the caller holds locked, and, ``checked``, found without one)."""
    if not checked and Credential.objects.filter(predecessor=old).exists():
        raise InvalidTransition(_("This credential has already been renewed."), code="already_renewed")
    now = timezone.now().replace(microsecond=0)
    # The new validity continues the old one without a gap; after expiry (within grace) it starts now.
    valid_from = old.valid_until if old.valid_until > now else now
    return create_credential(
        holder=old.holder,
        profile=old.profile,
        # The holder stays certified under the scheme they were assessed against; a renewal is no reassessment.
        scheme_version=old.scheme_version,
        kind=old.kind,
        basis=Credential.Basis.RENEWAL,
        predecessor=old,
        valid_from=valid_from,
        decided_at=now,
        actor=actor,
    )


def _decide(application: RenewalApplication, *, reviewer: User, to: str, note: str, action: str) -> RenewalApplication:
    _require_reviewer(reviewer)
    with transaction.atomic():
        _lock_credential(application.credential)
        row = _lock_application(application)
        from_status = row.status
        _check_transition(row, to)
        row.status = to
        row.reviewed_by, row.reviewed_at, row.review_note = reviewer, timezone.now(), note
        row.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
        _audit(row, actor=reviewer, action=action, from_status=from_status, note=note)
    return row


def _check_transition(application: RenewalApplication, to: str) -> None:
    if to not in TRANSITIONS[application.status]:
        raise InvalidTransition(
            _("This application is %(status)s: that is no longer possible.")
            % {"status": application.get_status_display().lower()}
        )


def _lock_credential(credential: Credential) -> Credential:
    # The credential's row only (not its profile or holder), so renewals of different credentials run in parallel.
    return Credential.objects.select_for_update(of=("self",)).select_related("holder", "profile").get(pk=credential.pk)


def _lock_application(application: RenewalApplication) -> RenewalApplication:
    return (
        RenewalApplication.objects.select_for_update(of=("self",))
        .select_related("credential__holder", "credential__profile")
        .get(pk=application.pk)
    )


def _require_reviewer(user: User | None) -> None:
    roles.require_association_staff(user, _("Only the association's staff can decide on renewals."))


def _required_text(text: str, message: str) -> str:
    return texts.checked_text(text, kind="text", max_length=TEXT_MAX_LENGTH, required=message)


def _optional_text(text: str) -> str:
    return texts.checked_text(text, kind="text", max_length=TEXT_MAX_LENGTH)


def _audit(
    application: RenewalApplication,
    *,
    actor: User,
    action: str,
    from_status: str,
    note: str,
    by_policy: bool = False,
    overridden: list[str] | None = None,
    override_reason: str = "",
    cpd_shortfall_acknowledged: bool = False,
) -> CredentialEvent:
    """The audit row on the old credential; the holder (and, for a submission, staff) are e-mailed on commit."""
    data: dict = {"application": str(application.pk)}
    if cpd_shortfall_acknowledged:
        data["cpd_shortfall_acknowledged"] = True
    if application.new_credential_id:
        data["new_credential"] = str(application.new_credential_id)
    if by_policy:
        data["by_policy"] = True
    if overridden:
        data["rules_overridden"] = overridden
        data["override_reason"] = override_reason
    event = CredentialEvent.objects.create(
        credential_id=application.credential_id,
        action=action,
        actor=actor,
        from_status=from_status,
        to_status=application.status,
        reason=note,
        data=data,
    )
    queue_renewal_emails(event=event)
    if action == "renewal.approved" and application.new_credential_id:
        outbox.emit_resource_event(
            event_type="credential.renewed",
            resource="credential",
            pk=application.new_credential_id,
            instance=application.new_credential,
            extra={"previous_credential": str(application.credential_id)},
        )
    return event


# --- notifications -----------------------------------------------------------------------------------------------

_MAIL_ACTIONS = frozenset(
    {
        "renewal.submitted",
        "renewal.resubmitted",
        "renewal.more_info",
        "renewal.approved",
        "renewal.rejected",
        "renewal.reassessment",
    }
)


def staff_recipients() -> list[str]:
    return list(
        User.objects.filter(Q(role=User.Role.ADMIN) | Q(is_staff=True), is_active=True)
        .order_by("pk")
        .values_list("email", flat=True)
    )


def queue_renewal_emails(*, event: CredentialEvent) -> bool:
    """Write the e-mail to the holder about one renewal event, in their language, into the outbox in the caller's
    transaction (sent after the commit, once per event); a submission or resubmission also tells staff. Returns
    False when there is nothing to send."""
    if event.action not in _MAIL_ACTIONS:
        return False
    credential = Credential.objects.select_related("holder", "profile").get(pk=event.credential_id)
    holder = credential.holder
    site = settings.SITE_URL.rstrip("/")
    with translation.override(holder.preferred_language):
        values = {
            "serial": credential.serial,
            "profile": credential.profile.tr("title"),
            "note": event.reason,
            "url": f"{site}/credentials/{credential.pk}/renewal/",
            "new_url": f"{site}/credentials/{event.data.get('new_credential')}/",
        }
        subject, body = _holder_message(event.action, values)
    outbox.queue_email(
        to=[holder.email],
        subject=subject,
        language=holder.preferred_language,
        context={"body": body},
        dedupe_key=f"credentials.renewal:{event.pk}",
    )
    if event.action in ("renewal.submitted", "renewal.resubmitted"):
        staff = staff_recipients()
        if staff:
            with translation.override(settings.LANGUAGE_CODE):
                values["profile"] = credential.profile.tr("title")
                subject = _("[AIPIA] Renewal application to review: %(serial)s") % values
                body = _(
                    "%(holder)s has applied for the renewal of %(serial)s (%(profile)s).\n\nReview it: %(review_url)s\n"
                ) % {
                    **values,
                    "holder": credential.holder_name,
                    "review_url": f"{site}/credentials/renewals/{event.data.get('application')}/",
                }
            outbox.queue_email(
                to=staff,
                subject=subject,
                language=settings.LANGUAGE_CODE,
                context={"body": body},
                dedupe_key=f"credentials.renewal-staff:{event.pk}",
            )
    return True


def _holder_message(action: str, values: dict) -> tuple[str, str]:
    if action in ("renewal.submitted", "renewal.resubmitted"):
        return (
            _("[AIPIA] We received your renewal application for %(serial)s") % values,
            _(
                "Your application to renew %(serial)s (%(profile)s) has been received; the association's staff "
                "will review your CPD record and let you know.\n\n%(url)s\n"
            )
            % values,
        )
    if action == "renewal.more_info":
        return (
            _("[AIPIA] Your renewal application for %(serial)s needs more information") % values,
            _(
                "The association's staff need more information to decide on the renewal of %(serial)s "
                "(%(profile)s):\n\n%(note)s\n\nAdd it and submit your application again: %(url)s\n"
            )
            % values,
        )
    if action == "renewal.approved":
        return (
            _("[AIPIA] Your credential %(serial)s is renewed") % values,
            _(
                "Your renewal of %(serial)s (%(profile)s) is approved. Your new credential is being issued and "
                "will arrive by e-mail; it continues where the current one ends, which stays valid until then.\n\n"
                "%(note)s\n\n%(new_url)s\n"
            )
            % values,
        )
    if action == "renewal.rejected":
        return (
            _("[AIPIA] Your renewal application for %(serial)s was not approved") % values,
            _(
                "The association's staff did not approve the renewal of %(serial)s (%(profile)s).\n\n"
                "Reason: %(note)s\n\nYour credential stays valid until its end date.\n\n%(url)s\n"
            )
            % values,
        )
    return (
        _("[AIPIA] Renewal of %(serial)s: a full re-assessment is needed") % values,
        _(
            "Your CPD record does not allow the renewal of %(serial)s (%(profile)s) by CPD alone:\n\n%(note)s\n\n"
            "To be certified again, submit a new dossier for a full assessment.\n\n%(url)s\n"
        )
        % values,
    )
