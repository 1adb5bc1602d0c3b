"""In headless Chromium with a fake microphone: the dashboard's broadcaster page goes live and a
listener's page plays it (its audio's currentTime advances), through a real `tunecamp serve`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from axe_core import violations
from chromium import launch_options
from playwright.sync_api import Page, expect, sync_playwright
from serve_process import free_port, serve_command, wait_healthy

pytestmark = pytest.mark.slow
PASSWORD = "a long enough password"
MEDIA = (
    "--use-fake-device-for-media-stream",  # a beeping microphone
    "--use-fake-ui-for-media-stream",  # the permission prompt answered yes
    "--autoplay-policy=no-user-gesture-required",
)

PLAYING = "() => { const a = document.querySelector('audio'); a.play().catch(() => {}); return a.currentTime > 1.5; }"


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[str]:
    content, public, data = tmp_path / "content", tmp_path / "public", tmp_path / "data"
    (content / "artists" / "aurora-lane").mkdir(parents=True)
    (content / "catalog.yaml").write_text("title: Live Test\nbase_url: http://127.0.0.1\n")
    public.mkdir()
    (public / "index.html").write_text("<h1>Home</h1>")
    env = {
        **os.environ,
        "TUNECAMP_BCRYPT_ROUNDS": "4",
        "TUNECAMP_DATA_DIR": str(data),
        "TUNECAMP_LOG_FORMAT": "json",
    }
    cli = [sys.executable, "-c", "from tunecamp.daemon.cli import main; main()"]
    added = subprocess.run(
        [*cli, "user", "add", "aurora", "--role", "listener", "--artist", "aurora-lane", "-c", str(content)],
        input=PASSWORD + "\n", text=True, capture_output=True, env=env, check=False,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    port = free_port()
    process = subprocess.Popen(
        serve_command(content, public, data, port, "--no-watch"),
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_healthy(process, url, attempts=300)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def sign_in(page: Page) -> None:
    page.goto("/admin/login?next=/admin/live")
    page.fill("input[name=username]", "aurora")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto("/admin/live")


def test_a_browser_broadcast_plays_in_another_browser(daemon: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(**launch_options(*MEDIA))
        try:
            # bypass_csp: the pages' CSP would refuse the injected axe-core script
            studio = browser.new_context(base_url=daemon, bypass_csp=True).new_page()
            sign_in(studio)
            assert violations(studio) == []
            studio.fill("#live-title", "Fake microphone hour")
            studio.click("#live-go")
            expect(studio.locator("#live-on")).to_be_visible(timeout=10_000)
            expect(studio.locator("#live-on-title")).to_have_text("Fake microphone hour")

            listener = browser.new_context(base_url=daemon, bypass_csp=True).new_page()
            listener.goto("/live/aurora-lane/")
            expect(listener.locator("[data-live-title]")).to_have_text("Fake microphone hour", timeout=15_000)
            listener.wait_for_function(PLAYING, timeout=40_000, polling=500)
            assert listener.evaluate("() => typeof window.Hls") == "undefined"  # Chromium plays HLS itself
            assert violations(listener) == []
            # a browser without native HLS: live.js loads the vendored hls.js
            other = browser.new_context(base_url=daemon).new_page()
            other.add_init_script("HTMLMediaElement.prototype.canPlayType = () => '';")
            other.goto("/live/aurora-lane/")
            other.wait_for_function(PLAYING, timeout=40_000, polling=500)
            assert other.evaluate("() => typeof window.Hls === 'function'")
            expect(other.locator("[data-live-listeners]")).to_contain_text("2 listeners", timeout=15_000)
            expect(studio.locator("#live-listeners")).to_have_text("2", timeout=15_000)

            studio.click("#live-end")
            expect(studio.locator("#live-start")).to_be_visible(timeout=15_000)
            status = httpx.get(f"{daemon}/api/live/status", params={"artist": "aurora-lane"}).json()
            assert status == {"artist": "aurora-lane", "live": False}
        finally:
            browser.close()
