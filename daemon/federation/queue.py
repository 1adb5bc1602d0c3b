"""The outgoing delivery queue: a small interface, and its SQLite backend.

`DeliveryQueue` is all the delivery worker and publishing use (enqueue, claim, ack, fail, and
what the dashboard shows), so a Redis backend can replace the SQLite one (issue 20). The SQLite
backend keeps the queue in the instance database (queue_schema.py):

- enqueue is idempotent: a delivery is unique by (activity id, inbox), so publishing the same
  activity twice, or again after a restart, adds nothing;
- a claim takes due rows and writes a lease (`lease_until`); a daemon killed while it sends
  leaves leased rows that any claim takes again once the lease has run out, so nothing is lost;
- ack marks the row done (kept, so a later enqueue of the same pair is still ignored): an
  acknowledged delivery is never sent again;
- fail either books the next attempt (backoff is the caller's, delivery.py) or dead-letters it.

Every function of the backend takes the sqlite-utils `Database`, so the daemon runs them on its
database thread (`SqliteQueue`, through `Db.run`) and the CLI on its own connection.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from sqlite_utils import Database

from tunecamp.daemon.db import Db

KEEP_DONE = 30 * 86400  # acknowledged rows kept this long (enqueueing them again stays a no-op)


@dataclass(frozen=True)
class Activity:
    """An outgoing activity: `actor` is the local username whose key signs it."""

    id: str
    actor: str
    body: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.body.get("type", ""))


@dataclass(frozen=True)
class Delivery:
    """A claimed delivery: one activity to one inbox."""

    id: int
    activity_id: str
    actor: str
    body: str  # the activity's JSON as it is sent
    inbox: str
    host: str
    attempts: int  # attempts made before this one
    created_at: float


@dataclass(frozen=True)
class QueueCounts:
    pending: int
    due: int
    leased: int
    done: int
    dead: int
    retrying: int  # pending rows that failed at least once


class DeliveryQueue(Protocol):
    """What the delivery worker, publishing and the dashboard need of a queue backend."""

    async def enqueue(self, activity: Activity, inboxes: Iterable[str]) -> int: ...

    async def claim(self, limit: int, lease: float) -> list[Delivery]: ...

    async def ack(self, delivery: Delivery) -> None: ...

    async def fail(
        self, delivery: Delivery, *, retry_at: float | None, error: str, status: int | None = None
    ) -> None: ...

    async def next_due(self) -> float | None: ...

    async def counts(self) -> QueueCounts: ...

    async def failed(self, limit: int) -> list[dict[str, Any]]: ...

    async def retry(self, delivery_id: int | None) -> int: ...

    async def prune(self) -> int: ...


def host_of(inbox: str) -> str:
    """The host:port a delivery goes to, for per-host limits."""
    parts = urlsplit(inbox)
    return (parts.netloc or "").lower()


# --- the SQLite backend, as functions of a Database --------------------------------------------


def enqueue(db: Database, activity: Activity, inboxes: Iterable[str], now: float | None = None) -> int:
    """Add one delivery per distinct inbox; returns how many were new."""
    now = time.time() if now is None else now
    targets = sorted({i for i in inboxes if i.startswith(("https://", "http://"))})
    with db.conn:
        db.execute(
            "INSERT OR IGNORE INTO fed_activities (id, actor, type, body, created_at) VALUES (?, ?, ?, ?, ?)",
            [activity.id, activity.actor, activity.type, json.dumps(activity.body), now],
        )
        before = db.conn.total_changes
        db.conn.executemany(
            "INSERT OR IGNORE INTO fed_deliveries (activity_id, inbox, host, next_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(activity.id, inbox, host_of(inbox), now, now, now) for inbox in targets],
        )
        return db.conn.total_changes - before


def claim(db: Database, limit: int, lease: float, owner: str, now: float | None = None) -> list[Delivery]:
    """Lease up to `limit` due deliveries (pending, due, lease free or run out), oldest first."""
    now = time.time() if now is None else now
    with db.conn:
        rows = db.execute(
            """
            UPDATE fed_deliveries SET lease_until = ?, lease_owner = ?, updated_at = ?
            WHERE id IN (
                SELECT id FROM fed_deliveries
                WHERE state = 'pending' AND next_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
                ORDER BY next_at, id LIMIT ?
            )
            RETURNING id, activity_id, inbox, host, attempts, created_at
            """,
            [now + lease, owner, now, now, now, limit],
        ).fetchall()
    if not rows:
        return []
    ids = sorted({r[1] for r in rows})
    marks = ",".join("?" * len(ids))
    activities = {
        a: (actor, body)
        for a, actor, body in db.execute(
            f"SELECT id, actor, body FROM fed_activities WHERE id IN ({marks})", ids
        ).fetchall()
    }
    return [
        Delivery(r[0], r[1], activities[r[1]][0], activities[r[1]][1], r[2], r[3], r[4], r[5])
        for r in sorted(rows)
    ]


def ack(db: Database, delivery_id: int, now: float | None = None) -> None:
    now = time.time() if now is None else now
    with db.conn:
        db.execute(
            "UPDATE fed_deliveries SET state = 'done', attempts = attempts + 1, lease_until = NULL,"
            " lease_owner = NULL, last_error = NULL, updated_at = ? WHERE id = ?",
            [now, delivery_id],
        )


def fail(
    db: Database,
    delivery_id: int,
    retry_at: float | None,
    error: str,
    status: int | None = None,
    now: float | None = None,
) -> None:
    """Book the next attempt at `retry_at`, or dead-letter the delivery when it is None."""
    now = time.time() if now is None else now
    state = "pending" if retry_at is not None else "dead"
    with db.conn:
        db.execute(
            "UPDATE fed_deliveries SET state = ?, attempts = attempts + 1, next_at = ?, lease_until = NULL,"
            " lease_owner = NULL, last_status = ?, last_error = ?, updated_at = ? WHERE id = ?",
            [state, retry_at if retry_at is not None else now, status, error[:500], now, delivery_id],
        )


def next_due(db: Database) -> float | None:
    row = db.execute(
        "SELECT MIN(MAX(next_at, COALESCE(lease_until, 0))) FROM fed_deliveries WHERE state = 'pending'"
    ).fetchone()
    return None if row is None or row[0] is None else float(row[0])


def counts(db: Database, now: float | None = None) -> QueueCounts:
    now = time.time() if now is None else now
    row = db.execute(
        """
        SELECT
          COALESCE(SUM(state = 'pending'), 0),
          COALESCE(SUM(state = 'pending' AND next_at <= :now AND (lease_until IS NULL OR lease_until <= :now)), 0),
          COALESCE(SUM(state = 'pending' AND lease_until > :now), 0),
          COALESCE(SUM(state = 'done'), 0),
          COALESCE(SUM(state = 'dead'), 0),
          COALESCE(SUM(state = 'pending' AND attempts > 0), 0)
        FROM fed_deliveries
        """,
        {"now": now},
    ).fetchone()
    return QueueCounts(*(int(v) for v in row))


def failed(db: Database, limit: int) -> list[dict[str, Any]]:
    """Dead-lettered deliveries and those waiting for a retry, newest first."""
    rows = db.execute(
        """
        SELECT d.id, d.activity_id, a.type, a.actor, d.inbox, d.state, d.attempts, d.next_at,
               d.last_status, d.last_error, d.created_at, d.updated_at
        FROM fed_deliveries d JOIN fed_activities a ON a.id = d.activity_id
        WHERE d.state = 'dead' OR (d.state = 'pending' AND d.attempts > 0)
        ORDER BY d.updated_at DESC LIMIT ?
        """,
        [limit],
    ).fetchall()
    keys = (
        *("id", "activity_id", "type", "actor", "inbox", "state", "attempts", "next_at"),
        *("last_status", "last_error", "created_at", "updated_at"),
    )
    return [dict(zip(keys, r, strict=True)) for r in rows]


def retry(db: Database, delivery_id: int | None, now: float | None = None) -> int:
    """Send a dead-lettered (or waiting) delivery now, or every one when `delivery_id` is None.

    The retry starts a fresh two-day window: `created_at` moves to now."""
    now = time.time() if now is None else now
    where = "state = 'dead' OR (state = 'pending' AND attempts > 0)"
    args: list[Any] = [now, now, now]
    if delivery_id is not None:
        where = f"id = ? AND ({where})"
        args.append(delivery_id)
    with db.conn:
        cursor = db.execute(
            "UPDATE fed_deliveries SET state = 'pending', next_at = ?, lease_until = NULL, lease_owner = NULL,"
            f" created_at = ?, updated_at = ? WHERE {where}",
            args,
        )
        return cursor.rowcount


def prune(db: Database, now: float | None = None) -> int:
    """Forget acknowledged deliveries (and activities without a row) older than KEEP_DONE."""
    now = time.time() if now is None else now
    with db.conn:
        gone = db.execute(
            "DELETE FROM fed_deliveries WHERE state = 'done' AND updated_at < ?", [now - KEEP_DONE]
        ).rowcount
        db.execute(
            "DELETE FROM fed_activities WHERE created_at < ? AND id NOT IN"
            " (SELECT DISTINCT activity_id FROM fed_deliveries)",
            [now - KEEP_DONE],
        )
    return gone


class SqliteQueue:
    """`DeliveryQueue` on the daemon's database thread."""

    def __init__(self, db: Db, owner: str | None = None) -> None:
        self.db = db
        self.owner = owner or secrets.token_hex(6)  # this process's leases

    async def enqueue(self, activity: Activity, inboxes: Iterable[str]) -> int:
        targets: Sequence[str] = list(inboxes)
        return await self.db.run(lambda db: enqueue(db, activity, targets))

    async def claim(self, limit: int, lease: float) -> list[Delivery]:
        return await self.db.run(lambda db: claim(db, limit, lease, self.owner))

    async def ack(self, delivery: Delivery) -> None:
        await self.db.run(lambda db: ack(db, delivery.id))

    async def fail(
        self, delivery: Delivery, *, retry_at: float | None, error: str, status: int | None = None
    ) -> None:
        await self.db.run(lambda db: fail(db, delivery.id, retry_at, error, status))

    async def next_due(self) -> float | None:
        return await self.db.run(next_due)

    async def counts(self) -> QueueCounts:
        return await self.db.run(counts)

    async def failed(self, limit: int) -> list[dict[str, Any]]:
        return await self.db.run(lambda db: failed(db, limit))

    async def retry(self, delivery_id: int | None) -> int:
        return await self.db.run(lambda db: retry(db, delivery_id))

    async def prune(self) -> int:
        return await self.db.run(prune)
