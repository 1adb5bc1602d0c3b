"""The outbox: every outgoing activity, written with what caused it, then handed to the jobs engine.

An activity and the inboxes it goes to are one row of `fed_activities`, written in the same
transaction as the change that causes it (publishing records the note's hash in that
transaction). `Outbox.hand_over`, run by the process that wrote it right after, then claims each
row not yet handed over, turns it into one job per inbox (kind `federation.deliver`, key
"activity-id inbox") with `enqueue_many`, and clears its inboxes. So:

- a crash after the write and before the hand-over loses nothing: every daemon and worker hands
  over what is waiting at start and every few seconds (delivery.py), which is also how what
  `tunecamp keys rotate` or `federation move` wrote reaches a running daemon's engine when the
  command could not hand it over itself;
- a sync repeated after a crash sends nothing twice: the activity's id is the row's key, so the
  same activity is never written, nor fanned out, a second time, even after its jobs have
  finished and the engine has forgotten them. Only a crash between `enqueue_many` and the mark
  hands a fan-out over twice; the engine ignores keys it still has waiting or running, and a
  remote de-duplicates activities by id.

The body stays here, not in each job's payload: the handler needs this database anyway (the
actor's current key signs at send time, a 410 removes follows), and a fan-out to 10,000 inboxes
would otherwise copy the activity 10,000 times (into Redis, when the engine is there).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlite_utils import Database

from tunecamp.daemon.db import Db
from tunecamp.daemon.jobs import Jobs

log = logging.getLogger("tunecamp.federation.outbox")
KIND = "federation.deliver"
KEEP = 30 * 86400  # an activity handed over is kept this long (its jobs, and a retry of a dead one, read it)
BATCH = 50  # activities per hand-over step
STALE = 120.0  # a hand-over claimed this long ago and not finished was cut off: taken again


@dataclass(frozen=True)
class Activity:
    """An outgoing activity: `actor` is the local username whose key signs it."""

    id: str
    actor: str
    body: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.body.get("type", ""))


def job_key(activity_id: str, inbox: str) -> str:
    """One delivery per (activity, inbox): the engine's idempotence key."""
    return f"{activity_id} {inbox}"


def job_payload(activity_id: str, inbox: str) -> Mapping[str, Any]:
    return {"activity": activity_id, "inbox": inbox}


def add(db: Database, activity: Activity, inboxes: Iterable[str], now: float | None = None) -> int:
    """Write the activity with its distinct http(s) inboxes (in the caller's transaction).

    Returns how many deliveries it adds: 0 when the activity is already known."""
    now = time.time() if now is None else now
    targets = sorted({i for i in inboxes if i.startswith(("https://", "http://"))})
    cursor = db.execute(
        "INSERT OR IGNORE INTO fed_activities (id, actor, type, body, created_at, inboxes, queued_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            activity.id,
            activity.actor,
            activity.type,
            json.dumps(activity.body),
            now,
            json.dumps(targets) if targets else None,
            None if targets else now,  # nobody to send it to: nothing to hand over
        ],
    )
    return len(targets) if cursor.rowcount else 0


def claim(db: Database, now: float, limit: int = BATCH) -> list[tuple[str, list[str]]]:
    """Take activities not handed over yet (or whose hand-over was cut off), oldest first.

    The claim is `queued_at`: a process that takes a row stamps it, so another process's
    hand-over (a worker's poll) leaves it alone, unless the stamp is older than STALE (the
    process died before `handed`)."""
    with db.conn:
        rows = db.execute(
            """
            UPDATE fed_activities SET queued_at = ? WHERE id IN (
                SELECT id FROM fed_activities
                WHERE inboxes IS NOT NULL AND (queued_at IS NULL OR queued_at < ?)
                ORDER BY created_at LIMIT ?
            )
            RETURNING id, inboxes, created_at
            """,
            [now, now - STALE, limit],
        ).fetchall()
    return [(str(r[0]), list(json.loads(r[1]))) for r in sorted(rows, key=lambda r: (r[2], r[0]))]


def handed(db: Database, ids: list[str]) -> None:
    """The claimed activities' jobs are queued: their inboxes are no longer needed."""
    marks = ",".join("?" * len(ids))
    with db.conn:
        db.execute(f"UPDATE fed_activities SET inboxes = NULL WHERE id IN ({marks})", ids)


def unclaim(db: Database, ids: list[str]) -> None:
    """The engine refused (Redis away): the next hand-over takes them again."""
    marks = ",".join("?" * len(ids))
    with db.conn:
        db.execute(f"UPDATE fed_activities SET queued_at = NULL WHERE id IN ({marks})", ids)


def waiting(db: Database) -> list[tuple[str, list[str]]]:
    """Activities written and not handed over, with their inboxes (tests and the dashboard)."""
    rows = db.execute(
        "SELECT id, inboxes FROM fed_activities WHERE inboxes IS NOT NULL ORDER BY created_at, id"
    ).fetchall()
    return [(str(r[0]), list(json.loads(r[1]))) for r in rows]


def activity(db: Database, activity_id: str) -> tuple[str, bytes] | None:
    """(signing username, body as sent) of an activity, or None once pruned."""
    row = db.execute("SELECT actor, body FROM fed_activities WHERE id = ?", [activity_id]).fetchone()
    return None if row is None else (str(row[0]), str(row[1]).encode())


def describe(db: Database, ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """(type, signing username) of each activity still kept (the dashboard's failures)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    marks = ",".join("?" * len(wanted))
    rows = db.execute(f"SELECT id, type, actor FROM fed_activities WHERE id IN ({marks})", wanted)
    return {str(r[0]): (str(r[1]), str(r[2])) for r in rows.fetchall()}


def prune(db: Database, now: float | None = None) -> int:
    """Forget activities handed over more than KEEP ago."""
    now = time.time() if now is None else now
    with db.conn:
        return db.execute(
            "DELETE FROM fed_activities WHERE inboxes IS NULL AND queued_at < ?", [now - KEEP]
        ).rowcount


def old_queue(db: Database) -> list[tuple[str, str]]:
    """(activity, inbox) of the deliveries still pending in the queue of before issue 20."""
    rows = db.execute("SELECT activity_id, inbox FROM fed_deliveries WHERE state = 'pending' ORDER BY id")
    return [(str(a), str(i)) for a, i in rows.fetchall()]


def forget_old_queue(db: Database) -> int:
    """Empty the old queue once its pending rows are jobs; returns the dead letters dropped with it."""
    with db.conn:
        dead = db.execute("SELECT COUNT(*) FROM fed_deliveries WHERE state = 'dead'").fetchone()[0]
        db.execute("DELETE FROM fed_deliveries")
    return int(dead)


class Outbox:
    """Hands what `add` wrote to the jobs engine (the daemon's, a worker's, or the CLI's backend)."""

    def __init__(self, db: Db, jobs: Jobs) -> None:
        self.db = db
        self.jobs = jobs
        self._lock = asyncio.Lock()  # one hand-over at a time in a process: no batch goes twice

    async def hand_over(self) -> int:
        """Enqueue every written activity's deliveries; returns how many jobs were new."""
        added = 0
        async with self._lock:
            while batch := await self.db.run(lambda d: claim(d, time.time())):
                ids = [a for a, _ in batch]
                try:
                    for activity_id, inboxes in batch:
                        jobs = [(job_key(activity_id, i), job_payload(activity_id, i)) for i in inboxes]
                        added += await self.jobs.enqueue_many(KIND, jobs)
                except Exception:
                    await self.db.run(partial(unclaim, ids=ids))
                    raise
                await self.db.run(partial(handed, ids=ids))
        return added

    async def adopt_old_queue(self) -> int:
        """The old queue's pending deliveries as jobs, once (at start-up); then the old rows go."""
        async with self._lock:
            pending = await self.db.run(old_queue)
            jobs = [(job_key(a, i), job_payload(a, i)) for a, i in pending]
            added = await self.jobs.enqueue_many(KIND, jobs) if jobs else 0
            dead = await self.db.run(forget_old_queue)
        if pending or dead:
            log.info(
                "the old delivery queue: %d pending deliveries handed to the jobs engine, %d dead letters dropped",
                len(pending),
                dead,
            )
        return added
