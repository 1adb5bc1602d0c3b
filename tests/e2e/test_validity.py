"""Every page kind of the example site is valid HTML (the Nu Html Checker, vnu) and has no axe-core
violation of any impact, in headless Chromium against a real server, light and dark.

The checker (vnu-jar, which needs Java) and axe-core are pinned in tests/e2e/package.json and
installed with `npm ci` there (`make test` does it when node_modules is missing).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_core import axe_browser, violations
from playwright.sync_api import Browser
from static_site import serve_folder

from tunecamp.generator.build import build
from tunecamp.generator.options import BuildOptions

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parents[2] / "content"
VNU = Path(__file__).resolve().parent / "node_modules/vnu-jar/build/dist/vnu.jar"
# One page of every kind the site has: (URL path, the file a static host serves for it)
PAGES = {
    "home": ("/", "index.html"),
    "artist": ("/artists/aurora-lane/", "artists/aurora-lane/index.html"),
    "release": ("/releases/morning-tides/", "releases/morning-tides/index.html"),
    "release without cover": ("/releases/steam-and-static/", "releases/steam-and-static/index.html"),
    "track": ("/releases/morning-tides/first-light/", "releases/morning-tides/first-light/index.html"),
    "tag": ("/tags/ambient/", "tags/ambient/index.html"),
    "tags": ("/tags/", "tags/index.html"),
    "releases": ("/releases/", "releases/index.html"),
    "releases by title": ("/releases-by/title/", "releases-by/title/index.html"),
    "search": ("/search/?q=tide", "search/index.html"),
    "404": ("/no-such-page/", "404.html"),
    "release embed": ("/embed/morning-tides/", "embed/morning-tides/index.html"),
    "track embed": ("/embed/morning-tides/first-light/", "embed/morning-tides/first-light/index.html"),
    "moved release": ("/releases/old-tides/", "releases/old-tides/index.html"),
}


@pytest.fixture(scope="module")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("validity")
    shutil.copytree(EXAMPLE, root / "content")
    options = BuildOptions(data_dir=root / "data")
    meta = root / "content/releases/morning-tides/release.yaml"
    text = meta.read_text()
    meta.write_text(text + "slug: old-tides\n")  # published once as old-tides...
    assert build(root / "content", root / "public", options).ok
    meta.write_text(text)  # ...then back to its folder's name: old-tides is a moved page
    report = build(root / "content", root / "public", options)
    assert report.ok, [str(p) for p in report.problems.errors]
    return root / "public"


def test_every_page_kind_is_valid_html(example_site: Path) -> None:
    if not VNU.is_file():
        pytest.fail(f"{VNU} is missing: run `npm ci` in tests/e2e (make test does)")
    files = [str(example_site / file) for _, file in PAGES.values()]
    result = subprocess.run(
        ["java", "-Xss4m", "-jar", str(VNU), "--format", "json", "--stdout", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stdout)["messages"]
    problems = [
        f"{m.get('url', '').rpartition('/public/')[2]}:{m.get('lastLine')}: "
        f"{m['type']}/{m.get('subType', '')}: {m['message']}"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "warning"
    ]
    assert problems == []


@pytest.fixture(scope="module")
def server(example_site: Path) -> Iterator[str]:
    with serve_folder(example_site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with axe_browser() as b:
        yield b


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", PAGES)
def test_no_axe_violation_on_any_page_kind(browser: Browser, server: str, kind: str, scheme: str) -> None:
    context = browser.new_context(
        base_url=server, color_scheme=scheme, viewport={"width": 1280, "height": 900}
    )  # type: ignore[arg-type]
    page = context.new_page()
    try:
        page.goto(PAGES[kind][0])
        page.wait_for_load_state("networkidle")
        found = violations(page)
    finally:
        context.close()
    assert found == []
