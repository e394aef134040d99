"""Personal data: a person's export of everything we hold about them, and erasure by retention rules.

**Export** (:func:`export_personal_data`): a ZIP with ``data.json`` — the account, membership, dossiers and
their entries, self-assessments, the decisions and appeals they were told about, credentials and their
events, CPD activities, renewal applications, external certifications, dossier events — and the files
behind them (evidence, CPD evidence, scans, the credentials' PDF, sealed JSON-LD and QR). What committee
members wrote for themselves (scores, comments, minutes) and who they are is not the person's to see
through this channel, as in the applicant's own pages.

**Retention** (:func:`erase_expired_personal_data`), per record type, counted from the record's end:
- application material (``RETENTION_APPLICATION_DAYS``) from the moment the dossier closed (its decision,
  or its withdrawal): evidence files deleted, CV summary, training, experience, projects, self-assessment
  justifications and the submission manifests erased; external certifications' scans from their check;
- assessment records (``RETENTION_ASSESSMENT_DAYS``) from that moment: assessors' comments, interview
  minutes and notes, conflict-of-interest reasons, information requests (the numeric scores stay, without
  text, for the committee's statistics);
- decisions (``RETENTION_DECISION_DAYS``): rationales, the decision record, appeal statements;
- credentials (``RETENTION_CREDENTIAL_DAYS``) from the end of validity: the PDF and QR copies, the holder's
  name and token on the row, CPD evidence and descriptions, renewal declarations, the external certificate's
  number. The sealed JSON-LD is kept: verification by id checks it, and its seal forbids editing it.

**Erasure never changes a credential's status.** Status, suspension and revocation dates and reasons, and
the status-list entries stay as they are, so a revoked credential still verifies as revoked and a suspended
one as suspended; what is kept of a credential after erasure is what verification needs (id, serial,
profile, dates, status and reasons, and the sealed credential itself). Each step is idempotent: an erased
record is recognised and skipped.

**On request** (:func:`erase_account`): the person's records whose retention has ended are erased now,
never-submitted drafts are deleted, credentials leave the public register, and the account is closed
(pseudonymised e-mail, no name, no password, no tokens); records still within retention are kept, because
the certification body must keep them (ISO/IEC 17024 §7.4), and erased later by the daily sweep.
"""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from aipia.errors import NotAllowed

from .models import Membership, User
from .tokens import revoke_api_tokens

ERASED = "[erased]"
EXPORT_FORMAT = "aipia-personal-data/1"


# --- export --------------------------------------------------------------------------------------------------


def export_personal_data(*, user: User) -> bytes:
    """A ZIP of everything about ``user``: ``data.json`` plus their files under ``files/``. Read-only."""
    from assessments.models import Appeal, Decision
    from credentials.models import CPDActivity, Credential, ExternalCertification, RenewalApplication
    from dossiers.models import Dossier

    files: dict[str, FieldFile] = {}

    def attach(prefix: str, field: FieldFile | None) -> str | None:
        if not field or not field.name:
            return None
        name = f"files/{prefix}/{field.name.rsplit('/', 1)[-1]}"
        files[name] = field
        return name

    membership = Membership.objects.filter(user=user).first()
    dossiers = []
    for dossier in Dossier.objects.filter(owner=user).select_related("profile").order_by("created_at"):
        dossiers.append(
            {
                "id": dossier.pk,
                "profile": dossier.profile.code,
                "status": dossier.status,
                "created_at": dossier.created_at,
                "submitted_at": dossier.submitted_at,
                "cv_headline": dossier.cv_headline,
                "cv_summary": dossier.cv_summary,
                "years_of_experience": dossier.years_of_experience,
                "highest_education": dossier.highest_education,
                "files": [
                    {
                        "kind": f.kind,
                        "original_name": f.original_name,
                        "description": f.description,
                        "content_type": f.content_type,
                        "size": f.size,
                        "sha256": f.sha256,
                        "uploaded_at": f.uploaded_at,
                        "removed_at": f.removed_at,
                        "path": attach(f"dossiers/{dossier.pk}", f.file),
                    }
                    for f in dossier.files.order_by("pk")
                ],
                "training": list(
                    dossier.training.values("title", "provider", "start_date", "end_date", "hours").order_by("pk")
                ),
                "experience": list(
                    dossier.experience.values("employer", "role", "start_date", "end_date", "description").order_by(
                        "pk"
                    )
                ),
                "projects": list(
                    dossier.projects.values(
                        "title", "role", "description", "technologies", "outcomes", "links"
                    ).order_by("pk")
                ),
                "self_assessments": [
                    {
                        "competence": s.competence.code,
                        "claimed_level": s.claimed_level,
                        "justification": s.justification,
                    }
                    for s in dossier.self_assessments.select_related("competence").order_by("pk")
                ],
                "submissions": list(dossier.submissions.values("submitted_at", "manifest_sha256").order_by("pk")),
                "events": [
                    {
                        "action": e.action,
                        "from_status": e.from_status,
                        "to_status": e.to_status,
                        "reason": e.reason,
                        "by_you": e.actor_id == user.pk,
                        "created_at": e.created_at,
                    }
                    for e in dossier.events.order_by("created_at", "pk")
                ],
                # What the applicant is told: outcome and rationale, not who decided or their working record.
                "decisions": list(
                    Decision.objects.filter(dossier=dossier).values("kind", "outcome", "rationale", "decided_at")
                ),
                "appeal": Appeal.objects.filter(dossier=dossier).values("statement", "lodged_at", "status").first(),
            }
        )
    credentials = []
    for credential in Credential.objects.filter(holder=user).select_related("profile").order_by("issued_at"):
        prefix = f"credentials/{credential.serial}"
        credentials.append(
            {
                "id": credential.pk,
                "serial": credential.serial,
                "kind": credential.kind,
                "basis": credential.basis,
                "profile": credential.profile.code,
                "status": credential.status,
                "holder_name": credential.holder_name,
                "issued_at": credential.issued_at,
                "valid_from": credential.valid_from,
                "valid_until": credential.valid_until,
                "suspended_at": credential.suspended_at,
                "suspension_reason": credential.suspension_reason,
                "revoked_at": credential.revoked_at,
                "revocation_reason": credential.revocation_reason,
                "listed_in_register": credential.listed_in_register,
                "predecessor": credential.predecessor_id,
                "external_certification": credential.external_certification_id,
                "files": {
                    "pdf": attach(prefix, credential.pdf),
                    "jsonld": attach(prefix, credential.sealed_json),
                    "qr": attach(prefix, credential.qr_png),
                },
                "events": [
                    {
                        "action": e.action,
                        "from_status": e.from_status,
                        "to_status": e.to_status,
                        "reason": e.reason,
                        "by_you": e.actor_id == user.pk,
                        "created_at": e.created_at,
                    }
                    for e in credential.events.order_by("created_at", "pk")
                ],
            }
        )
    cpd = [
        {
            "credential": a.credential_id,
            "date": a.date,
            "category": a.category,
            "hours": a.hours,
            "description": a.description,
            "evidence_sha256": a.evidence_sha256,
            "evidence": attach(f"cpd/{a.pk}", a.evidence),
        }
        for a in CPDActivity.objects.filter(holder=user).order_by("date", "pk")
    ]
    renewals = list(
        RenewalApplication.objects.filter(applicant=user)
        .values(
            "id", "credential_id", "status", "declaration", "cpd_snapshot", "submitted_at", "reviewed_at", "review_note"
        )
        .order_by("submitted_at")
    )
    external = [
        {
            "id": e.pk,
            "profile": e.profile.code,
            "body": e.body,
            "accreditation": e.accreditation,
            "scheme": e.scheme,
            "number": e.number,
            "issued_on": e.issued_on,
            "valid_until": e.valid_until,
            "status": e.status,
            "submitted_at": e.submitted_at,
            "checked_at": e.checked_at,
            "check_note": e.check_note,
            "scan_sha256": e.scan_sha256,
            "scan": attach(f"external-certifications/{e.pk}", e.scan),
        }
        for e in ExternalCertification.objects.filter(holder=user).select_related("profile").order_by("submitted_at")
    ]
    data = {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now(),
        "account": {
            "id": user.pk,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "role": user.role,
            "preferred_language": user.preferred_language,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "membership": (
            {
                "member_number": membership.member_number,
                "status": membership.status,
                "valid_until": membership.valid_until,
            }
            if membership
            else None
        ),
        "dossiers": dossiers,
        "credentials": credentials,
        "cpd_activities": cpd,
        "renewal_applications": renewals,
        "external_certifications": external,
    }
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
        for name, field in sorted(files.items()):
            try:
                with field.open("rb") as handle:
                    archive.writestr(name, handle.read())
            except FileNotFoundError:
                continue  # listed in data.json; the stored file is gone
    return output.getvalue()


# --- retention -----------------------------------------------------------------------------------------------


def _days(name: str) -> datetime.timedelta:
    return datetime.timedelta(days=getattr(settings, name))


def _delete_file(field: FieldFile) -> bool:
    if not field or not field.name:
        return False
    field.storage.delete(field.name)
    field.name = ""
    return True


def _closed_dossiers(cutoff: datetime.datetime, owner: User | None = None) -> Iterable[Any]:
    """Dossiers that reached their final status (approved, rejected, withdrawn) before ``cutoff``."""
    from django.db.models import Max, OuterRef, Subquery

    from dossiers.models import CLOSED_STATUSES, Dossier, DossierEvent

    closed_at = (
        DossierEvent.objects.filter(dossier=OuterRef("pk"), to_status=OuterRef("status"))
        .values("dossier")
        .annotate(last=Max("created_at"))
        .values("last")
    )
    dossiers = Dossier.objects.filter(status__in=sorted(CLOSED_STATUSES)).annotate(closed_at=Subquery(closed_at))
    if owner is not None:
        dossiers = dossiers.filter(owner=owner)
    return dossiers.filter(closed_at__lt=cutoff)


def _erase_application_material(dossier: Any) -> int:
    erased = 0
    with transaction.atomic():
        for evidence in dossier.files.all():
            if evidence.file.name or evidence.original_name != ERASED:
                _delete_file(evidence.file)
                evidence.original_name, evidence.description = ERASED, ""
                evidence.removed_at = evidence.removed_at or timezone.now()
                evidence.save(update_fields=["file", "original_name", "description", "removed_at"])
                erased += 1
        for related in (dossier.training, dossier.experience, dossier.projects):
            count, _detail = related.all().delete()
            erased += count
        erased += dossier.self_assessments.exclude(justification="").update(justification="")
        erased += dossier.submissions.exclude(manifest={"erased": True}).update(manifest={"erased": True})
        if dossier.cv_headline or dossier.cv_summary or dossier.highest_education:
            dossier.cv_headline = dossier.cv_summary = dossier.highest_education = ""
            dossier.save(update_fields=["cv_headline", "cv_summary", "highest_education"])
            erased += 1
    return erased


def _erase_assessment_records(dossier: Any) -> int:
    from assessments.models import Assessment, Assignment, CriterionScore, InformationRequest, InterviewRecord

    erased = 0
    with transaction.atomic():
        erased += Assessment.objects.filter(assignment__dossier=dossier).exclude(comment="").update(comment="")
        erased += (
            CriterionScore.objects.filter(assessment__assignment__dossier=dossier)
            .exclude(comment="")
            .update(comment="")
        )
        erased += (
            Assessment.objects.filter(assignment__dossier=dossier)
            .exclude(amendment_reason="")
            .update(amendment_reason="")
        )
        erased += Assignment.objects.filter(dossier=dossier).exclude(conflict_reason="").update(conflict_reason="")
        erased += InformationRequest.objects.filter(dossier=dossier).exclude(questions=ERASED).update(questions=ERASED)
        for record in InterviewRecord.objects.filter(interview__dossier=dossier):
            answers = [{"score": a.get("score")} for a in record.answers if isinstance(a, dict)]
            if record.minutes != ERASED or answers != record.answers:
                record.minutes, record.answers = ERASED, answers
                record.save(update_fields=["minutes", "answers"])
                erased += 1
    return erased


def _erase_decisions(dossier: Any) -> int:
    from assessments.models import Appeal, Decision

    with transaction.atomic():
        erased = Decision.objects.filter(dossier=dossier).exclude(rationale=ERASED).update(rationale=ERASED, record={})
        erased += Appeal.objects.filter(dossier=dossier).exclude(statement=ERASED).update(statement=ERASED)
    return erased


def _erase_credential(credential: Any) -> int:
    """Remove a credential's personal data; keep everything verification reads. Never touches its status."""
    from credentials.models import CPDActivity, Credential, ExternalCertification, RenewalApplication

    erased = 0
    with transaction.atomic():
        row = Credential.objects.select_for_update(of=("self",)).get(pk=credential.pk)
        # The sealed JSON-LD stays: it is the credential itself, which verification by id checks (its seal
        # covers the holder's name, so it cannot be pseudonymised without breaking it). The PDF and QR image
        # are copies made for the holder.
        changed = [_delete_file(row.pdf), _delete_file(row.qr_png)]
        if any(changed) or row.holder_name != ERASED or row.token or row.listed_in_register:
            row.holder_name, row.token, row.listed_in_register = ERASED, "", False
            # Only these columns: status, suspension and revocation are never written here.
            row.save(update_fields=["pdf", "qr_png", "holder_name", "token", "listed_in_register"])
            erased += 1
        for activity in CPDActivity.objects.filter(credential=row):
            if activity.evidence.name or activity.description != ERASED:
                _delete_file(activity.evidence)
                activity.description = ERASED
                activity.save(update_fields=["evidence", "description"])
                erased += 1
        erased += (
            RenewalApplication.objects.filter(credential=row)
            .exclude(declaration=ERASED)
            .update(declaration=ERASED, cpd_snapshot={})
        )
        if row.external_certification_id:
            external = ExternalCertification.objects.get(pk=row.external_certification_id)
            erased += _erase_external_certification(external, number=True)
    return erased


def _erase_external_certification(external: Any, *, number: bool) -> int:
    changed = _delete_file(external.scan)
    fields = ["scan"]
    if number and not external.number.startswith("erased-"):
        external.number = f"erased-{external.pk}"  # stays unique per body
        fields.append("number")
        changed = True
    if changed:
        external.save(update_fields=fields)
    return int(changed)


def erase_expired_personal_data(*, now: datetime.datetime | None = None, holder: User | None = None) -> dict[str, int]:
    """Apply the retention periods as of ``now``: erase what has been kept long enough, per record type.

    Returns how many records of each type were erased: ``{"application_material", "assessment_records",
    "decisions", "credentials", "external_certifications"}``. Idempotent. ``holder`` limits it to one person.
    """
    from credentials.models import Credential, ExternalCertification

    now = now or timezone.now()
    counts = dict.fromkeys(
        ("application_material", "assessment_records", "decisions", "credentials", "external_certifications"), 0
    )
    for dossier in _closed_dossiers(now - _days("RETENTION_APPLICATION_DAYS"), holder):
        counts["application_material"] += _erase_application_material(dossier)
    for dossier in _closed_dossiers(now - _days("RETENTION_ASSESSMENT_DAYS"), holder):
        counts["assessment_records"] += _erase_assessment_records(dossier)
    for dossier in _closed_dossiers(now - _days("RETENTION_DECISION_DAYS"), holder):
        counts["decisions"] += _erase_decisions(dossier)
    externals = ExternalCertification.objects.filter(checked_at__lt=now - _days("RETENTION_APPLICATION_DAYS")).exclude(
        scan=""
    )
    if holder is not None:
        externals = externals.filter(holder=holder)
    for external in externals:
        counts["external_certifications"] += _erase_external_certification(external, number=False)
    credentials = Credential.objects.filter(
        valid_until__lt=now - _days("RETENTION_CREDENTIAL_DAYS"), issuance=Credential.Issuance.DONE
    )
    if holder is not None:
        credentials = credentials.filter(holder=holder)
    for credential in credentials:
        counts["credentials"] += _erase_credential(credential)
    return counts


def erase_account(*, user: User, actor: User) -> dict[str, int]:
    """Erase ``user``'s personal data on their request, as far as retention allows, and close the account.

    By the person themselves or an administrator. Records past retention are erased now; drafts never
    submitted are deleted; credentials leave the public register; the account is pseudonymised and can no
    longer log in. Credentials keep what verification needs, their status untouched.
    """
    from allauth.account.models import EmailAddress

    from credentials.models import Credential
    from dossiers.models import Dossier, DossierStatus

    if actor.pk != user.pk and actor.role != User.Role.ADMIN:
        raise NotAllowed(_("Only the person or an administrator can erase an account."))
    counts = erase_expired_personal_data(holder=user)
    with transaction.atomic():
        drafts = Dossier.objects.filter(owner=user, status=DossierStatus.DRAFT, submitted_at__isnull=True)
        counts["drafts"] = 0
        for dossier in drafts:
            for evidence in dossier.files.all():
                _delete_file(evidence.file)
            dossier.files.all().delete()
            dossier.events.all().delete()
            dossier.delete()
            counts["drafts"] += 1
        counts["register_listings"] = Credential.objects.filter(holder=user, listed_in_register=True).update(
            listed_in_register=False
        )
        EmailAddress.objects.filter(user=user).delete()
        revoke_api_tokens(user=user)
        user.email = f"erased-{user.pk}@erased.invalid"
        user.first_name = user.last_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["email", "first_name", "last_name", "is_active", "password"])
    return counts
