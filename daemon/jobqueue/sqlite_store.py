"""The SQLite backend's SQL: every function takes the sqlite-utils Database (run on the DB thread).

Kept to few statements per batch, so the cost per job stays small under a fan-out: enqueueing
is one `executemany` in one transaction; a consumer's cycle records the attempts that ended and
claims the next due jobs in one transaction (`cycle`); the heartbeat is one UPDATE for every job
a consumer runs.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from tunecamp.daemon.jobqueue.outcome import Outcome
from tunecamp.daemon.jobs import Counts, FailedJob, Job, WorkerSeen
from tunecamp.daemon.processes import process_gone

LAPSED = "the worker stopped answering (its heartbeat lapsed)"
GONE = "the worker stopped (its process is gone)"


@dataclass(frozen=True)
class WorkerRow:
    id: str
    host: str
    pid: int
    kinds: tuple[str, ...]
    in_serve: bool
    started_at: float


def enqueue(db: Database, kind: str, rows: Sequence[tuple[str, str]], next_at: float, now: float) -> int:
    """Insert (key, payload JSON) rows as queued jobs; a key with a live job is skipped. Returns the new."""
    conn = db.conn
    before = conn.total_changes
    with conn:
        conn.executemany(
            "INSERT OR IGNORE INTO jobs (kind, key, payload, state, next_at, created, updated)"
            " VALUES (?, ?, ?, 'queued', ?, ?, ?)",
            [(kind, key, payload, next_at, now, now) for key, payload in rows],
        )
    return conn.total_changes - before


CLAIM = (
    "UPDATE jobs SET state = 'running', owner = ?, heartbeat_at = ?, updated = ?"
    " WHERE id IN (SELECT id FROM jobs WHERE kind = ? AND state = 'queued' AND next_at <= ?"
    " ORDER BY next_at LIMIT ?) RETURNING id, kind, key, payload, attempts, created"
)


def _settle(conn: sqlite3.Connection, owner: str, ended: Sequence[tuple[int, Outcome]], now: float) -> None:
    done = [(now, job_id, owner) for job_id, o in ended if o.state == "done"]
    again = [(now + o.delay, o.error, now, job_id, owner) for job_id, o in ended if o.state == "retry"]
    dead = [(o.error, now, job_id, owner) for job_id, o in ended if o.state == "dead"]
    mine = " WHERE id = ? AND owner = ? AND state = 'running'"  # a job swept from us is no longer ours
    free = "owner = NULL, heartbeat_at = NULL"
    if done:
        conn.executemany(f"UPDATE jobs SET state = 'done', {free}, updated = ?{mine}", done)
    if again:
        conn.executemany(
            f"UPDATE jobs SET state = 'queued', {free}, attempts = attempts + 1, next_at = ?,"
            f" last_error = ?, updated = ?{mine}",
            again,
        )
    if dead:
        conn.executemany(
            f"UPDATE jobs SET state = 'dead', {free}, attempts = attempts + 1, last_error = ?,"
            f" updated = ?{mine}",
            dead,
        )


def cycle(
    db: Database, owner: str, ended: Sequence[tuple[int, Outcome]], wants: Mapping[str, int], now: float
) -> tuple[list[Job], float | None]:
    """Record the ended attempts, claim up to `wants[kind]` due jobs of each kind; and when the
    next queued job of those kinds is due (None: none is queued)."""
    conn = db.conn
    claimed: list[Job] = []
    spare = []  # kinds with room left: when their next job is due matters (the others wait for a slot)
    with conn:
        _settle(conn, owner, ended, now)
        for kind, count in wants.items():
            if count > 0:
                rows = conn.execute(CLAIM, (owner, now, now, kind, now, count)).fetchall()
                claimed += [Job(str(r[0]), r[1], r[2], json.loads(r[3]), r[4], r[5]) for r in rows]
                if len(rows) < count:
                    spare.append(kind)
    if not spare:
        return claimed, None
    marks = ",".join("?" * len(spare))
    row = conn.execute(
        f"SELECT min(next_at) FROM jobs WHERE state = 'queued' AND kind IN ({marks})", spare
    ).fetchone()
    return claimed, row[0] if row else None


def release(db: Database, owner: str, ids: Iterable[int], now: float) -> None:
    """Hand back jobs a stopping consumer did not finish: queued again at once, no attempt counted."""
    with db.conn:
        db.conn.executemany(
            "UPDATE jobs SET state = 'queued', owner = NULL, heartbeat_at = NULL, next_at = ?, updated = ?"
            " WHERE id = ? AND owner = ? AND state = 'running'",
            [(now, now, job_id, owner) for job_id in ids],
        )


def beat(db: Database, worker: WorkerRow, now: float) -> None:
    """The sign of life of a consumer: its running jobs', and its own for the dashboard."""
    with db.conn:
        db.conn.execute(
            "UPDATE jobs SET heartbeat_at = ? WHERE state = 'running' AND owner = ?", (now, worker.id)
        )
        db.conn.execute(
            "INSERT INTO job_workers (id, host, pid, kinds, in_serve, started_at, seen_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET seen_at = excluded.seen_at",
            (
                worker.id,
                worker.host,
                worker.pid,
                json.dumps(worker.kinds),
                int(worker.in_serve),
                worker.started_at,
                now,
            ),
        )


def gone(db: Database, worker_id: str) -> None:
    with db.conn:
        db.conn.execute("DELETE FROM job_workers WHERE id = ?", (worker_id,))


def sweep(db: Database, lapse: Mapping[str, tuple[float, int]], now: float) -> list[tuple[str, str, str]]:
    """Running jobs whose heartbeat is older than their kind's lapse (seconds, retries), or whose
    worker was a process of this machine that is gone: queued again, a failed attempt counted
    (dead past the retries). Returns (kind, key, new state)."""
    swept: list[tuple[str, str, str]] = []
    with db.conn:
        owners = db.conn.execute("SELECT DISTINCT owner FROM jobs WHERE state = 'running'").fetchall()
        vanished = [owner for (owner,) in owners if process_gone(owner)]
        for kind, (seconds, retries) in lapse.items():
            swept += _requeue(db, (retries, now, LAPSED, now, kind), "heartbeat_at < ?", [now - seconds])
            if vanished:
                marks = ", ".join("?" * len(vanished))
                swept += _requeue(db, (retries, now, GONE, now, kind), f"owner IN ({marks})", vanished)
    return swept


def _requeue(
    db: Database, values: tuple[Any, ...], where: str, args: list[Any]
) -> list[tuple[str, str, str]]:
    rows = db.conn.execute(
        "UPDATE jobs SET state = CASE WHEN attempts + 1 >= ? THEN 'dead' ELSE 'queued' END,"
        " attempts = attempts + 1, next_at = ?, owner = NULL, heartbeat_at = NULL,"
        " last_error = ?, updated = ?"
        f" WHERE kind = ? AND state = 'running' AND {where} RETURNING kind, key, state",
        [*values, *args],
    ).fetchall()
    return [(r[0], r[1], r[2]) for r in rows]


def prune(db: Database, keep_done: float, keep_dead: float, now: float) -> int:
    with db.conn:
        done = db.conn.execute(
            "DELETE FROM jobs WHERE state = 'done' AND updated < ?", (now - keep_done,)
        ).rowcount
        dead = db.conn.execute(
            "DELETE FROM jobs WHERE state = 'dead' AND updated < ?", (now - keep_dead,)
        ).rowcount
        db.conn.execute("DELETE FROM job_workers WHERE seen_at < ?", (now - 86400,))
    return int(done) + int(dead)


def counts(db: Database) -> dict[str, Counts]:
    tally: dict[str, dict[str, int]] = {}
    rows = db.conn.execute(
        "SELECT kind, CASE WHEN state = 'queued' AND attempts > 0 THEN 'retrying' ELSE state END, count(*)"
        " FROM jobs GROUP BY 1, 2"
    ).fetchall()
    for kind, state, count in rows:
        tally.setdefault(kind, {})[state] = count
    return {
        kind: Counts(
            t.get("queued", 0), t.get("running", 0), t.get("retrying", 0), t.get("done", 0), t.get("dead", 0)
        )
        for kind, t in tally.items()
    }


FAILED_COLUMNS = "id, kind, key, state, attempts, last_error, created, updated, next_at"


def failed(db: Database, limit: int) -> list[FailedJob]:
    dead = db.conn.execute(
        f"SELECT {FAILED_COLUMNS} FROM jobs WHERE state = 'dead' ORDER BY updated DESC LIMIT ?", (limit,)
    ).fetchall()
    retrying = db.conn.execute(
        f"SELECT {FAILED_COLUMNS} FROM jobs WHERE state = 'queued' AND attempts > 0"
        " ORDER BY updated DESC LIMIT ?",
        (limit,),
    ).fetchall()
    rows = sorted(dead + retrying, key=lambda r: r[7], reverse=True)[:limit]
    return [
        FailedJob(
            str(r[0]),
            r[1],
            r[2],
            "dead" if r[3] == "dead" else "retrying",
            r[4],
            r[5],
            r[6],
            r[7],
            r[8] if r[3] == "queued" else None,
        )
        for r in rows
    ]


def retry(db: Database, job_id: int | None, now: float) -> int:
    """Dead jobs queued again with a fresh budget (or a waiting one made due now). A dead job whose
    key has a live job already is dropped: that one does the work."""
    fresh = "state = 'queued', attempts = 0, next_at = ?, created = ?, updated = ?"
    with db.conn:
        if job_id is None:
            changed = db.conn.execute(
                f"UPDATE OR IGNORE jobs SET {fresh} WHERE state = 'dead'", (now, now, now)
            ).rowcount
        else:
            changed = db.conn.execute(
                f"UPDATE OR IGNORE jobs SET {fresh} WHERE id = ? AND state = 'dead'", (now, now, now, job_id)
            ).rowcount
            changed = (
                changed
                or db.conn.execute(
                    "UPDATE jobs SET next_at = ?, updated = ? WHERE id = ? AND state = 'queued'",
                    (now, now, job_id),
                ).rowcount
            )
        db.conn.execute(
            "DELETE FROM jobs WHERE state = 'dead' AND EXISTS (SELECT 1 FROM jobs AS live WHERE"
            " live.kind = jobs.kind AND live.key = jobs.key AND live.state IN ('queued', 'running'))"
        )
    return int(changed)


def workers(db: Database, since: float) -> list[WorkerSeen]:
    rows = db.conn.execute(
        "SELECT id, host, pid, kinds, started_at, seen_at, in_serve FROM job_workers"
        " WHERE seen_at >= ? ORDER BY started_at",
        (since,),
    ).fetchall()
    return [WorkerSeen(r[0], r[1], r[2], tuple(json.loads(r[3])), r[4], r[5], bool(r[6])) for r in rows]


def encode(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"))
