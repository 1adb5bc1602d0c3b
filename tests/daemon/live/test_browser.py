"""In headless Chromium with a fake microphone: the dashboard's broadcaster page goes live, and the
daemon's listener page, the static artist page (built before) and a browser without native HLS
(hls.js) play it (their audio's currentTime advances), through a real `tunecamp serve`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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

# generous: on a busy machine the fake microphone's chunks, ffmpeg and the first segments run late
PLAYING = "() => { const a = document.querySelector('[data-live-audio]'); a.play().catch(() => {}); return a.currentTime > 1.5; }"


@pytest.fixture
def daemon(tmp_path: Path, make_audio: Any) -> Iterator[str]:
    """`tunecamp serve` building a one-release catalog whose daemon_url is itself."""
    content, public, data = tmp_path / "content", tmp_path / "public", tmp_path / "data"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    (content / "artists" / "aurora-lane").mkdir(parents=True)
    (content / "artists" / "aurora-lane" / "artist.yaml").write_text("name: Aurora Lane\n")
    (content / "catalog.yaml").write_text(f"title: Live Test\nbase_url: {url}\ndaemon_url: {url}\n")
    release = content / "releases" / "tides"
    release.mkdir(parents=True)
    (release / "release.yaml").write_text("status: published\ntitle: Tides\nartist: aurora-lane\n")
    make_audio(release / "01 - First Light.flac", tags={"title": "First Light"})
    env = {
        **os.environ,
        "TUNECAMP_BCRYPT_ROUNDS": "4",
        "TUNECAMP_DATA_DIR": str(data),
        "TUNECAMP_LOG_FORMAT": "json",
        "TUNECAMP_BUILD_TRANSCODE": "false",
    }
    cli = [sys.executable, "-c", "from tunecamp.daemon.cli import main; main()"]
    added = subprocess.run(
        [*cli, "user", "add", "aurora", "--role", "listener", "--artist", "aurora-lane", "-c", str(content)],
        input=PASSWORD + "\n",
        text=True,
        capture_output=True,
        env=env,
        check=False,
    )
    assert added.returncode == 0, added.stderr
    command = [arg for arg in serve_command(content, public, data, port, "--no-watch") if arg != "--no-build"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_healthy(process, url, attempts=600)
        deadline = time.monotonic() + 60
        while not (public / "artists" / "aurora-lane" / "index.html").is_file():  # the build at start
            assert time.monotonic() < deadline and process.poll() is None, "the site was not built"
            time.sleep(0.2)
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
            listener.wait_for_function(PLAYING, timeout=90_000, polling=500)
            assert listener.evaluate("() => typeof window.Hls") == "undefined"  # Chromium plays HLS itself
            assert violations(listener) == []
            # the artist's page of the static site, built before the broadcast: "live now" with no rebuild
            artist_page = browser.new_context(base_url=daemon).new_page()
            artist_page.goto("/artists/aurora-lane/")
            box = artist_page.locator("[data-live]")
            expect(box).to_be_visible(timeout=15_000)
            expect(box.locator("[data-live-title]")).to_have_text("Fake microphone hour")
            artist_page.wait_for_function(PLAYING, timeout=90_000, polling=500)

            # a browser without native HLS: live.js loads the vendored hls.js
            other = browser.new_context(base_url=daemon).new_page()
            other.add_init_script("HTMLMediaElement.prototype.canPlayType = () => '';")
            other.goto("/live/aurora-lane/")
            other.wait_for_function(PLAYING, timeout=90_000, polling=500)
            assert other.evaluate("() => typeof window.Hls === 'function'")
            expect(other.locator("[data-live-listeners]")).to_contain_text("3 listeners", timeout=15_000)
            expect(studio.locator("#live-listeners")).to_have_text("3", timeout=15_000)

            studio.click("#live-end")
            expect(studio.locator("#live-start")).to_be_visible(timeout=15_000)
            status = httpx.get(f"{daemon}/api/live/status", params={"artist": "aurora-lane"}).json()
            assert status == {"artist": "aurora-lane", "live": False}
        finally:
            browser.close()
