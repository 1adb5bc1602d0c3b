"""One build as the daemon follows it: its state and log, its row in `builds`, the worker's events.

A run is kept in memory while the daemon runs (the last twenty, with their logs, for the
dashboard and the API) and recorded in the `builds` table, started and finished, so its outcome
outlives the daemon. The worker tells how its build goes in one JSON event per line; `take_line`
reads one into the run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

MAX_LOG_LINES = 5000


@dataclass
class BuildRun:
    id: int
    reason: str
    requested_by: str | None
    started_at: float
    index_only: bool = False
    if_changed: bool = False
    state: str = "running"  # running, ok, failed, skipped (nothing changed)
    published: bool = False
    finished_at: float | None = None
    log: list[str] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    changed: frozenset[Path] | None = None  # what the watcher saw: built in a session, not the worker

    def as_json(self, since: int = 0) -> dict[str, Any]:
        return {
            "id": self.id,
            "reason": self.reason,
            "requested_by": self.requested_by,
            "state": self.state,
            "published": self.published,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "index_only": self.index_only,
            "problems": self.problems,
            "error": self.error,
            "log": self.log[since:],
            "log_next": len(self.log),
        }


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="seconds")


def record_start(db: Database, run: BuildRun) -> int:
    """The run's row, as it starts (database thread); its ID is the run's."""
    with db.atomic():
        cursor = db.execute(
            "INSERT INTO builds (reason, requested_by, started_at, state) VALUES (?, ?, ?, 'running')",
            [run.reason, run.requested_by, _iso(run.started_at)],
        )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def record_end(db: Database, run: BuildRun) -> None:
    """How the run ended, its problems and log (database thread)."""
    with db.atomic():
        db.execute(
            "UPDATE builds SET finished_at = ?, state = ?, published = ?, problems = ?, log = ? WHERE id = ?",
            [
                _iso(run.finished_at or time.time()),
                run.state,
                int(run.published),
                json.dumps(run.problems),
                "\n".join(run.log),
                run.id,
            ],
        )


def take_line(run: BuildRun, line: str) -> dict[str, Any] | None:
    """Read one line of the worker's output into `run`; the `done` event, when this line is it."""
    event = _event(line)
    if event.get("event") == "problem":
        run.problems.append({k: event.get(k) for k in ("level", "path", "key", "message")})
    elif event.get("event") == "done":
        return event
    else:
        run.log.extend(str(event.get("message", line)).splitlines() or [""])
        del run.log[:-MAX_LOG_LINES]
    return None


def _event(line: str) -> dict[str, Any]:
    if line.startswith("{"):
        with contextlib.suppress(ValueError):
            data = json.loads(line)
            if isinstance(data, dict):
                return data
    return {"event": "log", "message": line}
