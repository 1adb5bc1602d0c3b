"""The dashboard in headless Chromium at a phone's width (390 px) and a laptop's (1280 px), light and
dark: no horizontal scrolling, no axe-core violation, artists by name, covers, a timestamped last
rebuild, buttons named as actions, a favicon. A real `tunecamp serve` over the example catalog."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_core import axe_browser, violations
from dashboard_browser import OVERFLOW, signed_in
from playwright.sync_api import Browser, expect
from serve_process import free_port, wait_healthy

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parents[2] / "content"
PASSWORD = "a long enough password"
ACCOUNT = ("ada", PASSWORD)


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("dashboard")
    shutil.copytree(EXAMPLE, root / "content")
    env = {
        **os.environ,
        "TUNECAMP_BCRYPT_ROUNDS": "4",
        "TUNECAMP_BUILD_TRANSCODE": "false",
        "TUNECAMP_WATCH": "false",
        "TUNECAMP_DATA_DIR": str(root / "data"),
        "TUNECAMP_LOG_FORMAT": "json",
    }
    cli = [sys.executable, "-c", "from tunecamp.daemon.cli import main; main()"]
    added = subprocess.run(
        [*cli, "user", "add", "ada", "--role", "owner", "-c", str(root / "content")],
        input=PASSWORD + "\n", text=True, capture_output=True, env=env, check=False,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    port = free_port()
    process = subprocess.Popen(
        [*cli, "serve", "-c", str(root / "content"), "--public", str(root / "public"), "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_healthy(process, url, attempts=600)
        yield url
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with axe_browser() as b:
        yield b


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [390, 1280])
def test_the_dashboard_fits_and_passes_axe(browser: Browser, daemon: str, width: int, scheme: str) -> None:
    page = signed_in(browser, daemon, width, scheme, ACCOUNT)
    try:
        for path in ("/admin", "/admin/users", "/admin/subsonic"):
            page.goto(path)
            page.wait_for_load_state("networkidle")
            assert page.evaluate(OVERFLOW) <= 0, (path, width)
            found = violations(page)
            assert found == [], (path, found)
    finally:
        page.context.close()


def test_the_releases_table_shows_names_covers_and_actions(browser: Browser, daemon: str) -> None:
    page = signed_in(browser, daemon, 1280, "light", ACCOUNT)
    try:
        page.goto("/admin")
        row = page.locator("tr[data-slug=morning-tides]")
        assert (
            "Aurora Lane" in row.inner_text() and "aurora-lane" not in row.locator("td").nth(1).inner_text()
        )
        assert row.locator("img.thumb").get_attribute("src") == "/releases/morning-tides/cover.jpg"
        assert page.locator("button", has_text="Make unlisted").count() >= 1
        assert page.locator("#build-summary time").get_attribute("datetime")  # when the last rebuild ended
        assert page.locator("link[rel=icon]").get_attribute("href") == "/admin/static/favicon.svg"
        assert page.request.get("/admin/static/favicon.svg").ok
    finally:
        page.context.close()


def test_the_table_follows_the_rebuild_a_publish_starts(browser: Browser, daemon: str) -> None:
    page = signed_in(browser, daemon, 390, "light", ACCOUNT)
    try:
        page.goto("/admin")
        row = page.locator("tr[data-slug=night-drafts]")
        assert row.locator(".badge").inner_text() == "draft"
        row.locator("button", has_text="Publish").click()
        page.wait_for_url("**/admin?flash=*")
        page.evaluate("() => { window.sameDocument = true; }")
        expect(page.locator("tr[data-slug=night-drafts] .badge")).to_have_text("published", timeout=60_000)
        assert page.evaluate("() => window.sameDocument === true")  # updated in place, not reloaded
        assert not (EXAMPLE / "releases/night-drafts/release.yaml").exists()  # the daemon's own copy changed
    finally:
        page.context.close()
