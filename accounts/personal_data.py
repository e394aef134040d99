"""The registry of personal data: every app exports and erases what it holds about a person, and registers here.

accounts sits below every app that holds personal data about its users, so it cannot know their models (it would
import upwards). Instead, as pretix's data shredders do, each such app writes a :class:`PersonalData` contributor
in its own ``personal_data.py`` and registers it from its ``AppConfig.ready``; accounts/privacy.py runs the
export and the erasures through :func:`contributors`, and does only the account's own part itself.

Contributors run in the order they registered, which is the order of ``INSTALLED_APPS``: an app's contributor
runs after those of the apps below it. An app may therefore add to the records of an app it depends on (the
committee's decisions go into the dossiers' entries), and the counts come out in a stable order.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.models.fields.files import FieldFile

from .models import User

# What an erased text reads. A value no person writes, so an erased record is recognised and skipped.
ERASED = "[erased]"


class Export:
    """The export being built: ``data`` becomes ``data.json`` (its keys in the order they are added) and
    ``files`` the files under ``files/`` in the ZIP, by their name there."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.files: dict[str, FieldFile] = {}

    def attach(self, prefix: str, field: FieldFile | None) -> str | None:
        """Put the stored file of ``field`` in the export under ``files/<prefix>/``; its name there, which
        ``data.json`` gives, or None if there is no file."""
        if not field or not field.name:
            return None
        name = f"files/{prefix}/{field.name.rsplit('/', 1)[-1]}"
        self.files[name] = field
        return name


class PersonalData:
    """What one app holds about people. Subclass it, override what the app has, and :func:`register` an
    instance. The defaults do nothing: not every app has something to add to each step.

    Every erasure is idempotent (an erased record is recognised and skipped) and never changes a credential's
    status. The counts say how many records of each type were erased, with every key the app counts present,
    zero or not.
    """

    label: str = ""  # the app's label, which identifies the contributor

    def export(self, *, user: User, export: Export) -> None:
        """Add what the app holds about ``user`` to ``export``. Read-only."""

    def erase_expired(self, *, now: datetime.datetime, holder: User | None) -> dict[str, int]:
        """Erase what the retention periods, applied as of ``now``, no longer allow to keep; only ``holder``'s
        records if given."""
        return {}

    def erase_account(self, *, user: User) -> dict[str, int]:
        """On the closing of ``user``'s account, after :meth:`erase_expired`, inside the closing's transaction:
        delete or unlist what the person alone wanted kept."""
        return {}


_registry: dict[str, PersonalData] = {}


def register(contributor: PersonalData) -> PersonalData:
    """Add ``contributor`` to the registry. One per app: registering an app's label again replaces the earlier one
    in its place."""
    if not contributor.label:
        raise ValueError(f"{type(contributor).__name__} needs the label of its app.")
    _registry[contributor.label] = contributor
    return contributor


def contributors() -> list[PersonalData]:
    """The registered contributors, in registration order."""
    return list(_registry.values())


def retention_cutoff(now: datetime.datetime, setting: str) -> datetime.datetime:
    """The instant before which a record's end must lie for the retention period ``setting`` (a number of days,
    e.g. ``RETENTION_APPLICATION_DAYS``) to have passed, as of ``now``."""
    return now - datetime.timedelta(days=getattr(settings, setting))


def delete_file(field: FieldFile) -> bool:
    """Delete the stored file of ``field`` and empty the field (the caller saves the row). False if there was none."""
    if not field or not field.name:
        return False
    field.storage.delete(field.name)
    field.name = ""
    return True


def event_entry(event: Any, *, user: User) -> dict[str, Any]:
    """An audit event of a person's record (a dossier's, a credential's) as the export shows it to them: what
    changed and why, and whether they did it themselves; who else acted is not theirs to see."""
    return {
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "reason": event.reason,
        "by_you": event.actor_id == user.pk,
        "created_at": event.created_at,
    }
