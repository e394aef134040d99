"""Bilingual content stored as ``<field>_en`` / ``<field>_it`` columns or ``{"en": …, "it": …}`` objects."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language

SUPPORTED = ("en", "it")


def current_language() -> str:
    lang = (get_language() or "en")[:2]
    return lang if lang in SUPPORTED else "en"


def pick(value: Any, lang: str | None = None) -> str:
    """The text of a ``{"en", "it"}`` object in ``lang`` (the active language), falling back to English."""
    if isinstance(value, dict):
        lang = lang or current_language()
        return value.get(lang) or value.get("en") or ""
    return "" if value is None else str(value)


class Bilingual:
    """Mixin for models with ``<name>_en`` and ``<name>_it`` fields."""

    def tr(self, name: str, lang: str | None = None) -> str:
        lang = lang or current_language()
        return getattr(self, f"{name}_{lang}", "") or getattr(self, f"{name}_en", "")
