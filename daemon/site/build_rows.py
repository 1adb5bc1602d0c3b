"""The `builds` rows as the instance's build queue: booked, claimed, kept alive, read (database thread).

Every process on the data folder shares these rows, so a rebuild asked for in one web process
can be run by another (a `tunecamp worker`) and followed from a third. A request is booked as a
`queued` row, or merged into the one already queued: at most one row waits, whatever the number
of requests and processes (the "one booked follow-up" rule). A build claims the oldest queued row
(queued → running, with its process as `owner`) while no other row runs with a fresh heartbeat;
a running row whose heartbeat lapsed, or whose process on this machine is gone, lost its process
(killed): it is marked failed and what it asked for is booked again. Writes that read first take
the write lock first (BEGIN IMMEDIATE), so two processes never both see "nothing queued" and book
two rows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from tunecamp.daemon.processes import process_gone
from tunecamp.daemon.site.runs import BuildRun

LAPSE = 30.0  # seconds without a heartbeat after which a running row's process is taken for gone
MAX_REASON = 2000  # characters of the joined reasons of a queued row
STOPPED = "the worker running it stopped (no sign of life for {lapse:g} s); booked again"
GONE = "the worker running it stopped (its process is gone); booked again"


@dataclass(frozen=True)
class Booking:
    id: int  # the queued row this request is in
    merged: bool  # it joined a row booked before
    running: int | None  # the row being built now, if any


@dataclass(frozen=True)
class Claim:
    row: dict[str, Any] | None  # the row claimed, now running and ours
    busy: int | None  # another row runs, its process alive: nothing claimed
    lost: tuple[tuple[int, str], ...]  # (id, why) of running rows whose process stopped, now failed


def iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="seconds")


def epoch(text: str | None) -> float | None:
    return None if not text else dt.datetime.fromisoformat(text).timestamp()


@contextlib.contextmanager
def _immediate(db: Database) -> Iterator[None]:
    conn = db.conn
    if conn.in_transaction:  # within a caller's transaction: a savepoint, the caller holds the lock
        with db.atomic():
            yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    conn.execute("COMMIT")


def _running(db: Database, now: float, owner: str = "") -> int | None:
    """The newest row running with a fresh heartbeat, but `owner`'s (waiting for its own turn)."""
    row = db.execute(
        "SELECT id FROM builds WHERE state = 'running' AND heartbeat_at >= ? AND owner IS NOT ?"
        " ORDER BY id DESC LIMIT 1",
        [now - LAPSE, owner],
    ).fetchone()
    return None if row is None else int(row[0])


def _book(
    db: Database, reason: str, requested_by: str | None, index_only: bool, if_changed: bool, now: float
) -> tuple[int, bool]:
    queued = db.execute(
        "SELECT id, reason, index_only, if_changed FROM builds WHERE state = 'queued' ORDER BY id LIMIT 1"
    ).fetchone()
    if queued is None:
        cursor = db.execute(
            "INSERT INTO builds (reason, requested_by, started_at, state, index_only, if_changed)"
            " VALUES (?, ?, ?, 'queued', ?, ?)",
            [reason[:MAX_REASON], requested_by, iso(now), int(index_only), int(if_changed)],
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid, False
    row_id, reasons = int(queued[0]), str(queued[1])
    if reason not in reasons.split("; "):
        reasons = f"{reasons}; {reason}"[:MAX_REASON]
    # a full build covers an index-only one; a forced build covers an "if changed" one
    db.execute(
        "UPDATE builds SET reason = ?, requested_by = COALESCE(?, requested_by),"
        " index_only = index_only AND ?, if_changed = if_changed AND ? WHERE id = ?",
        [reasons, requested_by, int(index_only), int(if_changed), row_id],
    )
    return row_id, True


def book(
    db: Database, reason: str, requested_by: str | None, index_only: bool, if_changed: bool, now: float
) -> Booking:
    """Queue a build, or merge this request into the one already queued."""
    with _immediate(db):
        row_id, merged = _book(db, reason, requested_by, index_only, if_changed, now)
        return Booking(row_id, merged, _running(db, now))


def claim(db: Database, owner: str, now: float) -> Claim:
    """Take the oldest queued row for `owner`, unless a live process runs another; fail the lost."""
    with _immediate(db):
        lost = _fail_lost(db, now)
        busy = _running(db, now, owner)  # our own can only be waiting: we hold this process's turn
        if busy is not None:
            return Claim(None, busy, lost)
        claimed = db.execute(
            "UPDATE builds SET state = 'running', owner = ?, heartbeat_at = ?, started_at = ?"
            " WHERE id = (SELECT id FROM builds WHERE state = 'queued' ORDER BY id LIMIT 1)"
            " RETURNING id, reason, requested_by, index_only, if_changed",
            [owner, now, iso(now)],
        ).fetchone()
    found = (
        None
        if claimed is None
        else dict(zip(("id", "reason", "requested_by", "index_only", "if_changed"), claimed, strict=True))
    )
    return Claim(found, None, lost)


def _fail_lost(db: Database, now: float) -> tuple[tuple[int, str], ...]:
    """Running rows whose process stopped (its heartbeat lapsed, or, on this machine, it is gone):
    failed, and what they asked for booked again. Returns (id, why) of each."""
    lost = []
    rows = db.execute(
        "SELECT owner, heartbeat_at, id, reason, requested_by, index_only, if_changed FROM builds"
        " WHERE state = 'running'"
    ).fetchall()
    for runner, heartbeat, *row in rows:
        if heartbeat is None or heartbeat < now - LAPSE:
            why = STOPPED.format(lapse=LAPSE)
        elif process_gone(runner):
            why = GONE
        else:
            continue
        _fail_and_book_again(db, row, why, now)
        lost.append((int(row[0]), why))
    return tuple(lost)


def _fail_and_book_again(db: Database, row: Any, error: str, now: float) -> None:
    row_id, reason, requested_by, index_only, if_changed = row
    db.execute(
        "UPDATE builds SET state = 'failed', finished_at = ?, error = ?, heartbeat_at = NULL WHERE id = ?",
        [iso(now), error, row_id],
    )
    again = reason if reason.startswith("again: ") else f"again: {reason}"
    _book(db, again, requested_by, bool(index_only), bool(if_changed), now)


def give_back(db: Database, build_id: int, error: str, now: float) -> None:
    """A claimed build stopped before its end (shutdown): failed, and what it asked for booked again."""
    with _immediate(db):
        row = db.execute(
            "SELECT id, reason, requested_by, index_only, if_changed FROM builds WHERE id = ? AND state = 'running'",
            [build_id],
        ).fetchone()
        if row is not None:
            _fail_and_book_again(db, row, error, now)


def record_start(db: Database, run: BuildRun, owner: str) -> int:
    """A build this process runs without booking it (the watcher's): its row, running and ours."""
    with db.atomic():
        cursor = db.execute(
            "INSERT INTO builds (reason, requested_by, started_at, state, index_only, if_changed, owner, heartbeat_at)"
            " VALUES (?, ?, ?, 'running', ?, ?, ?, ?)",
            [
                run.reason,
                run.requested_by,
                iso(run.started_at),
                int(run.index_only),
                int(run.if_changed),
                owner,
                run.started_at,
            ],
        )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def beat(db: Database, run: BuildRun, owner: str, now: float) -> bool:
    """The run's sign of life, its log and problems so far; False when the row is no longer ours."""
    with db.atomic():
        cursor = db.execute(
            "UPDATE builds SET heartbeat_at = ?, log = ?, problems = ? WHERE id = ? AND owner = ? AND state = 'running'",
            [now, "\n".join(run.log), json.dumps(run.problems), run.id, owner],
        )
    return cursor.rowcount > 0


def record_end(db: Database, run: BuildRun) -> None:
    """How the run ended, its problems, log and error."""
    with db.atomic():
        db.execute(
            "UPDATE builds SET finished_at = ?, state = ?, published = ?, problems = ?, log = ?, error = ?,"
            " heartbeat_at = NULL WHERE id = ?",
            [
                iso(run.finished_at or dt.datetime.now(dt.UTC).timestamp()),
                run.state,
                int(run.published),
                json.dumps(run.problems),
                "\n".join(run.log),
                run.error,
                run.id,
            ],
        )


COLUMNS = (
    "id, reason, requested_by, state, published, started_at, finished_at, index_only, problems, error, log"
)


def as_json(row: dict[str, Any], since: int = 0, tail: int | None = None) -> dict[str, Any]:
    """A row as `BuildRun.as_json` answers: from log line `since`, or its last `tail` lines."""
    lines = str(row["log"]).split("\n") if row["log"] else []
    start = max(0, len(lines) - tail) if tail is not None else since
    return {
        "id": row["id"],
        "reason": row["reason"],
        "requested_by": row["requested_by"],
        "state": row["state"],
        "published": bool(row["published"]),
        "started_at": epoch(row["started_at"]),  # a queued row's: when it was asked for
        "finished_at": epoch(row["finished_at"]),
        "index_only": bool(row["index_only"]),
        "problems": json.loads(row["problems"] or "[]"),
        "error": row["error"],
        "log": lines[start:],
        "log_next": len(lines),
    }


def one(db: Database, build_id: int) -> dict[str, Any] | None:
    rows = list(db.query(f"SELECT {COLUMNS} FROM builds WHERE id = ?", [build_id]))
    return rows[0] if rows else None


def newest(db: Database, limit: int) -> list[dict[str, Any]]:
    return list(db.query(f"SELECT {COLUMNS} FROM builds ORDER BY id DESC LIMIT ?", [limit]))


@dataclass(frozen=True)
class Overview:
    """What `summary()` needs of the rows, read every second: cheap, no logs."""

    running: int | None = None
    queued: int | None = None
    last: dict[str, Any] | None = None  # the last build that did something, finished


def overview(db: Database, now: float) -> Overview:
    queued = db.execute("SELECT id FROM builds WHERE state = 'queued' ORDER BY id LIMIT 1").fetchone()
    last = list(
        db.query(
            "SELECT id, state, published, finished_at, problems FROM builds"
            " WHERE state IN ('ok', 'failed') ORDER BY id DESC LIMIT 1"
        )
    )
    summary = None
    if last:
        row = last[0]
        problems = json.loads(row["problems"] or "[]")
        summary = {
            "id": row["id"],
            "state": row["state"],
            "published": bool(row["published"]),
            "finished_at": epoch(row["finished_at"]),
            "errors": sum(p.get("level") == "error" for p in problems),
        }
    return Overview(_running(db, now), None if queued is None else int(queued[0]), summary)
