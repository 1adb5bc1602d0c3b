"""In headless Chromium with a fake microphone: the dashboard's broadcaster page goes live, and the
daemon's listener page, the static artist page (built before) and a browser without native HLS
(hls.js) play it (their audio's currentTime advances), through a real `tunecamp serve`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_core import violations
from chromium import launch_options
from playwright.sync_api import Page, Route, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout
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
AUDIO_STATE = """() => { const a = document.querySelector('[data-live-audio]');
  return {src: a.currentSrc, time: a.currentTime, paused: a.paused, ready: a.readyState,
          network: a.networkState, error: a.error && [a.error.code, a.error.message]}; }"""


@dataclass(frozen=True)
class Served:
    url: str
    log: Path  # serve's output, shown when a player does not play


@pytest.fixture
def daemon(tmp_path: Path, make_audio: Any) -> Iterator[Served]:
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
    served = Served(url, tmp_path / "serve.log")
    log = served.log.open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        assert wait_healthy(process, url, attempts=600)
        deadline = time.monotonic() + 60
        while not (public / "artists" / "aurora-lane" / "index.html").is_file():  # the build at start
            assert time.monotonic() < deadline and process.poll() is None, "the site was not built"
            time.sleep(0.2)
        yield served
    finally:
        process.terminate()
        process.wait(10)
        log.close()


def playing(page: Page, daemon: Served) -> None:
    """Wait for the page's live audio to play; on a timeout, say what the player and daemon were at."""
    try:
        page.wait_for_function(PLAYING, timeout=90_000, polling=500)
    except PlaywrightTimeout:
        audio = page.evaluate(AUDIO_STATE)
        status = httpx.get(f"{daemon.url}/api/live/status", params={"artist": "aurora-lane"}).text
        log = daemon.log.read_text(errors="replace")[-4000:]
        raise AssertionError(
            f"not playing: audio {audio}\nstatus {status}\nthe daemon's log:\n{log}"
        ) from None


def sign_in(page: Page) -> None:
    page.goto("/admin/login?next=/admin/live")
    page.fill("input[name=username]", "aurora")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto("/admin/live")


def test_a_browser_broadcast_plays_in_another_browser(daemon: Served) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(**launch_options(*MEDIA))
        try:
            # bypass_csp: the pages' CSP would refuse the injected axe-core script
            studio = browser.new_context(base_url=daemon.url, bypass_csp=True).new_page()
            sign_in(studio)
            assert violations(studio) == []
            studio.fill("#live-title", "Fake microphone hour")
            studio.click("#live-go")
            expect(studio.locator("#live-on")).to_be_visible(timeout=10_000)
            expect(studio.locator("#live-on-title")).to_have_text("Fake microphone hour")

            listener = browser.new_context(base_url=daemon.url, bypass_csp=True).new_page()
            listener.goto("/live/aurora-lane/")
            expect(listener.locator("[data-live-title]")).to_have_text("Fake microphone hour", timeout=15_000)
            playing(listener, daemon)
            assert listener.evaluate("() => typeof window.Hls") == "undefined"  # Chromium plays HLS itself
            assert violations(listener) == []
            # the artist's page of the static site, built before the broadcast: "live now" with no
            # rebuild; its first fetch of the playlist fails, and the player starts afresh
            artist_page = browser.new_context(base_url=daemon.url).new_page()
            failed: list[str] = []
            artist_page.route("**/index.m3u8*", lambda route: fail_once(route, failed))
            artist_page.goto("/artists/aurora-lane/")
            box = artist_page.locator("[data-live]")
            expect(box).to_be_visible(timeout=15_000)
            expect(box.locator("[data-live-title]")).to_have_text("Fake microphone hour")
            playing(artist_page, daemon)
            assert len(failed) == 1

            # a browser without native HLS: live.js loads the vendored hls.js
            other = browser.new_context(base_url=daemon.url).new_page()
            other.add_init_script("HTMLMediaElement.prototype.canPlayType = () => '';")
            other.goto("/live/aurora-lane/")
            playing(other, daemon)
            assert other.evaluate("() => typeof window.Hls === 'function'")
            expect(other.locator("[data-live-listeners]")).to_contain_text("3 listeners", timeout=15_000)
            expect(studio.locator("#live-listeners")).to_have_text("3", timeout=15_000)

            studio.click("#live-end")
            expect(studio.locator("#live-start")).to_be_visible(timeout=15_000)
            status = httpx.get(f"{daemon.url}/api/live/status", params={"artist": "aurora-lane"}).json()
            assert status == {"artist": "aurora-lane", "live": False}
        finally:
            browser.close()


def fail_once(route: Route, failed: list[str]) -> None:
    """The first request for the playlist gets a 503, as from a proxy while the daemon restarts."""
    if failed:
        route.continue_()
    else:
        failed.append(route.request.url)
        route.fulfill(status=503, body="restarting")
