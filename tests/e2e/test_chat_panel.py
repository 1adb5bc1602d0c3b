"""The chat panel on the static pages, in headless Chromium, against a real daemon serving the site.

Two listeners on an artist's page talk through the panel; HTML in a message stays text (no
element, no script), its link is a safe link; the panel and its connection survive the player's
page change to a release page; and it hides itself when the daemon goes away.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_core import violations
from chromium import launch_options
from playwright.sync_api import Browser, Page, expect, sync_playwright
from subsonic_fixtures import lavfi_audio, serve

from tunecamp.daemon.accounts.sessions import COOKIE, SIGNER
from tunecamp.daemon.chat.service import CHAT
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.db import connect
from tunecamp.daemon.migrations import apply_migrations
from tunecamp.daemon.users import create_user, hash_password_sync
from tunecamp.generator.build import build
from tunecamp.generator.options import BuildOptions

pytestmark = pytest.mark.slow
HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b> see https://example.com/a?b=1.'


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _site(root: Path, url: str) -> DaemonConfig:
    content = root / "content"
    files = {
        "catalog.yaml": f"title: Chat Label\nbase_url: {url}\ndaemon_url: {url}\n",
        "artists/aurora/artist.yaml": "name: Aurora Lane\n",
        "releases/tides/release.yaml": "status: published\ntitle: Morning Tides\nartist: aurora\n",
    }
    for name, text in files.items():
        (content / name).parent.mkdir(parents=True, exist_ok=True)
        (content / name).write_text(text)
    lavfi_audio(content / "releases/tides/01 - First Light.flac", tags={"title": "First Light"})
    config = DaemonConfig(
        content_dir=content, data_dir=root / "data", public_dir=root / "public", bcrypt_rounds=4,
        build_on_start=False, build_transcode=False, watch=False, port=int(url.rsplit(":", 1)[1]),
    )  # fmt: skip
    report = build(
        content, config.public_dir, BuildOptions(jobs=2, data_dir=config.data_dir, transcode=False)
    )
    assert report.ok, report.problems.errors
    db = connect(config.database_path)
    try:
        apply_migrations(db)
        for name in ("ana", "ben"):
            create_user(db, name, hash_password_sync("correct horse battery", 4), "listener")
    finally:
        db.close()
    return config


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(**launch_options())
        yield browser
        browser.close()


def _signed_in(browser: Browser, url: str, token: str) -> Page:
    context = browser.new_context()
    context.add_cookies([{"name": COOKIE, "value": token, "url": url}])
    return context.new_page()


def test_the_panel_talks_keeps_html_inert_survives_page_changes_and_hides_without_the_daemon(
    browser: Browser, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    config = _site(tmp_path, url)
    with serve(config, int(url.rsplit(":", 1)[1])) as (served, app, loop):
        assert served == url
        signer = app[SIGNER]
        ana = _signed_in(browser, url, signer.issue(1, 0, 3600))
        ben = _signed_in(browser, url, signer.issue(2, 0, 3600))
        for page in (ana, ben):
            page.goto(f"{url}/artists/aurora/")
            toggle = page.locator("#chat [data-chat-toggle]")
            expect(toggle).to_be_visible()
            expect(toggle).to_contain_text("Aurora Lane")
            if toggle.get_attribute("aria-expanded") != "true":
                toggle.focus()
                page.keyboard.press("Enter")  # the keyboard opens it
            expect(page.locator("#chat-input")).to_be_visible()
        assert ana.locator("#chat [role=log]").count() == 1

        ben.locator("#chat-input").fill(HOSTILE)
        ben.keyboard.press("Enter")
        said = ana.locator("#chat .chat-text").last
        expect(said).to_have_text(HOSTILE.replace("a?b=1.", "a?b=1."))
        assert ana.locator("#chat .chat-text img, #chat .chat-text script, #chat .chat-text b").count() == 0
        link = said.locator("a")
        assert link.count() == 1 and link.get_attribute("href") == "https://example.com/a?b=1"
        assert link.get_attribute("rel") == "noopener nofollow ugc"
        assert ana.evaluate("window.__pwned") is None and ben.evaluate("window.__pwned") is None
        assert violations(ana) == []  # the open panel, with a message and its report button

        # the player's page change swaps #page; the panel is outside it and keeps its socket
        ana.evaluate("document.getElementById('chat').__kept = true")
        ana.locator("#page a[href*='releases/tides']").first.click()
        expect(ana).to_have_url(f"{url}/releases/tides/")
        assert ana.evaluate("document.getElementById('chat').__kept") is True
        ben.locator("#chat-input").fill("after the page change")
        ben.keyboard.press("Enter")
        expect(ana.locator("#chat .chat-text").last).to_have_text("after the page change")
        assert ana.locator("#chat .chat-message").count() == 2  # nothing lost or doubled

        ana.locator("#chat [data-chat-report]").first.click()
        expect(ana.locator("#chat [data-chat-status]")).to_contain_text("moderators")
        first = int(ana.locator("#chat .chat-message").first.get_attribute("data-id") or 0)
        assert asyncio.run_coroutine_threadsafe(app[CHAT].delete(first, None), loop).result(10)
        expect(ana.locator("#chat .chat-message")).to_have_count(1)  # a moderator's delete reaches the panel
    # the daemon is gone: the panel hides itself, the page stays usable
    expect(ana.locator("#chat")).to_be_hidden(timeout=15_000)
    assert ana.locator("h1").inner_text() == "Morning Tides"
