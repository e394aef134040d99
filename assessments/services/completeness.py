"""The completeness check: the secretariat's explicit, recorded step between a submission and its assessment.

Every submitted version is checked before assessors work on it: the secretariat confirms each item of the
checklist (``assessments.checklist``) or marks it missing with a note. A complete check lets assessors be assigned
(or resumes the assessment of a resubmitted dossier); an incomplete one sends the dossier back to the applicant
with the missing items as the request for information. The dossier's status table is unchanged: the check is a
recorded step of the *submitted* status, not a status of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from aipia import clock
from aipia.errors import DomainError, InvalidTransition
from dossiers.models import Dossier, DossierStatus

from .. import checklist
from ..models import CompletenessCheck
from ..selectors import completeness_check_of, latest_submission
from .assignments import request_information, resume_assessment
from .common import ensure_secretariat, locked, record_event

MAX_NOTE = 2000


@dataclass(frozen=True)
class Verdict:
    """The secretariat's verdict on one item: confirmed, or missing with a note saying what is missing."""

    confirmed: bool
    note: str = ""


def _checked_items(items: list[checklist.ChecklistItem], verdicts: Mapping[str, Verdict]) -> list[dict]:
    """The verdicts in the checklist's order, refused unless there is one for each item and each is consistent."""
    keys = [item.key for item in items]
    unknown = sorted(set(verdicts) - set(keys))
    if unknown:
        raise DomainError(_("Unknown checklist items: %(keys)s") % {"keys": ", ".join(unknown)})
    unanswered = [item.label for item in items if item.key not in verdicts]
    if unanswered:
        raise DomainError(
            _("Confirm each item or mark it missing: %(items)s") % {"items": "; ".join(unanswered)},
            code="checklist_incomplete",
        )
    results = []
    for item in items:
        verdict = verdicts[item.key]
        note = verdict.note.strip()
        if len(note) > MAX_NOTE:
            raise DomainError(_("%(item)s: the note is too long.") % {"item": item.label})
        if verdict.confirmed and item.present is False:
            raise DomainError(
                _("%(item)s cannot be confirmed: the submitted version does not have it.") % {"item": item.label},
                code="not_in_submission",
            )
        if not verdict.confirmed and not note:
            raise DomainError(
                _("%(item)s: say what is missing; the applicant reads it.") % {"item": item.label},
                code="note_required",
            )
        results.append({"key": item.key, "confirmed": verdict.confirmed, "note": note})
    return results


def _request_text(results: list[dict], owner: User) -> str:
    """The request for information, in the applicant's language: each missing item with the secretariat's note."""
    with translation.override(owner.preferred_language):
        lines = [_("The completeness check found these items missing or insufficient:")]
        lines += [f"- {checklist.label(r['key'])}: {r['note']}" for r in results if not r["confirmed"]]
        lines.append(_("Complete them and submit the dossier again."))
    return "\n".join(lines)


@transaction.atomic
def record_completeness_check(*, dossier: Dossier, actor: User, verdicts: Mapping[str, Verdict]) -> CompletenessCheck:
    """Record the check of the dossier's latest submitted version, by the secretariat (who may assign assessors).

    Complete: assessors may now be assigned, or, for a resubmission to assessors already at work, the assessment
    resumes. Incomplete: the dossier goes back to the applicant with the missing items as the request. Either way
    an audit event ``assessment.completeness_checked`` keeps every item's verdict, who checked and when.
    """
    dossier = locked(dossier)
    ensure_secretariat(actor, dossier)
    if dossier.status != DossierStatus.SUBMITTED:
        raise InvalidTransition(_("Only a submitted dossier awaiting its completeness check can be checked."))
    submission = latest_submission(dossier)
    if completeness_check_of(submission=submission) is not None:
        raise InvalidTransition(
            _("Version %(number)d has already been checked.") % {"number": submission.number}, code="already_checked"
        )
    results = _checked_items(checklist.checklist(dossier=dossier, submission=submission), verdicts)
    complete = all(r["confirmed"] for r in results)
    try:
        with transaction.atomic():
            check = CompletenessCheck.objects.create(
                dossier=dossier,
                submission=submission,
                outcome=CompletenessCheck.Outcome.COMPLETE if complete else CompletenessCheck.Outcome.INCOMPLETE,
                items=results,
                checked_by=actor,
                checked_at=clock.now(),
            )
    except IntegrityError as exc:  # a second secretary checking the same version at the same moment
        raise InvalidTransition(
            _("Version %(number)d has already been checked.") % {"number": submission.number}, code="already_checked"
        ) from exc
    record_event(
        dossier,
        action="assessment.completeness_checked",
        actor=actor,
        data={"check": check.pk, "submission": submission.number, "outcome": check.outcome, "items": results},
    )
    if complete:
        resume_assessment(dossier)
    else:
        check.information_request = request_information(
            dossier=dossier, actor=actor, questions=_request_text(results, dossier.owner)
        )
        check.save(update_fields=["information_request"])
    return check
