from __future__ import annotations

import xml.etree.ElementTree as ET

from tunecamp.generator.media.cover import procedural_cover

SVG = "{http://www.w3.org/2000/svg}"


def parse(data: bytes) -> ET.Element:
    return ET.fromstring(data)


def title_lines(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}tspan")]


def stops(root: ET.Element) -> list[str]:
    return [s.get("stop-color", "") for s in root.iter(f"{SVG}stop")]


def test_cover_is_a_square_svg_and_deterministic() -> None:
    data = procedural_cover("engines", "Engines of the Night")
    assert data == procedural_cover("engines", "Engines of the Night")
    root = parse(data)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 1200 1200"
    assert root.get("width") == root.get("height") == "1200"
    assert " ".join(title_lines(root)) == "Engines of the Night"
    assert root.get("aria-label") == "Engines of the Night"


def test_different_seeds_look_different() -> None:
    roots = [parse(procedural_cover(f"release-{i}", "Same Title")) for i in range(40)]
    backgrounds = {tuple(stops(r)) for r in roots}
    assert len(backgrounds) == 40
    # the drawing itself varies too: the kinds of shapes used differ between covers
    shapes = {tuple(sorted({el.tag for el in r.iter()} - {f"{SVG}text", f"{SVG}tspan"})) for r in roots}
    assert len(shapes) >= 4
    hues = {s[0][1:3] for s in backgrounds}  # the red channel of the dark stop, a proxy for hue spread
    assert len(hues) >= 15


def test_seed_decides_the_picture_and_title_only_the_text() -> None:
    a, b = parse(procedural_cover("seed", "One")), parse(procedural_cover("seed", "Two"))
    assert stops(a) == stops(b)
    assert title_lines(a) == ["One"] and title_lines(b) == ["Two"]


def test_hostile_title_is_escaped_and_cleaned() -> None:
    title = '<script>alert("x")</script> & \x07 "q" \ud800'
    data = procedural_cover("x", title)
    assert b"<script" not in data
    root = parse(data)
    assert not [el for el in root.iter() if el.tag.endswith("script")]
    assert " ".join(title_lines(root)) == '<script>alert("x")</script> & "q"'


def test_rtl_title_is_laid_out_right_to_left() -> None:
    root = parse(procedural_cover("layl", "أغنية الليل"))
    text = next(root.iter(f"{SVG}text"))
    assert text.get("direction") == "rtl"
    assert title_lines(root) == ["أغنية الليل"]


def test_long_title_wraps_into_three_lines_at_most() -> None:
    title = " ".join(["Symphony"] * 40)
    lines = title_lines(parse(procedural_cover("long", title)))
    assert len(lines) == 3
    assert lines[-1].endswith("…")
    one_word = title_lines(parse(procedural_cover("w", "x" * 500)))
    assert len(one_word) == 1 and one_word[0].endswith("…") and len(one_word[0]) < 60


def test_empty_title_draws_no_text() -> None:
    root = parse(procedural_cover("blank", " \n\t "))
    assert not list(root.iter(f"{SVG}text"))
    assert root.get("aria-label") == "Cover"
