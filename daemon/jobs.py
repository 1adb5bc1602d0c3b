"""Background jobs: what a feature hands over to be done later, by whichever worker is free.

This is the interface every feature uses (federation's deliveries, discovery's crawls,
enrichment's look-ups, rebuild requests); the backends live in the `jobqueue` room, which
`create_app` composes and which sets `JOBS`:

- SQLite (the default, embedded): a table in the instance database; `tunecamp serve` runs its
  consumers in-process, as before, and any number of `tunecamp worker` processes on the same
  machine may share it (WAL);
- Redis (`TUNECAMP_REDIS_URL`), through SAQ: `tunecamp serve` only enqueues, `tunecamp worker`
  processes (on any machine) run the handlers.

A feature declares each kind of job once, at setup: `register(app, Kind(name, handler, policy))`.
The handler is called with the `Job`; it returns when the work is done, raises `Retry` to be
tried again (after `delay`, or the policy's backoff), `Fail` to dead-letter at once; any other
exception counts as a retry too. What both backends promise:

- idempotent enqueue: one job per (kind, key) until it has finished; enqueueing the same key
  while it waits or runs adds nothing (a delivery is keyed by activity and inbox);
- at least once: a worker killed mid-job leaves the job to another worker once its heartbeat
  lapses; handlers are written so that running twice does no harm (the remote de-duplicates
  activities by id; a crawl or a look-up just runs again);
- retried with exponential backoff and jitter, and dead-lettered after `policy.retries` failed
  attempts or `policy.give_up_after` seconds since it was queued; a dead job stays listed
  (`failed`) until retried or pruned;
- `counts` and `failed` show the same things for either backend, so the dashboard is one page.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web


@dataclass(frozen=True)
class Policy:
    retries: int = 8  # failed attempts before the job is dead-lettered
    backoff: float = 60.0  # the first retry's delay; doubled each time, with jitter
    max_delay: float = 8 * 3600.0
    give_up_after: float | None = None  # seconds since enqueue after which a failure is final
    timeout: float = 600.0  # one attempt's limit
    heartbeat: float = 30.0  # a running job's sign of life; lapsed, another worker takes it

    def delay(self, attempts: int) -> float:
        """The wait before the next try after `attempts` failed ones: "equal jitter", never in lockstep."""
        ceiling = min(self.max_delay, self.backoff * 2 ** max(0, attempts - 1))
        return random.uniform(ceiling / 2, ceiling)


@dataclass(frozen=True)
class Job:
    id: str  # the backend's id of this job
    kind: str
    key: str  # one job per (kind, key) until it has finished
    payload: Mapping[str, Any]  # JSON-serialisable
    attempts: int  # attempts made before this one
    enqueued_at: float  # epoch seconds


class Retry(Exception):
    """Try the job again: after `delay` seconds when given (a server's Retry-After), else the backoff."""

    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.delay = delay


class Fail(Exception):
    """Dead-letter the job now: trying again cannot help (a 404, a refused address)."""


Handler = Callable[[Job], Awaitable[None]]


@dataclass(frozen=True)
class Kind:
    name: str  # "federation.deliver", "discovery.crawl"...
    handler: Handler
    policy: Policy = Policy()
    concurrency: int = 8  # jobs of this kind run at once in one worker process


@dataclass(frozen=True)
class Counts:
    queued: int  # waiting, due now or later
    running: int
    retrying: int  # waiting after at least one failed attempt
    done: int  # finished (kept for a while, or counted since the worker started)
    dead: int


@dataclass(frozen=True)
class FailedJob:
    id: str
    kind: str
    key: str
    state: str  # "dead", or "retrying" (waiting for its next attempt)
    attempts: int
    error: str
    enqueued_at: float
    updated_at: float
    next_at: float | None  # a retrying job's next attempt


@dataclass(frozen=True)
class WorkerSeen:
    """A process running consumers, as its last sign of life says (the dashboard's "workers")."""

    id: str
    host: str
    pid: int
    kinds: tuple[str, ...]
    started_at: float
    seen_at: float
    in_serve: bool  # consumers inside `tunecamp serve`, rather than a `tunecamp worker`


class Jobs(Protocol):
    """The queue as a feature and the dashboard see it, whatever the backend."""

    backend: str  # "sqlite" or "redis"

    async def enqueue(
        self, kind: str, payload: Mapping[str, Any], *, key: str | None = None, delay: float = 0.0
    ) -> bool:
        """Queue one job; False when a job with this (kind, key) is already waiting or running."""
        ...

    async def enqueue_many(self, kind: str, jobs: Sequence[tuple[str, Mapping[str, Any]]]) -> int:
        """Queue (key, payload) pairs at once (a fan-out); returns how many were new."""
        ...

    async def counts(self) -> dict[str, Counts]:
        """Per kind."""
        ...

    async def failed(self, limit: int = 50) -> list[FailedJob]:
        """Dead and retrying jobs, the most recently updated first."""
        ...

    async def retry(self, job_id: str | None = None) -> int:
        """Run a dead (or waiting) job now, or every dead job when `job_id` is None."""
        ...

    async def workers(self) -> list[WorkerSeen]:
        """The processes whose consumers gave a sign of life lately (none: nothing runs the jobs)."""
        ...


JOBS: web.AppKey[Jobs] = web.AppKey("jobs")
KINDS = web.AppKey("job_kinds", dict[str, Kind])


def register(app: web.Application, kind: Kind) -> None:
    """Declare a kind of job at setup (before the app starts); its handler runs in any worker."""
    kinds = app.setdefault(KINDS, {})
    if kind.name in kinds:
        raise ValueError(f"job kind {kind.name!r} is registered twice")
    kinds[kind.name] = kind
