"""What the dashboard, the API and /health see of builds, whichever process runs them.

A build this process runs is followed from memory (its `BuildRun`, woken at each log line); any
other (queued, or run by a `tunecamp worker` or another web process) from its `builds` row, polled
while it is queued or running: its log there grows every half second (rebuild_job.py). `summary()`
and `busy` must answer without waiting, so they read an overview of the rows that a task refreshes
every second (and each request refreshes at once). A build another process finished is also
handed to this process's listeners (the preview's live reload), once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from tunecamp.daemon.db import Db
from tunecamp.daemon.site import build_rows as rows
from tunecamp.daemon.site.runs import BuildRun

log = logging.getLogger("tunecamp.builds")
HISTORY = 20  # runs kept in memory, with their logs
POLL = 0.25  # how often a follower reads a row run elsewhere
OVERVIEW_EVERY = 1.0


class BuildViews:
    def __init__(self, db: Db) -> None:
        self.db = db
        self.current: BuildRun | None = None  # running in this process
        self.last: BuildRun | None = None  # the last one this process ran that did something
        self.runs: dict[int, BuildRun] = {}
        self.overview = rows.Overview()
        self._heard: int | None = None  # the last finished build the listeners know of; None: not looked yet
        self._changed = asyncio.Condition()
        self._poller: asyncio.Task[None] | None = None
        # called with every finished run (the preview's live reload listens here)
        self.listeners: list[Callable[[BuildRun], None]] = []

    def keep(self, run: BuildRun) -> None:
        self.current = self.runs[run.id] = run
        for old in sorted(self.runs)[:-HISTORY]:
            del self.runs[old]

    async def notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def finished(self, run: BuildRun) -> None:
        for listener in list(self.listeners):
            try:
                listener(run)
            except Exception:  # a listener's bug must not stop the build queue
                log.exception("build listener failed")

    # --- the rows' overview ------------------------------------------------------

    async def refresh(self) -> None:
        now = time.time()
        self.overview = await self.db.run(lambda d: rows.overview(d, now))
        last_id = self.overview.last["id"] if self.overview.last else 0
        heard, self._heard = self._heard, last_id
        if heard is not None and last_id > heard and last_id not in self.runs:  # built elsewhere
            row = await self.db.run(lambda d: rows.one(d, last_id))
            if row is not None:
                self.finished(run_of(row))

    def start_polling(self) -> None:
        async def poll() -> None:
            while True:
                try:
                    await self.refresh()
                except Exception as exc:  # the database is down: /health says so; keep the last view
                    log.debug("builds overview not refreshed: %s", exc)
                await asyncio.sleep(OVERVIEW_EVERY)

        self._poller = asyncio.create_task(poll())

    async def stop_polling(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller

    # --- what is shown -------------------------------------------------------------

    async def follow(self, build_id: int, since: int, timeout: float) -> dict[str, Any] | None:
        """The build's state from log line `since`, waiting up to `timeout` s for news while it
        is queued or runs; None when there is no such build."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.runs.get(build_id)
            if run is not None:
                return await self._follow_here(run, since, deadline - time.monotonic())
            if not 0 < build_id < 2**63:
                return None
            row = await self.db.run(lambda d: rows.one(d, build_id))
            if row is None:
                return None
            state = rows.as_json(row, since)
            left = deadline - time.monotonic()
            if state["state"] not in ("queued", "running") or state["log"] or left <= 0:
                return state
            await asyncio.sleep(min(POLL, left))

    async def _follow_here(self, run: BuildRun, since: int, timeout: float) -> dict[str, Any]:
        if run.state == "running" and len(run.log) <= since and timeout > 0:
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: len(run.log) > since or run.state != "running"),
                        timeout,
                    )
        return run.as_json(since)

    async def recent(self, log_lines: int) -> list[dict[str, Any]]:
        """The last builds, newest first, each with the last `log_lines` lines of its log."""
        try:
            found = await self.db.run(lambda d: rows.newest(d, HISTORY))
        except Exception as exc:  # the database is down: what this process ran
            log.warning("builds not read: %s", exc)
            found = []
        answers = {r["id"]: rows.as_json(r, tail=log_lines) for r in found}
        for run in self.runs.values():  # fresher than their rows, and those the database missed
            answers[run.id] = run.as_json(since=max(0, len(run.log) - log_lines))
        return [answers[i] for i in sorted(answers, key=lambda i: (i > 0, i if i < 0 else -i))][:HISTORY]

    @property
    def running_id(self) -> int | None:
        return self.current.id if self.current else self.overview.running

    def summary(self) -> dict[str, Any]:
        last = self.overview.last
        here = self.last
        if here is not None and (last is None or here.id < 0 or here.id >= last["id"]):
            last = {
                "id": here.id,
                "state": here.state,
                "published": here.published,
                "finished_at": here.finished_at,
                "errors": sum(p["level"] == "error" for p in here.problems),
            }
        running = self.running_id
        return {
            "state": "running" if running is not None else "idle",
            "running": running,
            "queued": self.overview.queued is not None,
            "queued_id": self.overview.queued,  # the booked follow-up's row, to follow it
            "last": last,
        }


def run_of(row: dict[str, Any]) -> BuildRun:
    """A finished row as a run, for the listeners of a process that did not run it."""
    data = rows.as_json(row)
    run = BuildRun(data["id"], data["reason"], data["requested_by"], data["started_at"] or 0.0)
    run.index_only, run.state, run.published = data["index_only"], data["state"], data["published"]
    run.finished_at, run.problems, run.error, run.log = (
        data["finished_at"],
        data["problems"],
        data["error"],
        data["log"],
    )
    return run
