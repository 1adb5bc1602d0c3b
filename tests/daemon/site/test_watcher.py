"""Saving a file under content/ asks for a rebuild (through the real watcher and build queue)."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from tunecamp.daemon.app import create_app
from tunecamp.daemon.appkeys import BUILDS
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.site.manager import BuildManager

SCRIPT = (
    "import json, sys; print(json.dumps({'event': 'done', 'ok': True, 'published': True, 'args': sys.argv}))"
)


async def test_a_save_rebuilds_what_it_reached_in_the_daemon(
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    site_config: DaemonConfig,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    workers: list[tuple[bool, bool]] = []

    def command(self: BuildManager, index_only: bool, if_changed: bool = False) -> list[str]:
        workers.append((index_only, if_changed))
        return [sys.executable, "-c", SCRIPT]

    monkeypatch.setattr(BuildManager, "command", command)
    client = await aiohttp_client(create_app(replace(site_config, watch=True)))
    builds = client.app[BUILDS]
    folder: Path = site_config.content_dir / "releases/tides"
    meta = folder / "release.yaml"
    text = meta.read_text() if meta.exists() else "status: published\n"
    for name, body in (
        (".release.yaml.swp", "x"),
        ("notes.md~", "x"),
        ("release.yaml", text + "title: Spring Tides\n"),
    ):
        (folder / name).write_text(body)
    page = site_config.public_dir / "releases/tides/index.html"
    for _ in range(300):
        if page.is_file() and "Spring Tides" in page.read_text() and not builds.busy:
            break
        await asyncio.sleep(0.1)
    assert "Spring Tides" in page.read_text()
    assert workers == []  # built in the daemon's session, not by a worker process
    last = builds.last
    assert last is not None and last.state == "ok" and last.published
    assert last.changed is not None and {p.name for p in last.changed} == {
        "release.yaml"
    }  # editor junk ignored
    assert builds.watching.session is not None and builds.watching.session.last is not None
    await builds.wait_idle()  # the catalog index follows once the pages are out
    with sqlite3.connect(site_config.data_dir / "tunecamp.db") as db:
        titles = {row[0] for row in db.execute("SELECT title FROM catalog_albums")}
    assert "Spring Tides" in titles

    # a broken save publishes nothing: the last good page stays, the errors name the file
    meta.write_text(text + "title: [broken\n")
    for _ in range(300):
        if builds.last is not last and not builds.busy:
            break
        await asyncio.sleep(0.1)
    assert builds.last is not None and builds.last.state == "failed" and not builds.last.published
    assert any(p["path"] == str(meta) for p in builds.last.problems)
    assert "Spring Tides" in page.read_text()

    # someone else's build runs in the worker, and the session starts afresh after it
    await builds.request("requested from the admin")
    await builds.wait_idle()
    assert workers and builds.watching.session is None


async def test_a_full_build_by_another_process_restarts_the_watchers_session(
    tmp_path: Path, site_config: DaemonConfig
) -> None:
    from tunecamp.daemon.builds import worker_command
    from tunecamp.daemon.db import Db

    config = replace(site_config, watch=True)
    db = Db(tmp_path / "t.db")
    await db.open()
    builds = BuildManager(config, db)
    builds.warm_up()
    await builds.wait_idle()
    first = builds.watching.session
    assert first is not None
    meta = config.content_dir / "releases/tides/release.yaml"
    saved = frozenset({meta})
    await builds.request("content changed: release.yaml", changed=saved)
    await builds.wait_idle()
    assert builds.watching.session is first  # kept between the watcher's builds

    # a `tunecamp worker` elsewhere publishes a full build (a real worker process, not this manager)
    meta.write_text(meta.read_text() + "title: Built Elsewhere\n")
    command = worker_command(config.content_dir, config.public_dir, config.data_dir, "--no-transcode")
    process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.DEVNULL)
    assert await process.wait() == 0
    meta.write_text(meta.read_text() + "genres: [ambient]\n")
    await builds.request("content changed: release.yaml", changed=saved)
    await builds.wait_idle()
    assert builds.watching.session is not None and builds.watching.session is not first
    assert builds.last is not None and builds.last.state == "ok", builds.last.log
    page = config.public_dir / "releases/tides/index.html"
    assert "Built Elsewhere" in page.read_text()
    await builds.close()
    await db.close()
