"""A rebuild asked for by a person as a background job, "site.rebuild".

The request is a `builds` row (booked, or merged into the one already queued: build_rows.py); the
job only says "a row waits". Its key is the row's id, so a request merged into a waiting row queues
nothing new, and a later request (a new row, while the first is built) queues the one follow-up.
The handler claims the oldest queued row, which may be another than its own (rows merge): finding
none, it is done. While another process's build runs (its row's heartbeat fresh) it waits: it looks
again every BUSY_DELAY for a minute, then raises `Retry` (BUSY_DELAY later), many times over if
need be (the policy allows it), since builds never run two at a time; a build that lost its
process is failed and booked again by the next claim.

Whichever process runs jobs runs the build: `tunecamp serve` itself on SQLite (the enqueue wakes
its consumer at once), a `tunecamp worker` on Redis. The build runs as before, in the worker
subprocess (worker.py); a build that fails is recorded on its row and the job is done all the same.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from tunecamp.daemon.jobs import KINDS, Job, Kind, Policy, Retry, register

KIND = "site.rebuild"
BUSY_DELAY = 2.0  # seconds between looks at another process's running build
PATIENCE = 60.0  # seconds a handler waits for it before it hands the job back (a Retry)
# A large catalog with transcoding takes hours, and a job waiting behind it is tried again every
# minute or so: the attempts are many (5,000: three days), and what fails is the build, not the job.
POLICY = Policy(retries=5000, backoff=5.0, max_delay=300.0, timeout=24 * 3600.0)


# seconds a booked row may wait with no build running before its job is queued again: a job can be
# lost (Redis was down when the row was booked, or flushed since); queueing by the row's key adds
# nothing when the job is still there
REQUEUE_AFTER = 60.0


class Stuck:
    """Notices a booked row that waits while nothing runs (its job lost), once per REQUEUE_AFTER."""

    def __init__(self) -> None:
        self._seen: tuple[int, float] | None = None  # the waiting row, since when

    def lost(self, queued: int | None, running: int | None, now: float) -> int | None:
        if queued is None or running is not None:
            self._seen = None
            return None
        if self._seen is None or self._seen[0] != queued:
            self._seen = (queued, now)
            return None
        if now - self._seen[1] < REQUEUE_AFTER:
            return None
        self._seen = (queued, now)
        return queued


def key(row_id: int) -> str:
    return f"build:{row_id}"


def register_rebuild(app: web.Application, run_booked: Callable[[], Awaitable[object]]) -> None:
    """Declare the kind at setup, so `tunecamp worker --kinds site.rebuild` knows it."""

    async def handle(job: Job) -> None:
        # Waiting here a while keeps the job running, not "failed, retrying", for a build that ends
        # soon; this process's own builds may take their turns meanwhile (run_booked lets go).
        patience = time.monotonic() + PATIENCE
        while True:
            try:
                await run_booked()
                return
            except Retry:
                if time.monotonic() > patience:
                    raise
                await asyncio.sleep(BUSY_DELAY)

    register(app, Kind(KIND, handle, POLICY, concurrency=1))


def registered(app: web.Application) -> bool:
    """Whether this app runs rebuilds as jobs (the site feature is composed); else the manager builds."""
    return KIND in app.get(KINDS, {})
