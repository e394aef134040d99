"""Continuing professional development (CPD): the profile's rules checked against a holder's record, and the
holder's log of activities.

:func:`cpd_progress` is pure (rules and activities in, a :class:`CpdProgress` out). The rules are the
profile's ``cpd_rules``::

    {"validity_years": 3, "min_hours_total": 60, "min_hours_per_year": 15,
     "categories": [{"code": "training", "title": {"en": …, "it": …}, "max_share": 0.7}, …]}

How they are read:
- a cycle is the credential's validity, ``cycle_start`` to ``cycle_end``; only activities dated inside it count;
- **caps** (breadth): a category counts towards the total for at most ``max_share * min_hours_total`` hours;
  hours over its cap do not count. An activity whose category is not in the rules counts for nothing;
- **total**: the capped hours of the cycle must reach ``min_hours_total``;
- **per year** (regularity): each cycle year (``cycle_start`` + n years up to the next anniversary, the last
  one ending at ``cycle_end``) must have at least ``min_hours_per_year`` hours in recognised categories. Caps
  are not applied per year: they govern the mix of the whole cycle, the yearly minimum only its regularity.

The services (:func:`log_activity`, :func:`delete_activity`) own the holder's log: only the holder writes to
it, evidence files are checked by content (``dossiers.uploads``), and an activity that an approved renewal
relied on can no longer be deleted.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import IO, Any, Protocol

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from aipia.errors import DomainError, InvalidTransition, NotAllowed
from credentials.models import CPDActivity, Credential, CredentialEvent, RenewalApplication
from dossiers.uploads import check_upload

MAX_HOURS_PER_ACTIVITY = Decimal("1000")
DESCRIPTION_MAX_LENGTH = 2000


class Activity(Protocol):
    """What the rule check reads of an activity (a ``CPDActivity`` or anything shaped like it)."""

    date: datetime.date
    category: str
    hours: Decimal


@dataclass(frozen=True)
class CategoryProgress:
    code: str
    title: dict[str, str]
    hours: Decimal  # logged in the cycle
    counted: Decimal  # of which count towards the total (up to the cap)
    cap: Decimal | None  # None: no cap


@dataclass(frozen=True)
class YearProgress:
    number: int  # 1, 2, 3 …
    start: datetime.date
    end: datetime.date  # inclusive
    hours: Decimal
    required: Decimal
    state: str  # "past", "current" or "future", as of ``today``

    @property
    def met(self) -> bool:
        return self.hours >= self.required


@dataclass(frozen=True)
class CpdProgress:
    required_total: Decimal
    counted_total: Decimal  # capped hours of recognised categories in the cycle
    logged_total: Decimal  # every hour logged in the cycle, whatever its category or cap
    required_per_year: Decimal
    years: list[YearProgress]
    categories: list[CategoryProgress]
    uncounted: Decimal  # hours over a cap, outside the cycle or in unknown categories
    met: bool
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (decimals as strings, dates ISO), as stored in a renewal application's snapshot."""
        return _jsonable(asdict(self))


@dataclass(frozen=True)
class YearShortfall:
    number: int
    start: datetime.date
    end: datetime.date  # inclusive
    hours: Decimal
    required: Decimal
    missing: Decimal  # hours still needed this year


@dataclass(frozen=True)
class CpdShortfall:
    """What a CPD record still lacks against the profile's rules, in hours: over the cycle (capped hours, as the
    total counts them) and in each year below its minimum."""

    counted_total: Decimal
    required_total: Decimal
    missing_total: Decimal  # 0 when only a year's minimum is not reached
    years: list[YearShortfall]


def shortfall(progress: CpdProgress) -> CpdShortfall | None:
    """The hours ``progress`` still lacks (None when the rules are met). Pure."""
    if progress.met:
        return None
    return CpdShortfall(
        counted_total=progress.counted_total,
        required_total=progress.required_total,
        missing_total=max(progress.required_total - progress.counted_total, Decimal(0)),
        years=[
            YearShortfall(
                number=y.number,
                start=y.start,
                end=y.end,
                hours=y.hours,
                required=y.required,
                missing=y.required - y.hours,
            )
            for y in progress.years
            if not y.met
        ],
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value or 0))
    except InvalidOperation:
        return Decimal(0)


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def cycle_years(cycle_start: datetime.date, cycle_end: datetime.date) -> list[tuple[datetime.date, datetime.date]]:
    """The cycle's years as inclusive (start, end) pairs: anniversaries of ``cycle_start``, the last one cut at
    ``cycle_end``. A cycle of exactly three years has three years, not a fourth of one day."""
    years = []
    number = 0
    start = cycle_start
    while start <= cycle_end:
        number += 1
        following = _add_years(cycle_start, number)
        if following >= cycle_end:  # the last year also holds the cycle's final day (its anniversary)
            years.append((start, cycle_end))
            break
        years.append((start, following - datetime.timedelta(days=1)))
        start = following
    return years


def _title(category: dict) -> dict[str, str]:
    title = category.get("title") or {}
    if isinstance(title, str):
        return {"en": title, "it": title}
    code = str(category.get("code", ""))
    return {"en": title.get("en") or code, "it": title.get("it") or title.get("en") or code}


def cpd_progress(
    rules: dict,
    activities: Iterable[Activity],
    *,
    cycle_start: datetime.date,
    cycle_end: datetime.date,
    today: datetime.date,
) -> CpdProgress:
    """Check ``activities`` against ``rules`` for the cycle ``cycle_start`` to ``cycle_end`` (inclusive).

    ``met`` is True when the capped total and every cycle year reach their minimums; ``problems`` says, in the
    active language, what is missing. ``today`` only labels the years (past, current, future). Pure.
    """
    rules = rules or {}
    required_total = _decimal(rules.get("min_hours_total"))
    required_per_year = _decimal(rules.get("min_hours_per_year"))
    by_code = {str(c["code"]): c for c in rules.get("categories") or [] if c.get("code")}
    in_cycle = [a for a in activities if cycle_start <= a.date <= cycle_end]
    logged_total = sum((_decimal(a.hours) for a in in_cycle), Decimal(0))
    category_progress = _category_progress(by_code, in_cycle, required_total)
    counted_total = sum((c.counted for c in category_progress), Decimal(0))
    years = []
    for number, (start, end) in enumerate(cycle_years(cycle_start, cycle_end), start=1):
        hours = sum(
            (_decimal(a.hours) for a in in_cycle if start <= a.date <= end and a.category in by_code), Decimal(0)
        )
        state = "past" if end < today else ("future" if start > today else "current")
        years.append(
            YearProgress(number=number, start=start, end=end, hours=hours, required=required_per_year, state=state)
        )
    unknown = sum((_decimal(a.hours) for a in in_cycle if a.category not in by_code), Decimal(0))
    return CpdProgress(
        required_total=required_total,
        counted_total=counted_total,
        logged_total=logged_total,
        required_per_year=required_per_year,
        years=years,
        categories=category_progress,
        uncounted=logged_total - counted_total,
        met=counted_total >= required_total and all(y.met for y in years),
        problems=_progress_problems(counted_total, required_total, years, category_progress, unknown),
    )


def _category_progress(
    by_code: dict[str, dict], in_cycle: list[Activity], required_total: Decimal
) -> list[CategoryProgress]:
    """Hours per category, and how many count: a category with ``max_share`` counts at most that share of the
    required total."""
    per_category: dict[str, Decimal] = {code: Decimal(0) for code in by_code}
    for activity in in_cycle:
        if activity.category in per_category:
            per_category[activity.category] += _decimal(activity.hours)
    progress = []
    for code, category in by_code.items():
        share = category.get("max_share")
        cap = (required_total * _decimal(share)).quantize(Decimal("0.1")) if share is not None else None
        hours = per_category[code]
        counted = min(hours, cap) if cap is not None else hours
        progress.append(CategoryProgress(code=code, title=_title(category), hours=hours, counted=counted, cap=cap))
    return progress


def _progress_problems(
    counted_total: Decimal,
    required_total: Decimal,
    years: list[YearProgress],
    category_progress: list[CategoryProgress],
    unknown: Decimal,
) -> list[str]:
    """What is missing, in the active language."""
    problems = []
    if counted_total < required_total:
        problems.append(
            _("%(counted)s of the %(required)s hours required over the cycle count so far.")
            % {"counted": counted_total, "required": required_total}
        )
    for year in years:
        if not year.met:
            problems.append(
                _("Year %(number)d (%(start)s to %(end)s): %(hours)s of the %(required)s hours required.")
                % {
                    "number": year.number,
                    "start": year.start.isoformat(),
                    "end": year.end.isoformat(),
                    "hours": year.hours,
                    "required": year.required,
                }
            )
    for category in category_progress:
        if category.cap is not None and category.hours > category.cap:
            problems.append(
                _("%(title)s: %(hours)s hours logged, at most %(cap)s count towards the total.")
                % {"title": category.title.get("en"), "hours": category.hours, "cap": category.cap}
            )
    if unknown:
        problems.append(_("%(hours)s hours are in categories the rules do not recognise.") % {"hours": unknown})
    return problems


# --- the holder's log ------------------------------------------------------------------------------------------


def cycle_of(credential: Credential) -> tuple[datetime.date, datetime.date]:
    """The CPD cycle of ``credential``: its validity, as local dates."""
    return timezone.localdate(credential.valid_from), timezone.localdate(credential.valid_until)


def progress_for(
    credential: Credential, *, today: datetime.date | None = None, activities: list[CPDActivity] | None = None
) -> CpdProgress:
    """The progress of the credential's holder against its profile's rules, today (``activities``: the
    credential's, when the caller has read them already)."""
    start, end = cycle_of(credential)
    return cpd_progress(
        credential.profile.cpd_rules,
        list(credential.cpd_activities.all()) if activities is None else activities,
        cycle_start=start,
        cycle_end=end,
        today=today or timezone.localdate(),
    )


def categories_of(credential: Credential) -> list[dict]:
    return [c for c in (credential.profile.cpd_rules or {}).get("categories") or [] if c.get("code")]


def log_activity(
    *,
    holder: User,
    credential: Credential,
    date: datetime.date,
    category: str,
    hours: Decimal | str | float,
    description: str,
    evidence: IO[bytes] | None = None,
    evidence_name: str = "",
) -> CPDActivity:
    """Record one CPD activity of the credential's holder; the evidence file, if any, is checked by content.

    Refused: someone else's credential, a revoked or already renewed credential, a category the profile does
    not know, a date outside the cycle or in the future, hours not in (0, 1000] with one decimal. Audited.
    """
    _check_loggable(holder, credential)
    category = (category or "").strip()
    if category not in {str(c["code"]) for c in categories_of(credential)}:
        raise DomainError(_("Choose one of the profile's CPD categories."), code="invalid_category")
    amount = _checked_hours(hours)
    _check_date(credential, date)
    description = (description or "").strip()
    if not description:
        raise DomainError(_("Describe the activity."), code="description_required")
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise DomainError(
            _("The description is too long (at most %(max)d characters).") % {"max": DESCRIPTION_MAX_LENGTH},
            code="description_too_long",
        )
    activity = CPDActivity(
        holder=holder, credential=credential, date=date, category=category, hours=amount, description=description
    )
    if evidence is not None:
        checked = check_upload(evidence, max_bytes=settings.EVIDENCE_MAX_BYTES)
        activity.evidence_sha256 = checked.sha256
        # The stored name ends in the extension of the real type, never the one the client gave.
        stem = "".join(ch for ch in (evidence_name.rsplit(".", 1)[0] or "evidence") if ch.isalnum() or ch in "-_")
        activity.evidence.save(f"{(stem or 'evidence')[:80]}{checked.extension}", File(evidence), save=False)
    try:
        with transaction.atomic():
            activity.save()
            CredentialEvent.objects.create(
                credential=credential,
                action="cpd.activity_logged",
                actor=holder,
                data={"activity": activity.pk, "category": category, "hours": str(amount), "date": date.isoformat()},
            )
    except Exception:
        if activity.evidence.name:
            activity.evidence.storage.delete(activity.evidence.name)
        raise
    return activity


def _check_loggable(holder: User, credential: Credential) -> None:
    if credential.holder_id != holder.pk:
        raise NotAllowed(_("Only the holder can log CPD activities for this credential."))
    if credential.status == Credential.Status.REVOKED:
        raise InvalidTransition(_("This credential is revoked: CPD can no longer be logged against it."))
    if Credential.objects.filter(predecessor=credential).exists():
        raise InvalidTransition(
            _("This credential has been renewed: log new activities on the credential that renewed it.")
        )


def _checked_hours(hours: Decimal | str | float) -> Decimal:
    try:
        amount = Decimal(str(hours)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(_("Hours must be a number, e.g. 7.5."), code="invalid_hours") from exc
    if amount != Decimal(str(hours)) or not Decimal(0) < amount <= MAX_HOURS_PER_ACTIVITY:
        raise DomainError(
            _("Hours must be more than 0 and at most %(max)s, with at most one decimal.")
            % {"max": MAX_HOURS_PER_ACTIVITY},
            code="invalid_hours",
        )
    return amount


def _check_date(credential: Credential, date: datetime.date) -> None:
    start, end = cycle_of(credential)
    if date > timezone.localdate():
        raise DomainError(_("An activity cannot be dated in the future."), code="invalid_date")
    if not start <= date <= end:
        raise DomainError(
            _("The activity must fall within the credential's cycle, %(start)s to %(end)s.")
            % {"start": start.isoformat(), "end": end.isoformat()},
            code="invalid_date",
        )


def relied_on_by_approved_renewal(activity: CPDActivity) -> bool:
    """Whether an approved renewal's CPD record includes ``activity``."""
    snapshots = RenewalApplication.objects.filter(
        credential_id=activity.credential_id, status=RenewalApplication.Status.APPROVED
    ).values_list("cpd_snapshot", flat=True)
    return any(activity.pk in {a.get("id") for a in (s or {}).get("activities", [])} for s in snapshots)


def delete_activity(*, holder: User, activity: CPDActivity) -> None:
    """Delete one of the holder's own activities (and its evidence file), unless an approved renewal relied on
    it: that record must stay as it was when the decision was taken. Audited."""
    if activity.holder_id != holder.pk:
        raise NotAllowed(_("Only the holder can delete this CPD activity."))
    with transaction.atomic():
        row = CPDActivity.objects.select_for_update().get(pk=activity.pk)
        if relied_on_by_approved_renewal(row):
            raise InvalidTransition(
                _("An approved renewal relied on this activity: it is part of the record and cannot be deleted.")
            )
        evidence_name = row.evidence.name
        CredentialEvent.objects.create(
            credential_id=row.credential_id,
            action="cpd.activity_deleted",
            actor=holder,
            data={"activity": row.pk, "category": row.category, "hours": str(row.hours), "date": row.date.isoformat()},
        )
        row.delete()
        if evidence_name:
            storage = row.evidence.storage
            transaction.on_commit(partial(storage.delete, evidence_name))


def snapshot(
    credential: Credential,
    *,
    today: datetime.date | None = None,
    activities: list[CPDActivity] | None = None,
    progress: CpdProgress | None = None,
) -> dict[str, Any]:
    """The CPD record and its rule check as they stand, for a renewal application to keep (``activities``, in
    date order, and their ``progress``: when the caller has them already)."""
    if activities is None:
        activities = list(credential.cpd_activities.order_by("date", "pk"))
    if progress is None:
        progress = progress_for(credential, today=today, activities=activities)
    return {
        "taken_at": timezone.now().isoformat(),
        "rules": credential.profile.cpd_rules or {},
        "activities": [
            {
                "id": a.pk,
                "date": a.date.isoformat(),
                "category": a.category,
                "hours": str(a.hours),
                "description": a.description,
                "evidence": (a.evidence.name or "").rsplit("/", 1)[-1],
                "evidence_sha256": a.evidence_sha256,
            }
            for a in activities
        ],
        "progress": progress.as_dict(),
    }
