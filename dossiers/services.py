"""Every write to a dossier: content, evidence files, submission and the other lifecycle verbs.

Each lifecycle function locks the dossier row, checks the transition table, saves with
``update_fields``, writes a DossierEvent in the same transaction, and enqueues its notification only
when the transaction commits, so a rolled-back change never sends mail.
"""

from __future__ import annotations

import datetime
from functools import partial
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.services import ensure_member_in_good_standing
from aipia.errors import DomainError, InvalidTransition, NotAllowed
from outbox import services as outbox
from profiles.models import EcfCompetence, Profile

from .completeness import missing_items
from .manifests import build_manifest, manifest_digest
from .models import (
    EDITABLE_STATUSES,
    TRANSITIONS,
    Dossier,
    DossierEvent,
    DossierStatus,
    DossierSubmission,
    EvidenceFile,
    ExperienceEntry,
    ProjectEntry,
    SelfAssessment,
    TrainingEntry,
)
from .signals import dossier_status_changed, dossier_submitted
from .uploads import ALLOWED, check_upload


class DossierIncomplete(DomainError):
    code = "dossier_incomplete"


# --- helpers -------------------------------------------------------------------------------------------


def _lock(dossier: Dossier) -> Dossier:
    return Dossier.objects.select_for_update().select_related("profile", "owner").get(pk=dossier.pk)


def _ensure_owner(dossier: Dossier, actor: User) -> None:
    if dossier.owner_id != actor.pk:
        raise NotAllowed(_("Only the applicant can change this dossier."))


def _ensure_editable(dossier: Dossier) -> None:
    if dossier.status not in EDITABLE_STATUSES:
        raise InvalidTransition(
            _("This dossier can no longer be changed (its status is: %(status)s).")
            % {"status": dossier.get_status_display()}
        )


def _editable_dossier(dossier: Dossier, actor: User) -> Dossier:
    locked = _lock(dossier)
    _ensure_owner(locked, actor)
    _ensure_editable(locked)
    return locked


def _record(
    dossier: Dossier,
    *,
    action: str,
    actor: User | None,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> DossierEvent:
    return DossierEvent.objects.create(
        dossier=dossier,
        action=action,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data or {},
    )


def _transition(dossier: Dossier, *, to: str, actor: User | None, action: str, reason: str = "") -> DossierEvent:
    """Move a locked dossier to ``to`` if the table allows it; audit it; notify the owner on commit."""
    if to not in TRANSITIONS[dossier.status]:
        raise InvalidTransition(
            _("This is not possible while the dossier's status is: %(status)s.")
            % {"status": dossier.get_status_display()}
        )
    from_status = dossier.status
    dossier.status = to
    fields = ["status", "updated_at"]
    if to == DossierStatus.SUBMITTED:
        dossier.submitted_at = timezone.now()
        fields.append("submitted_at")
    dossier.save(update_fields=fields)
    event = _record(dossier, action=action, actor=actor, from_status=from_status, to_status=to, reason=reason)
    dossier_status_changed.send(
        sender=Dossier, dossier=dossier, from_status=from_status, to_status=to, actor=actor, event=event
    )
    queue_status_email(event=event)
    outbox.emit_resource_event(
        event_type="dossier.status_changed",
        resource="dossier",
        pk=dossier.pk,
        extra={"from_status": from_status, "to_status": to},
    )
    return event


def _validated_save(obj: Any, *, exclude: list[str] | None = None, update_fields: list[str] | None = None) -> None:
    """Save ``obj`` after the model's own validation (lengths, ranges), answering bad input as DomainError."""
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        messages = [f"{field}: {' '.join(errors)}" for field, errors in exc.message_dict.items()]
        raise DomainError(" ".join(messages), code="invalid", details=messages) from exc
    obj.save(update_fields=update_fields)


def _touch(dossier: Dossier) -> None:
    dossier.save(update_fields=["updated_at"])


def _own_files(dossier: Dossier, files: list[EvidenceFile] | None) -> list[EvidenceFile]:
    files = list(files or [])
    if any(f.dossier_id != dossier.pk or f.removed_at is not None for f in files):
        raise DomainError(_("Evidence can only be linked to files of this dossier."))
    return files


# --- starting and content ------------------------------------------------------------------------------


@transaction.atomic
def start_dossier(*, owner: User, profile: Profile) -> Dossier:
    """Open a draft dossier for ``profile``; refused if the owner already has an open one for it."""
    if not profile.is_published:
        raise DomainError(_("This profile is not open for applications."))
    try:
        with transaction.atomic():
            dossier = Dossier.objects.create(owner=owner, profile=profile, scheme_version=profile.scheme_version)
    except IntegrityError as exc:
        raise DomainError(
            _("You already have an open dossier for %(profile)s.") % {"profile": profile.tr("title")},
            code="dossier_exists",
        ) from exc
    _record(dossier, action="dossier.created", actor=owner, to_status=dossier.status)
    return dossier


@transaction.atomic
def update_cv_summary(
    *,
    dossier: Dossier,
    actor: User,
    cv_headline: str,
    cv_summary: str,
    years_of_experience: int | None,
    highest_education: str,
) -> Dossier:
    dossier = _editable_dossier(dossier, actor)
    dossier.cv_headline = cv_headline.strip()
    dossier.cv_summary = cv_summary.strip()
    dossier.years_of_experience = years_of_experience
    dossier.highest_education = highest_education.strip()
    _validated_save(
        dossier,
        exclude=["owner", "profile", "scheme_version", "status"],
        update_fields=["cv_headline", "cv_summary", "years_of_experience", "highest_education", "updated_at"],
    )
    return dossier


def _check_dates(start: datetime.date, end: datetime.date | None) -> None:
    if end is not None and end < start:
        raise DomainError(_("The end date is before the start date."))
    if start > timezone.localdate():
        raise DomainError(_("The start date is in the future."))


@transaction.atomic
def save_training_entry(
    *,
    dossier: Dossier,
    actor: User,
    entry: TrainingEntry | None = None,
    title: str,
    provider: str,
    start_date: datetime.date,
    end_date: datetime.date | None,
    hours: int,
    evidence: list[EvidenceFile] | None = None,
) -> TrainingEntry:
    """Create (``entry`` None) or update a training entry of an editable dossier."""
    dossier = _editable_dossier(dossier, actor)
    _check_dates(start_date, end_date)
    files = _own_files(dossier, evidence)
    entry = entry or TrainingEntry(dossier=dossier)
    if entry.dossier_id != dossier.pk:
        raise NotAllowed(_("This entry belongs to another dossier."))
    entry.title, entry.provider, entry.hours = title.strip(), provider.strip(), hours
    entry.start_date, entry.end_date = start_date, end_date
    _validated_save(entry, exclude=["dossier"])
    entry.evidence.set(files)
    _touch(dossier)
    return entry


@transaction.atomic
def save_experience_entry(
    *,
    dossier: Dossier,
    actor: User,
    entry: ExperienceEntry | None = None,
    employer: str,
    role: str,
    start_date: datetime.date,
    end_date: datetime.date | None,
    description: str,
    competences: list[EcfCompetence] | None = None,
    evidence: list[EvidenceFile] | None = None,
) -> ExperienceEntry:
    """Create or update a professional experience, with the e-CF competences it demonstrates."""
    dossier = _editable_dossier(dossier, actor)
    _check_dates(start_date, end_date)
    files = _own_files(dossier, evidence)
    entry = entry or ExperienceEntry(dossier=dossier)
    if entry.dossier_id != dossier.pk:
        raise NotAllowed(_("This entry belongs to another dossier."))
    entry.employer, entry.role, entry.description = employer.strip(), role.strip(), description.strip()
    entry.start_date, entry.end_date = start_date, end_date
    profile_competences = set(dossier.profile.competences.values_list("pk", flat=True))
    outside = [c.code for c in competences or [] if c.pk not in profile_competences]
    if outside:
        raise DomainError(_("These are not competences of this profile: %(codes)s") % {"codes": ", ".join(outside)})
    _validated_save(entry, exclude=["dossier"])
    entry.competences.set(competences or [])
    entry.evidence.set(files)
    _touch(dossier)
    return entry


@transaction.atomic
def save_project_entry(
    *,
    dossier: Dossier,
    actor: User,
    entry: ProjectEntry | None = None,
    title: str,
    role: str,
    description: str,
    technologies: str,
    outcomes: str,
    links: list[str] | None = None,
    evidence: list[EvidenceFile] | None = None,
) -> ProjectEntry:
    dossier = _editable_dossier(dossier, actor)
    files = _own_files(dossier, evidence)
    for link in links or []:
        if not link.startswith(("https://", "http://")):
            raise DomainError(_("Links must start with https:// or http://: %(link)s") % {"link": link})
    entry = entry or ProjectEntry(dossier=dossier)
    if entry.dossier_id != dossier.pk:
        raise NotAllowed(_("This entry belongs to another dossier."))
    entry.title, entry.role, entry.description = title.strip(), role.strip(), description.strip()
    entry.technologies, entry.outcomes, entry.links = (
        technologies.strip(),
        outcomes.strip(),
        list(links or []),
    )
    _validated_save(entry, exclude=["dossier"])
    entry.evidence.set(files)
    _touch(dossier)
    return entry


@transaction.atomic
def delete_entry(*, dossier: Dossier, actor: User, entry: TrainingEntry | ExperienceEntry | ProjectEntry) -> None:
    dossier = _editable_dossier(dossier, actor)
    if entry.dossier_id != dossier.pk:
        raise NotAllowed(_("This entry belongs to another dossier."))
    entry.delete()
    _touch(dossier)


@transaction.atomic
def save_self_assessment(
    *,
    dossier: Dossier,
    actor: User,
    competence: EcfCompetence,
    claimed_level: int,
    justification: str,
    evidence: list[EvidenceFile] | None = None,
) -> SelfAssessment:
    """Record the applicant's claimed level for one of the profile's competences (one row per competence)."""
    dossier = _editable_dossier(dossier, actor)
    if not dossier.profile.profile_competences.filter(competence=competence).exists():
        raise DomainError(
            _("%(code)s is not a competence of this profile.") % {"code": competence.code},
            code="not_in_profile",
        )
    if not competence.min_level <= claimed_level <= competence.max_level:
        raise DomainError(
            _("%(code)s is defined at levels e-%(low)d to e-%(high)d.")
            % {"code": competence.code, "low": competence.min_level, "high": competence.max_level}
        )
    if not justification.strip():
        raise DomainError(_("Explain why you claim this level."))
    files = _own_files(dossier, evidence)
    assessment, _created = SelfAssessment.objects.update_or_create(
        dossier=dossier,
        competence=competence,
        defaults={"claimed_level": claimed_level, "justification": justification.strip()},
    )
    assessment.evidence.set(files)
    _touch(dossier)
    return assessment


# --- evidence files ------------------------------------------------------------------------------------


@transaction.atomic
def upload_evidence(
    *, dossier: Dossier, actor: User, upload: IO[bytes], original_name: str, kind: str, description: str = ""
) -> EvidenceFile:
    """Validate ``upload`` by its content and store it; a new CV replaces the previous one.

    Raises UploadRejected (nothing stored) for an empty, oversized or disallowed file.
    """
    dossier = _editable_dossier(dossier, actor)
    if kind not in EvidenceFile.Kind.values:
        raise DomainError(_("Unknown kind of file."))
    allowed = frozenset({"application/pdf"}) if kind == EvidenceFile.Kind.CV else frozenset(ALLOWED)
    checked = check_upload(upload, max_bytes=settings.EVIDENCE_MAX_BYTES, allowed=allowed)
    if kind == EvidenceFile.Kind.CV:
        for previous in dossier.files.filter(kind=EvidenceFile.Kind.CV, removed_at__isnull=True):
            _remove_file(previous)
    evidence = EvidenceFile(
        dossier=dossier,
        kind=kind,
        original_name=(original_name or "file")[-255:],
        description=description.strip()[:255],
        content_type=checked.content_type,
        extension=checked.extension,
        size=checked.size,
        sha256=checked.sha256,
    )
    evidence.file.save("upload", File(upload), save=False)
    try:
        evidence.save()
    except Exception:
        # No row, so no stored bytes either.
        if evidence.file.name:
            evidence.file.storage.delete(evidence.file.name)
        raise
    _touch(dossier)
    return evidence


def _remove_file(evidence: EvidenceFile) -> None:
    """Delete a file, or only take it out of the working copy if a submission refers to it."""
    if _in_any_submission(evidence):
        evidence.removed_at = timezone.now()
        evidence.save(update_fields=["removed_at"])
        for relation in (evidence.training_entries, evidence.experience_entries, evidence.project_entries):
            relation.clear()
        evidence.self_assessments.clear()
    else:
        name, storage = evidence.file.name, evidence.file.storage
        evidence.delete()
        if name:
            # Only once the row is surely gone: a rollback must not leave a row without its bytes.
            transaction.on_commit(partial(storage.delete, name))


def _in_any_submission(evidence: EvidenceFile) -> bool:
    return any(
        any(f.get("id") == evidence.pk for f in s.manifest.get("files", []))
        for s in DossierSubmission.objects.filter(dossier_id=evidence.dossier_id).only("manifest")
    )


@transaction.atomic
def delete_evidence(*, dossier: Dossier, actor: User, evidence: EvidenceFile) -> None:
    dossier = _editable_dossier(dossier, actor)
    if evidence.dossier_id != dossier.pk:
        raise NotAllowed(_("This file belongs to another dossier."))
    if evidence.removed_at is not None:
        raise DomainError(_("This file has already been removed."))
    _remove_file(evidence)
    _touch(dossier)


# --- lifecycle -----------------------------------------------------------------------------------------


@transaction.atomic
def submit_dossier(*, dossier: Dossier, actor: User) -> DossierSubmission:
    """Freeze the dossier into a numbered submission and move it to *submitted*.

    Refused, with the list of what is missing, unless the dossier is complete; refused unless the
    applicant is a member in good standing. A resubmission after a request for information keeps the
    earlier version and adds the next one.
    """
    dossier = _lock(dossier)
    _ensure_owner(dossier, actor)
    if DossierStatus.SUBMITTED not in TRANSITIONS[dossier.status]:
        raise InvalidTransition(
            _("A dossier that is %(status)s cannot be submitted.") % {"status": dossier.get_status_display()}
        )
    ensure_member_in_good_standing(user=actor)
    missing = missing_items(dossier)
    if missing:
        raise DossierIncomplete(
            ngettext(
                "The dossier is not complete yet: %(count)d item is missing.",
                "The dossier is not complete yet: %(count)d items are missing.",
                len(missing),
            )
            % {"count": len(missing)},
            details=[item.text for item in missing],
        )
    number = (dossier.submissions.aggregate(n=Max("number"))["n"] or 0) + 1
    submitted_at = timezone.now()
    manifest = build_manifest(dossier, number=number, submitted_at=submitted_at)
    submission = DossierSubmission.objects.create(
        dossier=dossier,
        number=number,
        submitted_at=submitted_at,
        manifest=manifest,
        manifest_sha256=manifest_digest(manifest),
    )
    action = "dossier.submitted" if number == 1 else "dossier.resubmitted"
    event = _transition(dossier, to=DossierStatus.SUBMITTED, actor=actor, action=action)
    event.data = {"submission": number, "manifest_sha256": submission.manifest_sha256}
    event.save(update_fields=["data"])
    # A resubmission after a request for information resumes an assessment in progress (assessments app).
    dossier_submitted.send(sender=Dossier, dossier=dossier, submission=submission, actor=actor)
    return submission


@transaction.atomic
def withdraw_dossier(*, dossier: Dossier, actor: User, reason: str = "") -> Dossier:
    """The applicant withdraws the dossier; possible at any time before a decision."""
    dossier = _lock(dossier)
    _ensure_owner(dossier, actor)
    _transition(dossier, to=DossierStatus.WITHDRAWN, actor=actor, action="dossier.withdrawn", reason=reason.strip())
    return dossier


@transaction.atomic
def change_status(
    *, dossier: Dossier, to: str, actor: User | None, action: str, reason: str = "", data: dict[str, Any] | None = None
) -> Dossier:
    """Move ``dossier`` to ``to`` for another app's business verb (assessment, decision, appeal).

    Locks the row, checks the transition table, writes the audit event (``action``, ``reason``) and mails the
    applicant on commit. The caller checks its own rules (who may act) before calling.
    """
    locked = _lock(dossier)
    event = _transition(locked, to=to, actor=actor, action=action, reason=reason)
    if data:
        event.data = data
        event.save(update_fields=["data"])
    dossier.status = locked.status
    return locked


def queue_status_email(*, event: DossierEvent) -> bool:
    """Write the e-mail to the dossier's owner about one status change into the outbox, in their language, in the
    caller's transaction (sent after the commit, once). Returns False if there is nothing to send."""
    if not event.to_status:
        return False
    dossier = event.dossier
    owner = dossier.owner
    with translation.override(owner.preferred_language):
        context = {
            "event": event,
            "dossier": dossier,
            "owner": owner,
            "status_label": DossierStatus(event.to_status).label,
            "url": f"{settings.SITE_URL}/dossiers/{event.dossier_id}/",
            "profile_title": dossier.profile.tr("title"),
        }
        subject = _("Your dossier for %(profile)s is now: %(status)s") % {
            "profile": dossier.profile.tr("title"),
            "status": context["status_label"],
        }
    outbox.queue_email(
        to=[owner.email],
        subject=f"[AIPIA] {subject}",
        language=owner.preferred_language,
        template="dossiers/email/status_changed",
        context=context,
        dedupe_key=f"dossiers.status:{event.pk}",
    )
    return True
