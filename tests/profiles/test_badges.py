"""A profile's badge: the pure drawing (SVG and PNG from one layout) and the public, cacheable pages and API."""

import io
import subprocess
import sys
from xml.etree import ElementTree

import pytest
from django.urls import reverse
from PIL import Image

from profiles.badge_drawing import (
    AREA_COLOURS,
    INK,
    PNG_SIZE,
    TITLE_WIDTH,
    BadgeData,
    badge_png,
    badge_svg,
    layout,
    level_range,
    short_name,
)
from profiles.badges import badge_url

SVG = "{http://www.w3.org/2000/svg}"
DASH = "\u2013"  # the en dash between the lowest and the highest level
HOSTILE_TITLE = 'Engineer <script>alert("x")</script> & <Co> ]]> "quoted"'


def make_badge(**changes) -> BadgeData:
    values = {
        "code": "ai-ml-engineer",
        "title": "AI Machine Learning Engineer",
        "association": "AIPIA",
        "eqf_level": 6,
        "standard": "UNI 11621-8:2026",
        "levels": (4, 3, 3),
        "areas": ("B", "B", "E"),
    }
    return BadgeData(**{**values, **changes})


def svg_texts(svg: bytes) -> list[str]:
    root = ElementTree.fromstring(svg)  # noqa: S314 - our own drawing
    return [element.text or "" for element in root.iter() if element.tag in (f"{SVG}text", f"{SVG}title")]


# The drawing


def test_the_svg_is_well_formed_and_shows_the_profile_the_association_and_the_levels():
    svg = badge_svg(make_badge())

    root = ElementTree.fromstring(svg)  # noqa: S314 - our own drawing
    texts = svg_texts(svg)

    assert root.tag == f"{SVG}svg" and root.get("viewBox") == "0 0 400 400"
    assert "AIPIA" in texts and f"EQF 6 · e-3 {DASH} e-4" in texts and "ai-ml-engineer" in texts
    assert " ".join(texts[2:5]).startswith("AI Machine Learning")
    assert root.find(f"{SVG}title").text == f"AI Machine Learning Engineer — AIPIA, EQF 6, e-3 {DASH} e-4"


def test_markup_in_a_profile_name_is_escaped_and_the_svg_stays_well_formed():
    svg = badge_svg(make_badge(title="<&>", association="A&B <Assoc>"))

    texts = svg_texts(svg)  # parses: a broken document would raise here

    assert "<&>" in texts and "A&B <Assoc>" in texts
    assert b"&lt;&amp;&gt;" in svg and b"<&>" not in svg


def test_a_long_hostile_title_is_wrapped_escaped_and_never_becomes_markup():
    svg = badge_svg(make_badge(title=HOSTILE_TITLE * 2))

    root = ElementTree.fromstring(svg)  # noqa: S314 - our own drawing

    assert not [element for element in root.iter() if "script" in element.tag]
    title_lines = [text for text in layout(make_badge(title=HOSTILE_TITLE * 2)).texts if text.colour == INK]
    assert len(title_lines) == 3 and title_lines[-1].text.endswith("…")
    assert all(text.width <= TITLE_WIDTH for text in title_lines)


def test_the_ring_has_one_arc_per_e_cf_area_in_its_colour():
    drawing = layout(make_badge(areas=("A", "B", "B", "E")))

    assert [segment.colour for segment in drawing.segments] == [AREA_COLOURS["A"], AREA_COLOURS["B"], AREA_COLOURS["E"]]
    sweeps = [segment.end - segment.start for segment in drawing.segments]
    assert sweeps[1] > sweeps[0] and sweeps[0] == pytest.approx(sweeps[2])


def test_a_profile_without_competences_gets_a_whole_ring_and_no_level_range():
    drawing = layout(make_badge(levels=(), areas=()))

    assert len(drawing.segments) == 1 and drawing.segments[0].end - drawing.segments[0].start == 360
    assert "EQF 6" in [text.text for text in drawing.texts]


def test_the_png_decodes_at_its_size_and_shows_the_area_colours():
    png = badge_png(make_badge(areas=("C",) * 3))

    image = Image.open(io.BytesIO(png))
    image.load()

    assert image.format == "PNG" and image.size == (PNG_SIZE, PNG_SIZE)
    colours = {colour[:3] for _count, colour in image.convert("RGBA").getcolors(maxcolors=1 << 20)}
    assert tuple(int(AREA_COLOURS["C"][index : index + 2], 16) for index in (1, 3, 5)) in colours


def test_the_png_and_the_svg_come_from_the_same_layout():
    data = make_badge(title="A title that wraps onto two lines at least")

    texts = [text.text for text in layout(data).texts]

    assert svg_texts(badge_svg(data))[1:] == texts


@pytest.mark.parametrize(
    ("name", "short"),
    [("AIPIA — Associazione Italiana", "AIPIA"), ("ACME - Association", "ACME"), ("Plain name", "Plain name")],
)
def test_the_badge_names_the_association_by_its_short_name(name, short):
    assert short_name(name) == short


def test_the_level_range_reads_as_one_level_or_the_lowest_to_the_highest():
    assert level_range((3, 3)) == "e-3" and level_range((5, 2, 3)) == f"e-2 {DASH} e-5" and level_range(()) == ""


def test_the_drawing_imports_nothing_of_django():
    script = "import sys, profiles.badge_drawing; print(any(m.startswith('django') for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)  # noqa: S603

    assert result.stdout.strip() == "False"


# The pages and the API


@pytest.mark.parametrize(("ext", "content_type"), [("svg", "image/svg+xml"), ("png", "image/png")])
def test_the_badge_is_served_public_and_cacheable(client, profile, ext, content_type):
    url = reverse("profiles:badge", kwargs={"code": profile.code, "ext": ext})

    response = client.get(url)

    assert url == f"/profiles/{profile.code}/badge.{ext}"
    assert response.status_code == 200 and response["Content-Type"] == content_type
    assert "public" in response["Cache-Control"] and "max-age=3600" in response["Cache-Control"]
    assert response["ETag"].startswith('"') and not response.cookies

    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])

    assert again.status_code == 304 and again["ETag"] == response["ETag"] and not again.content


def test_the_served_svg_shows_the_profile_from_the_catalogue(client, profile):
    svg = client.get(f"/profiles/{profile.code}/badge.svg").content

    texts = svg_texts(svg)

    assert profile.title_en.split()[0] in " ".join(texts) and profile.code in texts
    assert f"EQF {profile.eqf_level}" in " ".join(texts)


def test_an_edited_profile_gets_a_new_badge_and_a_new_etag(client, profile):
    first = client.get(f"/profiles/{profile.code}/badge.svg")
    profile.title_en = "AI <Renamed> & Engineer"
    profile.save()

    second = client.get(f"/profiles/{profile.code}/badge.svg", HTTP_IF_NONE_MATCH=first["ETag"])

    assert second.status_code == 200 and second["ETag"] != first["ETag"]
    assert "AI <Renamed> & Engineer" in " ".join(svg_texts(second.content))


def test_the_badge_png_is_400_pixels_square(client, profile):
    image = Image.open(io.BytesIO(client.get(f"/profiles/{profile.code}/badge.png").content))

    assert image.size == (400, 400)


@pytest.mark.parametrize("path", ["/profiles/no-such-profile/badge.svg", "/profiles/ai-ml-engineer/badge.gif"])
def test_an_unknown_profile_or_format_is_not_found(client, profile, path):
    assert client.get(path).status_code == 404


def test_an_unpublished_profile_has_no_badge(client, profile):
    profile.is_published = False
    profile.save()

    assert client.get(f"/profiles/{profile.code}/badge.png").status_code == 404


def test_the_profiles_api_gives_the_badge_addresses(client, profile, settings):
    settings.SITE_URL = "https://credentials.example.org"

    listed = {item["code"]: item for item in client.get("/api/v1/profiles/").json()}[profile.code]
    detail = client.get(f"/api/v1/profiles/{profile.code}/").json()

    expected = {
        "svg": f"https://credentials.example.org/profiles/{profile.code}/badge.svg",
        "png": f"https://credentials.example.org/profiles/{profile.code}/badge.png",
    }
    assert listed["badge"] == expected and detail["badge"] == expected
    assert badge_url(profile.code) == expected["png"]
