"""/admin/discovery in headless Chromium at a phone's width and a laptop's, light and dark: it fits,
has no axe-core violation, and shows what a crawl left (instances online and offline, seeds,
blocks, the last crawls). A real `tunecamp serve`, over a database a crawl filled."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_core import axe_browser, violations
from dashboard_browser import OVERFLOW, signed_in
from playwright.sync_api import Browser
from serve_process import free_port, wait_healthy

from tunecamp.daemon.db import connect
from tunecamp.daemon.discovery import store
from tunecamp.daemon.discovery.catalogs import Artist, Catalog, Release
from tunecamp.daemon.discovery.crawler import CatalogAnswer, Probe
from tunecamp.daemon.discovery.limits import Limits
from tunecamp.daemon.discovery.protocol import InstanceInfo, Software

pytestmark = pytest.mark.slow
PASSWORD = "a long enough password"
ACCOUNT = ("ada", PASSWORD)


def fill(database: Path) -> None:
    db = connect(database)
    releases = Catalog(
        (Release("Night Bus", "https://camp.example/album/night-bus", "Nodey"),),
        14,
        (Artist("fira", "Fira"),),
    )
    found = Probe(
        "https://camp.example",
        1,
        "instance",
        Software("tunecamp", "2.9.0"),
        InstanceInfo(name="Camp Fire", artist_name="Fira", url="https://camp.example/"),
        catalog=CatalogAnswer("https://camp.example/api/catalog", "fresh", releases, '"v1"'),
    )
    gone = Probe(
        "https://a-very-long-host-name-that-wraps.example.org:8443", 2, "instance", Software("tunecamp", "1")
    )
    store.record(db, [gone], 1_800_000_000.0, Limits())
    store.record(db, [found], 1_800_150_000.0, Limits())
    store.record(
        db,
        [Probe(gone.origin, 2, "failed", error="cannot connect: Connection refused " * 3)],
        1_800_100_000.0,
        Limits(),
    )
    store.sweep(db, 1_800_200_000.0, Limits())
    store.add_seed(db, "https://seed.example", "ada", 1_800_000_000.0)
    store.block(db, "https://spam.example", "spam", "ada", 1_800_000_000.0)
    for n, state in enumerate(("accepted", "pending")):  # the label follows two of its artists
        db["fed_following"].insert(  # type: ignore[union-attr]
            {
                "username": "label",
                "actor": f"https://camp.example/users/a{n}",
                "inbox": f"https://camp.example/users/a{n}/inbox",
                "via": "https://camp.example",
                "follow_id": f"https://site.example/ap/label.json#follow-{n}",
                "follow": "{}",
                "state": state,
                "created_at": 1_800_000_000.0,
                "updated_at": 1_800_000_000.0,
            }
        )
    crawl = store.start_crawl(db, "schedule", 1_800_000_000.0)
    store.finish_crawl(db, crawl, {"finished_at": 1_800_000_004.2, "requests": 10, "reached": 2})
    db.close()


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("discovery-dashboard")
    (root / "content").mkdir()
    (root / "content/catalog.yaml").write_text("title: Home\nbase_url: http://127.0.0.1:1\n")
    (root / "public").mkdir()
    (root / "public/index.html").write_text("<h1>Home</h1>")
    env = {
        **os.environ,
        "TUNECAMP_BCRYPT_ROUNDS": "4",
        "TUNECAMP_WATCH": "false",
        "TUNECAMP_DATA_DIR": str(root / "data"),
        "TUNECAMP_DISCOVERY_INTERVAL": "0",
        "TUNECAMP_FEDERATION_SEEDS": "https://settings-seed.example",
    }
    cli = [sys.executable, "-c", "from tunecamp.daemon.cli import main; main()"]
    added = subprocess.run(
        [*cli, "user", "add", "ada", "--role", "owner", "-c", str(root / "content")],
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
            str(root / "content"),
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
def test_the_page_fits_and_passes_axe(browser: Browser, daemon: str, width: int, scheme: str) -> None:
    page = signed_in(browser, daemon, width, scheme, ACCOUNT)
    try:
        page.goto("/admin/discovery")
        assert page.evaluate(OVERFLOW) <= 0
        assert violations(page) == []
        online = page.locator("tr.online[data-origin='https://camp.example']")
        assert "Camp Fire" in online.inner_text() and "Fira" in online.inner_text()
        assert "following 1 · pending 1" in online.inner_text()
        assert online.get_by_role("button", name="Follow artists (1)").is_visible()
        assert (
            page.locator("tr.offline").count() == 1
            and "offline since" in page.locator("tr.offline").inner_text()
        )
        assert page.locator("[data-seed='https://seed.example']").count() == 1
        assert "settings-seed.example" in page.inner_text(".seeds")
        assert page.locator("[data-block='https://spam.example']").count() == 1
        assert "4.2 s" in page.locator("table.crawls tr[data-crawl]").inner_text()
    finally:
        page.context.close()
