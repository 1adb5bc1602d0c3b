"""LibraryCache: the snapshot is checked at most once a second, and only the request that starts a
check waits for it; those that come meanwhile take the snapshot as it is.

Every request in flight used to wait for the check: at 32 clients, 30 or more requests stalled
50-100 ms once a second (bench/subsonic.py).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tunecamp.daemon.db import Db, connect
from tunecamp.daemon.subsonic import library_cache
from tunecamp.daemon.subsonic.library_cache import LibraryCache


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Db]:
    database = Db(tmp_path / "tunecamp.db")
    await database.open()
    yield database
    await database.close()


def add_artist(path: Path, slug: str) -> None:
    """A commit from another connection, as the build worker's index refresh makes one."""
    other = connect(path)
    other["catalog_artists"].insert(  # type: ignore[union-attr]
        {"slug": slug, "name": slug.title(), "source_dir": f"artists/{slug}", "updated_at": "2026-01-01"}
    )
    other.conn.commit()
    other.close()


async def blocked(db: Db) -> tuple[threading.Event, asyncio.Future[None]]:
    """The database thread held busy until the event is set: a check queued behind it waits."""
    release, started = threading.Event(), threading.Event()

    def hold(_: object) -> None:
        started.set()
        release.wait(10)

    holding = asyncio.ensure_future(db.run(hold))
    await asyncio.to_thread(started.wait, 10)
    return release, holding


async def test_only_the_request_that_starts_a_check_waits_for_it(
    db: Db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = LibraryCache(db)
    first = await cache.get()
    assert first.artists == {}
    add_artist(tmp_path / "tunecamp.db", "aurora")
    monkeypatch.setattr(library_cache, "CHECK_INTERVAL", 0.0)  # the snapshot is due

    release, holding = await blocked(db)
    starter = asyncio.ensure_future(cache.get())
    await asyncio.sleep(0)
    others = [await asyncio.wait_for(cache.get(), 1) for _ in range(5)]  # the check cannot end yet
    assert all(o is first for o in others) and not starter.done()

    release.set()
    await holding
    fresh = await asyncio.wait_for(starter, 5)
    assert [a.slug for a in fresh.artists.values()] == ["aurora"]
    assert await cache.get() is fresh  # nothing changed since: the same snapshot


async def test_without_a_snapshot_every_request_waits_for_the_one_load(db: Db, tmp_path: Path) -> None:
    add_artist(tmp_path / "tunecamp.db", "aurora")
    cache = LibraryCache(db)
    release, holding = await blocked(db)
    waiting = [asyncio.ensure_future(cache.get()) for _ in range(5)]
    await asyncio.sleep(0.05)
    assert not any(w.done() for w in waiting)
    release.set()
    await holding
    loaded = await asyncio.wait_for(asyncio.gather(*waiting), 5)
    assert all(x is loaded[0] for x in loaded) and len(loaded[0].artists) == 1


async def test_a_snapshot_checked_under_a_second_ago_is_answered_at_once(db: Db, tmp_path: Path) -> None:
    cache = LibraryCache(db)
    first = await cache.get()
    add_artist(tmp_path / "tunecamp.db", "aurora")
    release, holding = await blocked(db)
    try:
        assert await asyncio.wait_for(cache.get(), 1) is first  # no check: the thread is not asked
    finally:
        release.set()
        await holding
