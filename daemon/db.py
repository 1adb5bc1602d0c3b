"""The daemon's SQLite database: one connection, owned by one thread.

sqlite3 connections must not be shared between threads, and SQLite serialises writers
anyway, so every query of the daemon goes through `Db.run(fn)`: `fn(database)` runs on
the single executor thread that opened the connection, and the event loop awaits it.

Calls that queue up while the thread is busy run back to back in one hand-over, and their
results come back to the loop in one wake-up: a hand-over each (`run_in_executor`) cost ~60 µs
of CPU, more than most of the queries, and under an inbox at 1,000 POSTs/s they queue up.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from tunecamp.daemon.migrations import apply_migrations

T = TypeVar("T")
log = logging.getLogger("tunecamp.db")
BUSY_TIMEOUT_MS = 5000


class DatabaseUnavailable(RuntimeError):
    """The database could not be opened or has been closed: answered as 503."""


def row_id(text: str) -> int | None:
    """`text` as a row ID (from a URL), or None: SQLite cannot even bind an integer past 2**63 - 1."""
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if 0 < value < 2**63 else None


def connect(path: Path) -> Database:
    """A sqlite-utils Database in WAL mode, for the calling thread only."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    db = Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.enable_wal()
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA synchronous = NORMAL")  # safe with WAL: a crash loses at most the last commit
    return db


class Db:
    """The executor thread and the connection it owns."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.error: str | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tunecamp-db")
        self._db: Database | None = None
        self._closed = False
        self._lock = threading.Lock()
        self._queue: list[tuple[Callable[[], Any], asyncio.Future[Any]]] = []
        self._draining = False

    async def open(self) -> None:
        """Open and migrate; on failure the daemon keeps running and /health says why."""
        try:
            await self._submit(self._open)
        except (sqlite3.Error, OSError) as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            log.error("database %s unavailable: %s", self.path, self.error)

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = connect(self.path)
        try:
            apply_migrations(db)
        except BaseException:
            db.close()
            raise
        self._db = db

    async def run(self, fn: Callable[[Database], T]) -> T:
        """Run `fn(database)` on the database thread."""
        return await self._submit(lambda: fn(self._require()))

    def _require(self) -> Database:
        if self._db is None:
            raise DatabaseUnavailable(self.error or "the database is closed")
        return self._db

    async def _submit(self, fn: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        with self._lock:
            self._queue.append((fn, future))
            start = not self._draining
            self._draining = True
        if start:
            try:
                self._executor.submit(self._drain)
            except RuntimeError:  # executor shut down
                with self._lock:
                    self._queue.clear()
                    self._draining = False
                raise DatabaseUnavailable("the database is closed") from None
        return await future

    def _drain(self) -> None:
        """On the database thread: run what is queued, in order, until nothing is."""
        while True:
            with self._lock:
                batch, self._queue = self._queue, []
                if not batch:
                    self._draining = False
                    return
            outcomes: list[tuple[asyncio.Future[Any], Any, BaseException | None]] = []
            for fn, future in batch:
                try:
                    outcomes.append((future, fn(), None))
                except BaseException as exc:  # handed to the caller, as run_in_executor does
                    outcomes.append((future, None, exc))
            _hand_back(outcomes)

    async def close(self) -> None:
        """Checkpoint the WAL and close; later calls get DatabaseUnavailable. Idempotent."""
        if self._closed:
            return
        self._closed = True

        def _close() -> None:
            if self._db is not None:
                db, self._db = self._db, None
                try:
                    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                finally:
                    db.close()

        try:
            await self._submit(_close)
        finally:
            self.error = self.error or "the database is closed"
            self._executor.shutdown(wait=True)


def _hand_back(outcomes: list[tuple[asyncio.Future[Any], Any, BaseException | None]]) -> None:
    """Each loop its callers' outcomes, in one wake-up (tests may use one Db from several loops)."""
    by_loop: dict[asyncio.AbstractEventLoop, list[Any]] = {}
    for outcome in outcomes:
        by_loop.setdefault(outcome[0].get_loop(), []).append(outcome)
    for loop, mine in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle, mine)
        except RuntimeError:  # the loop is closed: nobody is left to wait
            pass


def _settle(outcomes: list[tuple[asyncio.Future[Any], Any, BaseException | None]]) -> None:
    for future, result, error in outcomes:
        if future.done():  # its caller was cancelled: the work ran, nobody waits for it
            continue
        if error is None:
            future.set_result(result)
        else:
            future.set_exception(error)
