"""The daemon's SQLite database: one connection, owned by one thread.

sqlite3 connections must not be shared between threads, and SQLite serialises writers
anyway, so every query of the daemon goes through `Db.run(fn)`: `fn(database)` runs on
the single executor thread that opened the connection, and the event loop awaits it.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

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
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn)
        except RuntimeError as exc:  # executor shut down
            if isinstance(exc, DatabaseUnavailable):
                raise
            if "shutdown" in str(exc):
                raise DatabaseUnavailable("the database is closed") from None
            raise

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
