"""The heap is frozen after the first full collection that follows a new long-lived snapshot."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from tunecamp.daemon.db import Db, connect
from tunecamp.daemon.heap import HEAP, Heap, heap_ctx
from tunecamp.daemon.migrations import apply_migrations
from tunecamp.daemon.subsonic.library_cache import LibraryCache


@pytest.fixture
async def heap() -> AsyncIterator[Heap]:
    app = web.Application()
    app[HEAP] = Heap()
    context = heap_ctx(app)
    await anext(context)
    try:
        yield app[HEAP]
    finally:
        with pytest.raises(StopAsyncIteration):
            await anext(context)
        gc.unfreeze()  # the other tests' objects are theirs to collect


async def settled() -> None:
    for _ in range(3):  # the freeze is handed to the loop from inside the collection
        await asyncio.sleep(0)


async def test_frozen_after_the_next_full_collection_only(heap: Heap) -> None:
    gc.freeze()
    heap.settle()
    assert gc.get_freeze_count() == 0  # what an older snapshot left is walked again
    gc.collect(1)
    await settled()
    assert gc.get_freeze_count() == 0 and heap.freezes == 0  # not a full pass
    gc.collect()
    await settled()
    assert gc.get_freeze_count() > 0 and heap.freezes == 1
    gc.collect()
    await settled()
    assert heap.freezes == 1  # once per settle


async def test_a_new_snapshot_settles_the_heap(tmp_path: Path) -> None:
    db_path = tmp_path / "tunecamp.db"
    apply_migrations(connect(db_path))
    db = Db(db_path)
    await db.open()
    settles: list[int] = []
    cache = LibraryCache(db, settle=lambda: settles.append(1))
    try:
        first = await cache.get()
        cache._checked = 0.0  # the next get() checks the index again
        assert await cache.get() is first and settles == [1]  # unchanged: no new snapshot
        other = connect(db_path)
        with other.atomic():
            other.execute("INSERT INTO catalog_artists (id, slug, name, updated_at) VALUES (1, 'a', 'A', '')")
        cache._checked = 0.0
        assert await cache.get() is not first and settles == [1, 1]
    finally:
        await db.close()
