"""The /network/ page in headless Chromium: valid HTML, no axe-core violation, the filter narrows
the sites as one types, and without JavaScript every site is listed and no dead filter shows."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_core import axe_browser, violations
from playwright.sync_api import Browser, Route
from static_site import serve_folder

from tunecamp.generator.build import build
from tunecamp.generator.options import BuildOptions

from .test_network import NETWORK

pytestmark = pytest.mark.slow
VNU = Path(__file__).resolve().parents[2] / "e2e/node_modules/vnu-jar/build/dist/vnu.jar"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("network")
    content = root / "content"
    content.mkdir()
    (content / "catalog.yaml").write_text("title: Home Label\nbase_url: http://127.0.0.1:1\n")
    (root / "data").mkdir()
    other = {
        "origin": "https://reed.example",
        "name": "Reed Organ Club",
        "releases": [{"title": "Bellows", "url": "https://reed.example/releases/bellows/"}],
    }
    document = dict(NETWORK, instances=[*NETWORK["instances"], other])
    (root / "data/network.json").write_text(json.dumps(document))
    report = build(content, root / "public", BuildOptions(data_dir=root / "data", transcode=False))
    assert report.ok, [str(p) for p in report.problems.errors]
    if VNU.is_file():
        checked = subprocess.run(
            [
                "java",
                "-jar",
                str(VNU),
                "--format",
                "json",
                "--stdout",
                str(root / "public/network/index.html"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert json.loads(checked.stdout)["messages"] == []
    with serve_folder(root / "public") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with axe_browser() as b:
        yield b


def _offline(server: str) -> Any:
    def handle(route: Route) -> None:  # the peers' covers are on other origins: no test reaches them
        if route.request.url.startswith(server):
            route.continue_()
        else:
            route.abort()

    return handle


def test_the_filter_narrows_the_sites(browser: Browser, site: str) -> None:
    context = browser.new_context(base_url=site)
    context.route("**/*", _offline(site))
    page = context.new_page()
    try:
        page.goto("/network/")
        page.wait_for_load_state("networkidle")
        assert violations(page) == []
        sites = page.locator("[data-network-site]")
        assert sites.count() == 3
        page.fill("#network-filter", "EMBERS")
        assert page.locator("[data-network-site]:visible").count() == 1
        assert "Camp <Fire>" in (page.locator("[data-network-site]:visible h2").text_content() or "")
        assert page.inner_text("#network-status") == "1 of 3 sites"
        page.fill("#network-filter", "reed bellows")
        assert page.locator("[data-network-site]:visible h2").text_content() == "Reed Organ Club"
        page.fill("#network-filter", "")
        assert page.locator("[data-network-site]:visible").count() == 3
    finally:
        context.close()


def test_without_javascript_every_site_is_listed(browser: Browser, site: str) -> None:
    context = browser.new_context(base_url=site, java_script_enabled=False)
    context.route("**/*", _offline(site))
    page = context.new_page()
    try:
        page.goto("/network/")
        assert page.locator("[data-network-site]:visible").count() == 3
        assert not page.locator("#network-filter").is_visible()
    finally:
        context.close()
