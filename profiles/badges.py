"""A profile's badge as the site serves it: the drawing's data read from the profile and the settings, the image
bytes (kept per process, since a badge changes only when its profile does) and the badge's public address."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.urls import reverse

from .badge_drawing import BadgeData, badge_png, badge_svg, short_name
from .models import Profile

CONTENT_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


@dataclass(frozen=True)
class BadgeImage:
    content: bytes
    content_type: str
    etag: str  # quoted, as the header carries it


def badge_data(profile: Profile) -> BadgeData:
    """The badge's data: the profile's English title (the name the standard gives the role), its code, EQF level
    and competences, and the association's short name."""
    competences = list(profile.profile_competences.all())
    return BadgeData(
        code=profile.code,
        title=profile.title_en,
        association=short_name(settings.ASSOCIATION_NAME),
        eqf_level=profile.eqf_level,
        standard=profile.standard_edition,
        levels=tuple(item.level for item in competences),
        areas=tuple(item.competence.area for item in competences),
    )


def badge_image(profile: Profile, ext: str) -> BadgeImage:
    """The badge of ``profile`` as ``ext`` ("svg" or "png")."""
    return _draw(badge_data(profile), ext)


@lru_cache(maxsize=64)
def _draw(data: BadgeData, ext: str) -> BadgeImage:
    content = badge_svg(data) if ext == "svg" else badge_png(data)
    return BadgeImage(content, CONTENT_TYPES[ext], f'"{hashlib.sha256(content).hexdigest()[:32]}"')


def badge_url(code: str, ext: str = "png") -> str:
    """The badge's absolute address, for e-mails, link previews and the API."""
    return settings.SITE_URL.rstrip("/") + reverse("profiles:badge", kwargs={"code": code, "ext": ext})
