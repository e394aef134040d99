"""What each event of a history means, as a sentence: ``dossier.created`` reads "Dossier created".

The audit trails (a dossier's events, a credential's, a renewal's) store each event's machine code, a dotted name that
the API keeps giving. People read a sentence, in their own language. accounts sits below every app that writes events,
so it cannot know their codes (it would import upwards); as with the personal-data registry, each app registers the
sentences of the codes it writes, from its ``history.py`` imported by its ``AppConfig.ready``, and the pages (the
``describe_event`` filter of the ``history`` template library), the admin and the API ask :func:`describe`.

A code with no sentence still reads as words ("Credential reminder sent"), never as an error; a test fails when a code
that the code base writes has no sentence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.utils.functional import Promise

_SENTENCES: dict[str, str | Promise] = {}


def register_events(sentences: Mapping[str, str | Promise]) -> None:
    """Say what each event code of ``sentences`` means: a lazily translated sentence (``gettext_lazy``), so that
    it reads in the language of whoever looks. One app owns a code: registering it again with another sentence is
    a mistake and raises ``ValueError``."""
    for code, sentence in sentences.items():
        known = _SENTENCES.get(code)
        if known is not None and known is not sentence:
            raise ValueError(f"The event code {code!r} already has a sentence.")
        _SENTENCES[code] = sentence


def registered_codes() -> frozenset[str]:
    return frozenset(_SENTENCES)


def describe(code: str) -> str:
    """The sentence for the event ``code`` in the active language, or the code's words if none is registered."""
    sentence = _SENTENCES.get(code)
    if sentence is not None:
        return str(sentence)
    return readable(code)


def readable(code: str) -> str:
    """``credential.reminder_sent`` → "Credential reminder sent": a code without a sentence, still in words."""
    words = " ".join(part for part in re.split(r"[._\s-]+", code or "") if part)
    return words[:1].upper() + words[1:]
