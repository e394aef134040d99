"""JSON from strangers, read within bounds: a nesting depth checked before the parser sees the text.

Python's JSON parser recurses once per level of nesting: 200,000 nested arrays exhaust the interpreter's stack
(``RecursionError``), an error page instead of an answer. :func:`loads` refuses text nested deeper than
``max_depth`` with :class:`TooDeeplyNested` (a ``ValueError``, like every other JSON error) after a scan that
runs at regular-expression speed: strings are blanked out, then only brackets are counted.

Pure module: no Django, so the offline verifier uses it too.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Our sealed credentials nest about 15 levels deep; a status list, a JWKS or an API request far less.
MAX_DEPTH = 64

# "Unrolled" so that the engine runs through a string's plain characters in one step (a 5 MB string in ms).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


class TooDeeplyNested(ValueError):
    """The JSON nests arrays and objects deeper than allowed."""


def depth(text: str) -> int:
    """The deepest nesting of arrays and objects in ``text`` (0 for a scalar), brackets inside strings ignored.
    Stops counting once past :data:`MAX_DEPTH` * 4, so a hostile text costs no more than that."""
    skeleton = _NOT_BRACKET.sub("", _STRING.sub("", text))
    level = deepest = 0
    for character in skeleton:
        if character in "[{":
            level += 1
            if level > deepest:
                deepest = level
                if deepest > MAX_DEPTH * 4:
                    break
        else:
            level -= 1
    return deepest


def loads(data: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads(data)`` for text nested at most ``max_depth`` deep; :class:`TooDeeplyNested` otherwise.
    Bytes are read as UTF-8 (a byte order mark allowed)."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    if depth(text) > max_depth:
        raise TooDeeplyNested(f"The JSON is nested more than {max_depth} levels deep.")
    try:
        return json.loads(text)
    except RecursionError as error:  # pragma: no cover - the scan above keeps the parser from getting here
        raise TooDeeplyNested("The JSON is nested too deeply.") from error
