"""The one site of the Sites framework: the association (ASSOCIATION_NAME) at SITE_URL's address.

allauth's e-mails and pages name the site through the Sites framework; without it they named it after the host the
request came to ("Hello from 127.0.0.1:8000!"). The site's row is written from the settings, never by hand: on every
``migrate`` (:func:`sync_site`, connected to post_migrate by accounts' ``AppConfig.ready``), so a fresh database
has it and a deployment that changes the settings, which migrates, brings it in step; the checks below say when the
settings cannot make a site, or when the row and the settings differ.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.db import DatabaseError

NAME_MAX_LENGTH: int = Site._meta.get_field("name").max_length  # type: ignore[assignment]
DOMAIN_MAX_LENGTH: int = Site._meta.get_field("domain").max_length  # type: ignore[assignment]
# What separates an association's short name from its full one: "AIPIA — Associazione Italiana per …".
_NAME_SEPARATORS = (" \u2014 ", " \u2013 ", " - ")  # em dash, en dash, hyphen


def site_domain() -> str:
    """SITE_URL's host, with its port if it has one: ``https://credentials.aipia.it`` → ``credentials.aipia.it``."""
    return urlsplit(settings.SITE_URL).netloc.lower()


def site_name() -> str:
    """ASSOCIATION_NAME, if the site's name (50 characters) can hold it; else its short name, the part before
    the dash ("AIPIA"), or failing that its beginning. The e-mails take the full name from the settings."""
    name = settings.ASSOCIATION_NAME.strip()
    if len(name) <= NAME_MAX_LENGTH:
        return name
    for separator in _NAME_SEPARATORS:
        short = name.split(separator, 1)[0].strip()
        if short != name and 0 < len(short) <= NAME_MAX_LENGTH:
            return short
    return name[: NAME_MAX_LENGTH - 1].rstrip() + "…"


def sync_site(*, using: str = "default") -> Site:
    """Write the site's name and domain from the settings (SITE_ID's row, created if missing). Idempotent."""
    site, _ = Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID, defaults={"domain": site_domain(), "name": site_name()}
    )
    Site.objects.clear_cache()
    return site


def sync_site_after_migrate(*, using: str, **kwargs) -> None:
    """post_migrate receiver: the sites table exists by the time any app's post_migrate is sent."""
    sync_site(using=using)


@register()
def site_settings_make_a_site(app_configs, **kwargs) -> list[CheckMessage]:
    domain = site_domain()
    if not domain:
        return [
            Error(
                f"SITE_URL ({settings.SITE_URL!r}) has no host: the e-mails' links and the site's address need one.",
                hint="Set SITE_URL to the address people open, e.g. https://credentials.example.org.",
                id="accounts.E001",
            )
        ]
    if len(domain) > DOMAIN_MAX_LENGTH:
        return [
            Error(
                f"SITE_URL's host is longer than the {DOMAIN_MAX_LENGTH} characters a site's domain can hold.",
                id="accounts.E002",
            )
        ]
    return []


@register(Tags.database)
def site_follows_settings(app_configs, databases=None, **kwargs) -> list[CheckMessage]:
    """Run with database access (``check --database default``, and by ``migrate`` before it migrates)."""
    problems: list[CheckMessage] = []
    for alias in databases or []:
        try:
            site = Site.objects.using(alias).filter(pk=settings.SITE_ID).first()
        except DatabaseError:
            continue  # not migrated yet: migrate creates the row
        if site is None or (site.domain, site.name) != (site_domain(), site_name()):
            problems.append(
                Warning(
                    f"The site in database {alias!r} is not the one the settings describe "
                    f"({site_name()!r} at {site_domain()!r}): allauth's e-mails would name the wrong site.",
                    hint="Run manage.py migrate, which writes the site from ASSOCIATION_NAME and SITE_URL.",
                    id="accounts.W001",
                )
            )
    return problems
