"""One build as the process running it follows it: its state and log, the worker's events.

A run is kept in memory by the process that runs it (the last twenty, with their logs: its
dashboard and API follow it without the database) and written into its `builds` row as it goes
(build_rows.py), so every other process can show it and its outcome outlives the daemon. The
worker tells how its build goes in one JSON event per line; `take_line` reads one into the run.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
