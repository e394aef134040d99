"""The personal data in credentials, exported and erased for accounts/privacy.py (registered in apps.py).

Export: the person's credentials and their events, with the PDF, sealed JSON-LD and QR attached; their CPD
activities (evidence attached), renewal applications and external certifications (scan attached).

Retention: external certifications' scans ``RETENTION_APPLICATION_DAYS`` after their check; a credential's
personal data ``RETENTION_CREDENTIAL_DAYS`` after the end of its validity: the PDF and QR copies, the holder's
name and token on the row, CPD evidence and descriptions, renewal declarations, the external certificate's
number. The sealed JSON-LD is kept: verification by id checks it, and its seal forbids editing it.

**Erasure never changes a credential's status.** Status, suspension and revocation dates and reasons, and the
status-list entries stay as they are, so a revoked credential still verifies as revoked and a suspended one as
suspended. On the closing of an account the person's credentials leave the public register.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from accounts.models import User
from accounts.personal_data import ERASED, Export, PersonalData, delete_file, event_entry, register, retention_cutoff
from credentials.models import CPDActivity, Credential, ExternalCertification, RenewalApplication


class CredentialPersonalData(PersonalData):
    label = "credentials"

    def export(self, *, user: User, export: Export) -> None:
        credentials = Credential.objects.filter(holder=user).select_related("profile").order_by("issued_at")
        export.data["credentials"] = [_credential_entry(c, user=user, export=export) for c in credentials]
        activities = CPDActivity.objects.filter(holder=user).order_by("date", "pk")
        export.data["cpd_activities"] = [_cpd_entry(a, export=export) for a in activities]
        export.data["renewal_applications"] = list(
            RenewalApplication.objects.filter(applicant=user)
            .values(
                "id",
                "credential_id",
                "status",
                "declaration",
                "cpd_snapshot",
                "submitted_at",
                "reviewed_at",
                "review_note",
            )
            .order_by("submitted_at")
        )
        externals = ExternalCertification.objects.filter(holder=user).select_related("profile").order_by("submitted_at")
        export.data["external_certifications"] = [_external_entry(e, export=export) for e in externals]

    def erase_expired(self, *, now: datetime.datetime, holder: User | None) -> dict[str, int]:
        # External certifications first: a credential based on one then erases its number too, and counts it.
        externals = ExternalCertification.objects.filter(
            checked_at__lt=retention_cutoff(now, "RETENTION_APPLICATION_DAYS")
        ).exclude(scan="")
        credentials = Credential.objects.filter(
            valid_until__lt=retention_cutoff(now, "RETENTION_CREDENTIAL_DAYS"), issuance=Credential.Issuance.DONE
        )
        if holder is not None:
            externals, credentials = externals.filter(holder=holder), credentials.filter(holder=holder)
        erased_externals = sum(_erase_external_certification(e, number=False) for e in externals)
        erased_credentials = sum(_erase_credential(c) for c in credentials)
        return {"credentials": erased_credentials, "external_certifications": erased_externals}

    def erase_account(self, *, user: User) -> dict[str, int]:
        unlisted = Credential.objects.filter(holder=user, listed_in_register=True).update(listed_in_register=False)
        unshared = Credential.objects.filter(holder=user, public_page=True).update(public_page=False)
        return {"register_listings": unlisted, "public_pages": unshared}


# --- export --------------------------------------------------------------------------------------------------


def _credential_entry(credential: Credential, *, user: User, export: Export) -> dict[str, Any]:
    prefix = f"credentials/{credential.serial}"
    return {
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
        "public_page": credential.public_page,
        "predecessor": credential.predecessor_id,
        "external_certification": credential.external_certification_id,
        "files": {
            "pdf": export.attach(prefix, credential.pdf),
            "jsonld": export.attach(prefix, credential.sealed_json),
            "qr": export.attach(prefix, credential.qr_png),
        },
        "events": [event_entry(e, user=user) for e in credential.events.order_by("created_at", "pk")],
    }


def _cpd_entry(activity: CPDActivity, *, export: Export) -> dict[str, Any]:
    return {
        "credential": activity.credential_id,
        "date": activity.date,
        "category": activity.category,
        "hours": activity.hours,
        "description": activity.description,
        "evidence_sha256": activity.evidence_sha256,
        "evidence": export.attach(f"cpd/{activity.pk}", activity.evidence),
    }


def _external_entry(external: ExternalCertification, *, export: Export) -> dict[str, Any]:
    return {
        "id": external.pk,
        "profile": external.profile.code,
        "body": external.body,
        "accreditation": external.accreditation,
        "scheme": external.scheme,
        "number": external.number,
        "issued_on": external.issued_on,
        "valid_until": external.valid_until,
        "status": external.status,
        "submitted_at": external.submitted_at,
        "checked_at": external.checked_at,
        "check_note": external.check_note,
        "scan_sha256": external.scan_sha256,
        "scan": export.attach(f"external-certifications/{external.pk}", external.scan),
    }


# --- erasure -------------------------------------------------------------------------------------------------


def _erase_credential(credential: Credential) -> int:
    """Remove a credential's personal data; keep everything verification reads. Never touches its status."""
    erased = 0
    with transaction.atomic():
        row = Credential.objects.select_for_update(of=("self",)).get(pk=credential.pk)
        # The sealed JSON-LD stays: it is the credential itself, which verification by id checks (its seal
        # covers the holder's name, so it cannot be pseudonymised without breaking it). The PDF and QR image
        # are copies made for the holder.
        changed = [delete_file(row.pdf), delete_file(row.qr_png)]
        if any(changed) or row.holder_name != ERASED or row.token or row.listed_in_register or row.public_page:
            row.holder_name, row.token, row.listed_in_register, row.public_page = ERASED, "", False, False
            # Only these columns: status, suspension and revocation are never written here.
            row.save(update_fields=["pdf", "qr_png", "holder_name", "token", "listed_in_register", "public_page"])
            erased += 1
        for activity in CPDActivity.objects.filter(credential=row):
            if activity.evidence.name or activity.description != ERASED:
                delete_file(activity.evidence)
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


def _erase_external_certification(external: ExternalCertification, *, number: bool) -> int:
    changed = delete_file(external.scan)
    fields = ["scan"]
    if number and not external.number.startswith("erased-"):
        external.number = f"erased-{external.pk}"  # stays unique per body
        fields.append("number")
        changed = True
    if changed:
        external.save(update_fields=fields)
    return int(changed)


register(CredentialPersonalData())
