"""Every page kind of the example site reflows at 320 CSS pixels (WCAG 2.1, 1.4.10 Reflow): no
horizontal scrolling, no element wider than the viewport. Headless Chromium, a real server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from chromium import launch_options
from playwright.sync_api import Browser, sync_playwright
from static_site import serve_folder

from tunecamp.generator.build import build
from tunecamp.generator.options import BuildOptions

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parents[2] / "content"
# One page of every kind the site has (embeds are sized by the page embedding them).
PAGES = {
    "home": "/",
    "artist": "/artists/aurora-lane/",
    "release": "/releases/morning-tides/",
    "track": "/releases/morning-tides/first-light/",
    "tag": "/tags/ambient/",
    "tags": "/tags/",
    "releases": "/releases/",
    "releases by title": "/releases-by/title/",
    "search": "/search/?q=tide",
    "404": "/no-such-page/",
}

# The elements wider than the viewport, or reaching past its right edge (what scrolls sideways).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    if (el.closest('.visually-hidden, [hidden]')) continue;
    if (r.right > width + 0.5 || r.left < -0.5) {
      wide.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} ${Math.round(r.left)}..${Math.round(r.right)}`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 8)};
}"""


@pytest.fixture(scope="module")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reflow")
    shutil.copytree(EXAMPLE, root / "content")
    report = build(root / "content", root / "public", BuildOptions(transcode=False, data_dir=root / "data"))
    assert report.ok, [str(p) for p in report.problems.errors]
    return root / "public"


@pytest.fixture(scope="module")
def server(example_site: Path) -> Iterator[str]:
    with serve_folder(example_site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(**launch_options())
        yield b
        b.close()


def test_the_track_page_exists(example_site: Path) -> None:
    for path in PAGES.values():
        if path.startswith(("/search", "/no-such", "/releases-by")):
            continue
        assert (example_site / path.strip("/") / "index.html").is_file(), path


@pytest.mark.parametrize("kind", PAGES)
def test_every_page_kind_reflows_at_320_px(browser: Browser, server: str, kind: str) -> None:
    context = browser.new_context(base_url=server, viewport={"width": 320, "height": 640})
    page = context.new_page()
    try:
        page.goto(PAGES[kind])
        page.wait_for_load_state("networkidle")
        measured = page.evaluate(OVERFLOW)
    finally:
        context.close()
    assert measured["scroll"] <= 320 and not measured["wide"], measured
