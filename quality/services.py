"""Every write of the quality records: the transparency page's sections, the impartiality risks and their reviews,
the competence records. Only administrators write; each write keeps what it replaces (a revision, a review)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from aipia.errors import DomainError, InvalidTransition

from .models import CompetenceRecord, ImpartialityRisk, PublishedSection, RiskReview, SectionRevision

TITLE_MAX = 200
TEXT_MAX = 20_000


def publish_section(
    *, actor: User, key: str, title_en: str, title_it: str, body_en: str, body_it: str, position: int | None = None
) -> PublishedSection:
    """Publish a new version of the transparency page's section ``key`` in both languages; the earlier versions
    stay in its history. Publishing the same text again changes nothing."""
    _require_admin(actor)
    if key not in PublishedSection.Key.values:
        raise DomainError(_("Unknown section."), code="section")
    values = {
        "title_en": _text(title_en, TITLE_MAX, _("Give the section a title in English.")),
        "title_it": _text(title_it, TITLE_MAX, _("Give the section a title in Italian.")),
        "body_en": _text(body_en, TEXT_MAX, _("Write the section's text in English.")),
        "body_it": _text(body_it, TEXT_MAX, _("Write the section's text in Italian.")),
    }
    now = timezone.now()
    with transaction.atomic():
        section = PublishedSection.objects.select_for_update().filter(key=key).first()
        if section is not None and all(getattr(section, field) == value for field, value in values.items()):
            if position is not None and position != section.position:
                section.position = position
                section.save(update_fields=["position"])
            return section
        if section is None:
            section = PublishedSection(key=key, position=position if position is not None else _default_position(key))
        elif position is not None:
            section.position = position
        for field, value in values.items():
            setattr(section, field, value)
        section.updated_at, section.updated_by = now, actor
        section.save()
        SectionRevision.objects.create(section=section, changed_at=now, changed_by=actor, **values)
    return section


def record_risk(
    *, actor: User, threat: str, source: str, likelihood: str, mitigation: str, review_by: datetime.date
) -> ImpartialityRisk:
    _require_admin(actor)
    _choice(source, ImpartialityRisk.Source, _("Choose where the threat comes from."))
    _choice(likelihood, ImpartialityRisk.Likelihood, _("Choose how likely the threat is."))
    if review_by < timezone.localdate():
        raise DomainError(_("The review date cannot be in the past."), code="review_by")
    return ImpartialityRisk.objects.create(
        threat=_text(threat, TEXT_MAX, _("Describe the threat to impartiality.")),
        source=source,
        likelihood=likelihood,
        mitigation=_text(mitigation, TEXT_MAX, _("Say how the threat is mitigated.")),
        review_by=review_by,
        created_by=actor,
    )


def review_risk(
    *,
    risk: ImpartialityRisk,
    actor: User,
    likelihood: str,
    note: str,
    next_review_by: datetime.date | None,
    mitigation: str = "",
) -> RiskReview:
    """Record a review of ``risk``: its likelihood now, what was concluded, and when it is next reviewed; no next
    date closes the risk (it no longer applies). The mitigation may be rewritten."""
    _require_admin(actor)
    _choice(likelihood, ImpartialityRisk.Likelihood, _("Choose how likely the threat is."))
    note = _text(note, TEXT_MAX, _("Say what the review concluded."))
    if next_review_by is not None and next_review_by <= timezone.localdate():
        raise DomainError(_("The next review date must be in the future."), code="next_review_by")
    now = timezone.now()
    with transaction.atomic():
        row = ImpartialityRisk.objects.select_for_update().get(pk=risk.pk)
        if row.closed_at is not None:
            raise InvalidTransition(_("This risk is closed."))
        row.likelihood = likelihood
        if mitigation.strip():
            row.mitigation = _text(mitigation, TEXT_MAX, "")
        if next_review_by is None:
            row.closed_at = now
        else:
            row.review_by = next_review_by
        row.save(update_fields=["likelihood", "mitigation", "review_by", "closed_at"])
        return RiskReview.objects.create(
            risk=row,
            reviewed_at=now,
            reviewed_by=actor,
            likelihood=likelihood,
            note=note,
            next_review_by=next_review_by,
        )


def record_competence(
    *,
    actor: User,
    person: User,
    kind: str,
    title: str,
    obtained_on: datetime.date,
    issuer: str = "",
    valid_until: datetime.date | None = None,
    hours: int | None = None,
) -> CompetenceRecord:
    _require_admin(actor)
    _choice(kind, CompetenceRecord.Kind, _("Choose the kind of record."))
    if obtained_on > timezone.localdate():
        raise DomainError(_("The date obtained cannot be in the future."), code="obtained_on")
    if valid_until is not None and valid_until < obtained_on:
        raise DomainError(_("A record cannot end before it was obtained."), code="valid_until")
    if hours is not None and not 0 < hours <= 10_000:
        raise DomainError(_("Give the hours as a number between 1 and 10,000."), code="hours")
    return CompetenceRecord.objects.create(
        person=person,
        kind=kind,
        title=_text(title, TITLE_MAX, _("Give the record a title.")),
        issuer=(issuer or "").strip()[:TITLE_MAX],
        obtained_on=obtained_on,
        valid_until=valid_until,
        hours=hours,
        recorded_by=actor,
    )


def _default_position(key: str) -> int:
    return list(PublishedSection.Key.values).index(key)


def _require_admin(actor: User) -> None:
    roles.require_admin(actor, _("Only administrators keep these records."))


def _choice(value: str, choices: type, message: str) -> None:
    if value not in choices.values:  # type: ignore[attr-defined]
        raise DomainError(message, code="choice")


def _text(value: str, max_length: int, required: str) -> str:
    value = (value or "").strip()
    if not value and required:
        raise DomainError(required, code="required")
    if len(value) > max_length:
        raise DomainError(
            _("This text is too long: at most %(count)d characters.") % {"count": max_length}, code="too_long"
        )
    return value
