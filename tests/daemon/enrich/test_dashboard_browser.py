"""/admin/enrich and a release's Enrich form in headless Chromium, at a phone's width and a laptop's,
light and dark: they fit, have no axe-core violation, and the checkboxes are ticked as they should be.
A real `tunecamp serve`, over a database holding a run and a diff with long values."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from axe_core import axe_browser, violations
from dashboard_browser import OVERFLOW, signed_in
from playwright.sync_api import Browser
from serve_process import free_port, wait_healthy

from tunecamp.daemon.db import connect
from tunecamp.daemon.enrich import store
from tunecamp.daemon.enrich.fetch import Counters
from tunecamp.daemon.enrich.model import Diff, Proposal

pytestmark = pytest.mark.slow
PASSWORD = "a long enough password"
ACCOUNT = ("ada", PASSWORD)
LONG_TRACK = "01 - A Track Whose Name Goes On And On Past Any Phone's Width.wav"


def _silence(path: Path) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 8000)


def fill(database: Path) -> None:
    db = connect(database)
    proposals = (
        Proposal("label", None, None, "Quiet Records", "musicbrainz", 0.93, False),
        Proposal("genres", None, ["field recordings"], ["drone", "ambient"], "musicbrainz", 0.93, True),
        Proposal("credits", None, None, "Mixed By: Sam Mix\nMastered By: Jo Master " * 4, "discogs", 0.93, False),
        Proposal("cover", None, None, "https://coverartarchive.org/release/" + "0" * 36 + "/front", "coverart", 0.93, False),
        Proposal("lyrics", LONG_TRACK, None, "[00:01.00] a line that goes on " * 6, "lrclib", 0.9, False, "synced"),
    )  # fmt: skip
    run = store.start_run(db, "dashboard", ["tides"], 1_800_000_000.0)
    counters = Counters(requests=9, cached=2, answered={"musicbrainz", "coverart"})
    counters.fail("discogs", "malformed JSON from https://api.discogs.com/releases/4242 " * 2)
    store.finish_run(db, run, counters, len(proposals), 1_800_000_003.0)
    store.save_diff(db, Diff("tides", proposals, "MusicBrainz 0b7a1c55 (0.93)"), run, 1_800_000_003.0)
    db.close()


@dataclass(frozen=True)
class Served:
    url: str
    database: Path


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("enrich-dashboard")
    content = root / "content"
    (content / "releases/tides").mkdir(parents=True)
    (content / "catalog.yaml").write_text("title: Home\nbase_url: http://127.0.0.1:1\n")
    (content / "releases/tides/release.yaml").write_text("title: Morning Tides\nartist: Aurora Lane\n")
    _silence(content / "releases/tides" / LONG_TRACK)
    (root / "public").mkdir()
    (root / "public/index.html").write_text("<h1>Home</h1>")
    env = {
        **os.environ,
        "TUNECAMP_BCRYPT_ROUNDS": "4",
        "TUNECAMP_WATCH": "false",
        "TUNECAMP_DATA_DIR": str(root / "data"),
        "TUNECAMP_DISCOVERY_INTERVAL": "0",
    }
    cli = [sys.executable, "-c", "from tunecamp.daemon.cli import main; main()"]
    added = subprocess.run(
        [*cli, "user", "add", "ada", "--role", "owner", "-c", str(content)],
        input=PASSWORD + "\n",
        text=True,
        capture_output=True,
        env=env,
        check=False,
    )
    assert added.returncode == 0, added.stderr
    fill(root / "data/tunecamp.db")
    port = free_port()
    process = subprocess.Popen(
        [
            *cli,
            "serve",
            "--no-build",
            "-c",
            str(content),
            "--public",
            str(root / "public"),
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_healthy(process, url, attempts=600)
        yield Served(url, root / "data/tunecamp.db")
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with axe_browser() as b:
        yield b


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [390, 1280])
def test_the_pages_fit_and_pass_axe(browser: Browser, daemon: Served, width: int, scheme: str) -> None:
    page = signed_in(browser, daemon.url, width, scheme, ACCOUNT)
    try:
        page.goto("/admin/enrich/tides")
        assert page.evaluate(OVERFLOW) <= 0
        assert violations(page) == []
        assert page.locator("tr[data-key=label] input[type=checkbox]").is_checked()
        assert not page.locator("tr[data-key=genres] input[type=checkbox]").is_checked()
        page.goto("/admin/enrich")
        assert page.evaluate(OVERFLOW) <= 0
        assert violations(page) == []
        assert "malformed JSON" in page.locator("td.failures").inner_text()
    finally:
        page.context.close()


def test_a_pending_look_up_reloads_the_page_until_it_is_done(browser: Browser, daemon: Served) -> None:
    db = connect(daemon.database)
    store.lookup_queued(db, "tides", time.time())  # as the page's Look up leaves it, its job elsewhere
    page = signed_in(browser, daemon.url, 1280, "light", ACCOUNT)
    try:
        page.goto("/admin/enrich/tides")
        assert "Looking up…" in page.locator("#lookup-state").inner_text()
        assert violations(page) == []
        store.lookup_done(db, "tides")  # the worker saved the diff (fill's) and cleared the state
        page.locator("#lookup-state").wait_for(state="detached", timeout=60_000)  # admin.js reloaded it
        assert page.locator("tr[data-key=label]").count() == 1
    finally:
        page.context.close()
        db.close()
