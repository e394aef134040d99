"""A profile's badge, drawn as SVG and as PNG from one geometry.

Pure module: data in, bytes out; no Django (import-linter checks it). :func:`layout` decides everything once —
the ring of e-CF area colours, the lines the title wraps into and their type size, the texts and their places — and
:func:`badge_svg` and :func:`badge_png` only paint that layout, so the two images agree.

Text is measured with the DejaVu fonts Debian installs (fonts-dejavu-core), the fonts the SVG names; nothing is
copied into the repository. The SVG is built with ElementTree, so every text is escaped and the document is always
well-formed, whatever a profile's title holds.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.etree import ElementTree

from PIL import Image, ImageDraw, ImageFont

SIZE = 400  # the drawing's units: the SVG's viewBox, and the PNG's pixels at scale 1
CENTRE = SIZE / 2
PNG_SIZE = 400
SUPERSAMPLING = 2  # the PNG is painted this much larger and scaled down, which smooths Pillow's unsmoothed shapes

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = {"sans": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf", "mono": "DejaVuSansMono.ttf"}
SVG_FONTS = {
    "sans": ("DejaVu Sans, sans-serif", "normal"),
    "bold": ("DejaVu Sans, sans-serif", "bold"),
    "mono": ("DejaVu Sans Mono, monospace", "normal"),
}

INK = "#1b2430"
ACCENT = "#1f4e79"
MUTED = "#5a6472"
PAPER = "#ffffff"
# One colour per e-CF area (EN 16234-1): Plan, Build, Run, Enable, Manage. Our own palette, chosen to stay apart
# for the common kinds of colour blindness as well as on paper.
AREA_COLOURS = {"A": "#2f6db5", "B": "#2e8b57", "C": "#d9822b", "D": "#7b4fa0", "E": "#c0392b"}

RING_RADIUS = 178
RING_WIDTH = 22
RING_GAP_DEGREES = 3
DISC_RADIUS = 163
TITLE_WIDTH = 262
TITLE_SIZES = (34, 30, 26, 23, 20)
TITLE_MAX_LINES = 3

SVG_NAMESPACE = "http://www.w3.org/2000/svg"


@dataclass(frozen=True)
class BadgeData:
    """What a badge shows of a profile."""

    code: str
    title: str
    association: str  # the short name, e.g. "AIPIA"
    eqf_level: int
    standard: str  # e.g. "UNI 11621-8:2026"
    levels: tuple[int, ...] = ()  # the e-CF proficiency level of each competence
    areas: tuple[str, ...] = ()  # the e-CF area (A..E) of each competence, in the profile's order


@dataclass(frozen=True)
class Segment:
    """An arc of the ring, clockwise from ``start`` to ``end`` degrees (0 is the top)."""

    start: float
    end: float
    colour: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # the baseline
    text: str
    font: str  # a key of FONT_FILES
    size: float
    colour: str
    width: float  # as measured with the font: the SVG pins it (textLength), so that both images agree


@dataclass(frozen=True)
class Layout:
    segments: tuple[Segment, ...]
    texts: tuple[Text, ...]
    rule_y: float
    description: str


@lru_cache(maxsize=32)
def _font(name: str, size: float) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = FONT_DIR / FONT_FILES[name]
    if path.is_file():
        return ImageFont.truetype(str(path), size=round(size))
    # Without DejaVu installed (fonts-dejavu-core) the PNG falls back to Pillow's own font; the SVG still names
    # DejaVu and the browser substitutes.
    return ImageFont.load_default(size=round(size))


def _measure(text: str, font: str, size: float) -> float:
    return float(_font(font, size).getlength(text))


def short_name(association: str) -> str:
    """The association's short name: what comes before a dash, as in "AIPIA — Associazione …"."""
    for separator in (" — ", " \u2013 ", " - "):
        if separator in association:
            return association.split(separator, 1)[0].strip()
    return association.strip()


def _wrap(words: list[str], size: float) -> list[str] | None:
    """Greedy wrap in TITLE_WIDTH; None when a word alone is too wide or the lines are too many."""
    lines: list[str] = []
    for word in words:
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and _measure(candidate, "bold", size) <= TITLE_WIDTH:
            lines[-1] = candidate
        elif _measure(word, "bold", size) <= TITLE_WIDTH:
            lines.append(word)
        else:
            return None
    return lines if len(lines) <= TITLE_MAX_LINES else None


def _fit_title(title: str) -> tuple[list[str], float]:
    words = title.split() or ["—"]
    for size in TITLE_SIZES:
        wrapped = _wrap(words, size)
        if wrapped is not None:
            return wrapped, float(size)
    # Too long even at the smallest size: words too wide are cut, and the third line ends with an ellipsis.
    size = TITLE_SIZES[-1]
    lines: list[str] = []
    for word in (_shorten(word, "bold", size, TITLE_WIDTH) for word in words):
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and _measure(candidate, "bold", size) <= TITLE_WIDTH:
            lines[-1] = candidate
        else:
            lines.append(word)
    if len(lines) > TITLE_MAX_LINES:
        lines = lines[:TITLE_MAX_LINES]
        last = lines[-1] + " …"
        lines[-1] = last if _measure(last, "bold", size) <= TITLE_WIDTH else _shorten(lines[-1], "bold", size, 0)
    return lines, float(size)


def _text(y: float, text: str, font: str, size: float, colour: str) -> Text:
    return Text(CENTRE, y, text, font, size, colour, _measure(text, font, size))


def _segments(areas: tuple[str, ...]) -> tuple[Segment, ...]:
    counts = {area: areas.count(area) for area in AREA_COLOURS if area in areas}
    if not counts:
        return (Segment(0.0, 360.0, ACCENT),)
    total = sum(counts.values())
    gap = RING_GAP_DEGREES if len(counts) > 1 else 0
    segments, start = [], 0.0
    for area, count in counts.items():
        sweep = 360.0 * count / total
        segments.append(Segment(start + gap / 2, start + sweep - gap / 2, AREA_COLOURS[area]))
        start += sweep
    return tuple(segments)


def level_range(levels: tuple[int, ...]) -> str:
    if not levels:
        return ""
    low, high = min(levels), max(levels)
    return f"e-{low}" if low == high else f"e-{low} \u2013 e-{high}"


def layout(data: BadgeData) -> Layout:
    """Where everything goes, in SIZE by SIZE units."""
    lines, size = _fit_title(data.title)
    line_height = size * 1.18
    # The title's block is centred a little above the disc's centre; the texts above and below follow it.
    first_baseline = CENTRE + 8 - (len(lines) - 1) * line_height / 2
    texts = [_text(118, _shorten(data.association, "bold", 22, 200), "bold", 22, ACCENT)]
    texts += [_text(first_baseline + index * line_height, line, "bold", size, INK) for index, line in enumerate(lines)]
    facts = f"EQF {data.eqf_level}"
    if data.levels:
        facts += f" · {level_range(data.levels)}"
    below = first_baseline + (len(lines) - 1) * line_height
    texts.append(_text(max(below + 42, 268), facts, "bold", 19, ACCENT))
    texts.append(_text(max(below + 66, 292), _shorten(data.standard, "sans", 14, 200), "sans", 14, MUTED))
    texts.append(_text(max(below + 86, 312), _shorten(data.code, "mono", 12, 200), "mono", 12, MUTED))
    description = f"{data.title} — {data.association}, EQF {data.eqf_level}"
    if data.levels:
        description += f", {level_range(data.levels)}"
    return Layout(segments=_segments(data.areas), texts=tuple(texts), rule_y=134, description=description)


def _shorten(text: str, font: str, size: float, width: float) -> str:
    """``text`` if it fits in ``width``, else as much of it as fits with an ellipsis (``width`` 0: one character
    less than the whole, so that it always ends with one)."""
    if width and _measure(text, font, size) <= width:
        return text
    if not width:
        width = _measure(text, font, size)
    while text and _measure(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _point(angle: float, radius: float) -> tuple[float, float]:
    radians = math.radians(angle - 90)
    return CENTRE + radius * math.cos(radians), CENTRE + radius * math.sin(radians)


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def badge_svg(data: BadgeData) -> bytes:
    """The badge as a standalone SVG document (UTF-8), with a title for assistive technology."""
    drawing = layout(data)
    ElementTree.register_namespace("", SVG_NAMESPACE)
    svg = ElementTree.Element(
        f"{{{SVG_NAMESPACE}}}svg",
        {"viewBox": f"0 0 {SIZE} {SIZE}", "width": str(SIZE), "height": str(SIZE), "role": "img"},
    )
    ElementTree.SubElement(svg, f"{{{SVG_NAMESPACE}}}title").text = drawing.description
    _svg_shapes(svg, drawing)
    for text in drawing.texts:
        family, weight = SVG_FONTS[text.font]
        element = ElementTree.SubElement(
            svg,
            f"{{{SVG_NAMESPACE}}}text",
            {
                "x": _number(text.x),
                "y": _number(text.y),
                "text-anchor": "middle",
                "font-family": family,
                "font-weight": weight,
                "font-size": _number(text.size),
                "fill": text.colour,
                "textLength": _number(text.width),
                "lengthAdjust": "spacingAndGlyphs",
            },
        )
        element.text = text.text
    return ElementTree.tostring(svg, encoding="utf-8", xml_declaration=True)


def _svg_shapes(svg: ElementTree.Element, drawing: Layout) -> None:
    circle = f"{{{SVG_NAMESPACE}}}circle"
    ElementTree.SubElement(svg, circle, {"cx": "200", "cy": "200", "r": "199", "fill": PAPER})
    for segment in drawing.segments:
        common = {"fill": "none", "stroke": segment.colour, "stroke-width": str(RING_WIDTH)}
        if segment.end - segment.start >= 360:
            ElementTree.SubElement(svg, circle, {"cx": "200", "cy": "200", "r": str(RING_RADIUS), **common})
            continue
        (x1, y1), (x2, y2) = _point(segment.start, RING_RADIUS), _point(segment.end, RING_RADIUS)
        large = 1 if segment.end - segment.start > 180 else 0
        path = f"M{_number(x1)} {_number(y1)} A{RING_RADIUS} {RING_RADIUS} 0 {large} 1 {_number(x2)} {_number(y2)}"
        ElementTree.SubElement(svg, f"{{{SVG_NAMESPACE}}}path", {"d": path, **common})
    ElementTree.SubElement(
        svg,
        circle,
        {"cx": "200", "cy": "200", "r": str(DISC_RADIUS), "fill": PAPER, "stroke": ACCENT, "stroke-width": "2"},
    )
    ElementTree.SubElement(
        svg,
        f"{{{SVG_NAMESPACE}}}path",
        {"d": f"M150 {drawing.rule_y} H250", "stroke": ACCENT, "stroke-width": "1.5"},
    )


def badge_png(data: BadgeData, size: int = PNG_SIZE) -> bytes:
    """The badge as a ``size`` by ``size`` PNG with a transparent corner, painted from the same layout."""
    drawing = layout(data)
    scale = size * SUPERSAMPLING / SIZE
    image = Image.new("RGBA", (round(SIZE * scale), round(SIZE * scale)), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)

    def box(radius: float) -> tuple[float, float, float, float]:
        return (
            (CENTRE - radius) * scale,
            (CENTRE - radius) * scale,
            (CENTRE + radius) * scale,
            (CENTRE + radius) * scale,
        )

    draw.ellipse(box(199), fill=PAPER)
    ring = box(RING_RADIUS + RING_WIDTH / 2)
    for segment in drawing.segments:
        # Pillow's angles start at three o'clock; ours at the top.
        draw.arc(ring, segment.start - 90, segment.end - 90, fill=segment.colour, width=round(RING_WIDTH * scale))
    draw.ellipse(box(DISC_RADIUS), fill=PAPER, outline=ACCENT, width=max(1, round(2 * scale)))
    draw.line(
        [(150 * scale, drawing.rule_y * scale), (250 * scale, drawing.rule_y * scale)],
        fill=ACCENT,
        width=max(1, round(1.5 * scale)),
    )
    for text in drawing.texts:
        draw.text(
            (text.x * scale, text.y * scale),
            text.text,
            font=_font(text.font, text.size * scale),
            fill=text.colour,
            anchor="ms",
        )
    image = image.resize((size, size), Image.Resampling.LANCZOS)
    output = io.BytesIO()
    image.save(output, format="PNG")
    return output.getvalue()
