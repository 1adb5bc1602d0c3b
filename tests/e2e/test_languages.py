"""The example site in English, Japanese and Arabic, in headless Chromium at desktop and mobile
width: no horizontal scroll and no clipped control, the Arabic layout mirrored while the player's
progress and timecodes read left to right, screenshots taken; and the client-side search folds
accents and finds Japanese and Arabic titles."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from chromium import launch_options
from playwright.sync_api import Browser, Page, sync_playwright
from static_site import serve_folder

from tunecamp.generator.build import build
from tunecamp.generator.options import BuildOptions

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parents[2] / "content"
LANGUAGES = ("en", "ja", "ar")
WIDTHS = {"desktop": (1280, 800), "mobile": (360, 740)}
PAGES = ("/", "/releases/morning-tides/", "/releases/morning-tides/first-light/")  # search: its own test
# Titles in the catalog's script, so the search has Japanese and Arabic to find.
TITLES = {"ja": "朝の潮、ユメ", "ar": "مَدُّ الصَّبَاح"}

OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    if (el.closest('.visually-hidden, [hidden], .skip-link')) continue;
    if (r.right > width + 0.5 || r.left < -0.5) wide.push(`${el.tagName} ${el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
  }
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 8)};
}"""


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    urls: dict[str, str] = {}
    with_servers = []
    for lang in LANGUAGES:
        root = tmp_path_factory.mktemp(f"lang-{lang}")
        shutil.copytree(EXAMPLE, root / "content")
        catalog = root / "content/catalog.yaml"
        text = catalog.read_text().replace("language: en", f"language: {lang}")
        catalog.write_text(text)
        if lang in TITLES:
            release = root / "content/releases/morning-tides/release.yaml"
            release.write_text(release.read_text().replace("title: Morning Tides", f"title: {TITLES[lang]}"))
        report = build(
            root / "content", root / "public", BuildOptions(transcode=False, data_dir=root / "data")
        )
        assert report.ok, [str(p) for p in report.problems.errors]
        with_servers.append(serve_folder(root / "public"))
        urls[lang] = with_servers[-1].__enter__()
    try:
        yield urls
    finally:
        for server in with_servers:
            server.__exit__(None, None, None)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(**launch_options())
        yield b
        b.close()


def open_page(browser: Browser, base: str, path: str, size: tuple[int, int]) -> Page:
    context = browser.new_context(base_url=base, viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.goto(path)
    page.wait_for_load_state("networkidle")
    return page


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways(
    browser: Browser, sites: dict[str, str], lang: str, width: str, tmp_path: Path
) -> None:
    for path in PAGES:
        page = open_page(browser, sites[lang], path, WIDTHS[width])
        try:
            assert page.evaluate("document.documentElement.lang") == lang
            page.screenshot(path=tmp_path / f"{lang}-{width}.png", full_page=True)
            measured = page.evaluate(OVERFLOW)
        finally:
            page.context.close()
        assert measured["scroll"] <= measured["width"] and not measured["wide"], (path, measured)
        assert (tmp_path / f"{lang}-{width}.png").stat().st_size > 1000


@pytest.mark.parametrize("width", WIDTHS)
def test_arabic_mirrors_the_page_but_not_the_player(
    browser: Browser, sites: dict[str, str], width: str, tmp_path: Path
) -> None:
    page = open_page(browser, sites["ar"], "/releases/morning-tides/", WIDTHS[width])
    try:
        assert page.evaluate("document.documentElement.dir") == "rtl"
        assert "تشغيل" in (page.get_attribute("[data-play-release]", "aria-label") or "")
        header = page.locator(".site-header .header-inner").bounding_box()
        brand = page.locator(".brand").bounding_box()
        assert (
            header and brand and brand["x"] + brand["width"] > header["x"] + header["width"] / 2
        )  # on the right
        page.locator("[data-play-release]").click()
        page.wait_for_selector("#player:not([hidden])")
        times = [page.locator(f'[data-time="{k}"]').bounding_box() for k in ("current", "duration")]
        prev, toggle, nxt = (
            page.locator(f'#player [data-action="{a}"]').bounding_box() for a in ("prev", "toggle", "next")
        )
        assert times[0] and times[1] and times[0]["x"] < times[1]["x"]  # elapsed left, duration right
        assert prev and toggle and nxt and prev["x"] < toggle["x"] < nxt["x"]  # transport reads like a tape
        for control in page.locator("#player button, #player input").all():
            box = control.bounding_box()
            if box and control.is_visible():
                assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTHS[width][0] + 0.5, box
        label = page.get_attribute('#player [data-action="toggle"]', "aria-label")
        assert label in ("إيقاف مؤقت", "تشغيل")  # the scripts speak Arabic too
        page.screenshot(path=tmp_path / f"ar-player-{width}.png")
    finally:
        page.context.close()


@pytest.mark.parametrize(
    ("lang", "query", "title"),
    [
        ("en", "MORNING tîdes", "Morning Tides"),
        ("ja", "ゆめ", TITLES["ja"]),
        ("ja", "朝の", TITLES["ja"]),
        ("ar", "مد الصباح", TITLES["ar"]),
    ],
)
def test_search_folds_accents_and_finds_non_latin_titles(
    browser: Browser, sites: dict[str, str], lang: str, query: str, title: str
) -> None:
    page = open_page(browser, sites[lang], f"/search/?q={query}", WIDTHS["desktop"])
    try:
        page.wait_for_function("document.getElementById('search-status').textContent !== ''")
        titles = page.locator(".result-title").all_text_contents()
        status = page.locator("#search-status").text_content() or ""
    finally:
        page.context.close()
    assert title in titles, (titles, status)
    if lang == "ja":
        assert re.search("検索結果", status), status


GLYPHS = """(text) => {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 64;
  const ink = canvas.getContext('2d');
  const draw = (s) => {
    ink.clearRect(0, 0, 64, 64);
    ink.font = '48px sans-serif';
    ink.fillText(s, 4, 52);
    return ink.getImageData(0, 0, 64, 64).data.join(',');
  };
  const missing = draw('\\u{10FFFD}');  // private use, in no font: what a missing glyph looks like
  return [...text].filter((ch) => ch.trim() && draw(ch) === missing);
}"""


@pytest.mark.parametrize(
    ("lang", "sample"), [("ja", TITLES["ja"] + "トラック"), ("ar", TITLES["ar"] + "مقطوعة")]
)
def test_the_browser_has_glyphs_for_each_script(browser: Browser, lang: str, sample: str) -> None:
    """Without a font for the script the screenshots show tofu: .ci/run installs one (docs/translating.md)."""
    page = browser.new_page()
    try:
        page.set_content(f'<html lang="{lang}"><body></body></html>')
        missing = page.evaluate(GLYPHS, sample)
    finally:
        page.close()
    assert not missing, (
        f"no font draws {missing}: install fonts-vlgothic (Japanese), fonts-dejavu-core (Arabic)"
    )
