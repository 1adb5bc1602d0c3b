"""Db.run: one thread owns the connection; calls queued together run in order, each gets its own outcome."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from tunecamp.daemon.db import DatabaseUnavailable, Db


@pytest.fixture
async def db(tmp_path: Path) -> Any:
    database = Db(tmp_path / "tunecamp.db")
    await database.open()
    yield database
    await database.close()


async def test_calls_made_at_once_run_in_order_on_one_thread(db: Db) -> None:
    await db.run(lambda d: d.execute("CREATE TABLE t (n INTEGER)"))
    threads: set[int] = set()

    def insert(d: Any, n: int) -> int:
        threads.add(threading.get_ident())
        d.execute("INSERT INTO t VALUES (?)", [n])
        return n * 2

    results = await asyncio.gather(*(db.run(lambda d, n=n: insert(d, n)) for n in range(500)))
    assert results == [n * 2 for n in range(500)]
    assert threads and threading.get_ident() not in threads and len(threads) == 1
    rows = await db.run(lambda d: [r[0] for r in d.execute("SELECT n FROM t ORDER BY rowid").fetchall()])
    assert rows == list(range(500))


async def test_an_error_reaches_its_own_caller_only(db: Db) -> None:
    def fail(d: Any) -> None:
        raise ValueError("this one")

    outcomes = await asyncio.gather(
        db.run(lambda d: 1), db.run(fail), db.run(lambda d: 3), return_exceptions=True
    )
    assert outcomes[0] == 1 and outcomes[2] == 3
    assert isinstance(outcomes[1], ValueError) and str(outcomes[1]) == "this one"


async def test_a_cancelled_caller_leaves_the_others_their_answers(db: Db) -> None:
    started = threading.Event()
    release = threading.Event()

    def slow(d: Any) -> str:
        started.set()
        release.wait(5)
        return "slow"

    first = asyncio.ensure_future(db.run(slow))
    await asyncio.to_thread(started.wait, 5)
    cancelled = asyncio.ensure_future(db.run(lambda d: "cancelled"))
    kept = asyncio.ensure_future(db.run(lambda d: "kept"))
    await asyncio.sleep(0)
    cancelled.cancel()
    release.set()
    assert await first == "slow"
    assert await kept == "kept"
    assert cancelled.cancelled()
    assert await db.run(lambda d: "after") == "after"


async def test_after_close_every_call_is_unavailable(tmp_path: Path) -> None:
    database = Db(tmp_path / "tunecamp.db")
    await database.open()
    await database.close()
    with pytest.raises(DatabaseUnavailable):
        await database.run(lambda d: 1)
