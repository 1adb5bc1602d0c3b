"""The SQLite backend: the jobs table of the instance database, and the consumer that runs them.

`SqliteJobs` is what features and the dashboard use (`app[JOBS]`). A `SqliteConsumer` runs the
handlers of its kinds in one process: `tunecamp serve` has one (the embedded default) and so
does each `tunecamp worker`; several processes on one machine share the database (WAL).

The consumer's loop records the attempts that ended and claims due jobs in one database
hand-over (`sqlite_store.cycle`), at most `concurrency` of a kind at once, and sleeps until a
job of its process is enqueued or ends (no delay), the next queued job is due, or the poll
interval (`TUNECAMP_JOBS_POLL`) has passed — how soon it sees jobs queued by another process.
Beside it a heartbeat task refreshes its running jobs every third of their kind's heartbeat,
hands back to the queue the jobs of consumers whose heartbeat lapsed (killed, frozen), and
prunes finished jobs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from tunecamp.daemon.db import DatabaseUnavailable, Db
from tunecamp.daemon.jobqueue import sqlite_store as store
from tunecamp.daemon.jobqueue.outcome import DONE, Outcome, judge, traceback_of
from tunecamp.daemon.jobs import Counts, FailedJob, Job, Kind, WorkerSeen

log = logging.getLogger("tunecamp.jobs")
SEEN_WITHIN = 60.0  # a worker not heard of for this long is not listed as running
KEEP_DEAD = 30 * 86400.0
PRUNE_EVERY = 60.0


def unknown_kind(kind: str, kinds: Mapping[str, Kind]) -> ValueError:
    return ValueError(f"job kind {kind!r} is not registered (known: {', '.join(sorted(kinds)) or 'none'})")


class SqliteJobs:
    backend = "sqlite"

    def __init__(self, db: Db, kinds: Mapping[str, Kind]) -> None:
        self.db = db
        self.kinds = kinds
        self.wakers: list[asyncio.Event] = []  # this process's consumers, woken by an enqueue

    def _wake(self) -> None:
        for event in self.wakers:
            event.set()

    async def enqueue(
        self, kind: str, payload: Mapping[str, Any], *, key: str | None = None, delay: float = 0.0
    ) -> bool:
        return bool(await self._insert(kind, [(key or uuid.uuid4().hex, payload)], delay))

    async def enqueue_many(self, kind: str, jobs: Sequence[tuple[str, Mapping[str, Any]]]) -> int:
        return await self._insert(kind, jobs, 0.0)

    async def _insert(self, kind: str, jobs: Sequence[tuple[str, Mapping[str, Any]]], delay: float) -> int:
        if kind not in self.kinds:
            raise unknown_kind(kind, self.kinds)
        rows = [(key, store.encode(payload)) for key, payload in jobs]
        now = time.time()
        new = await self.db.run(lambda d: store.enqueue(d, kind, rows, now + max(0.0, delay), now))
        if new:
            self._wake()
        return new

    async def counts(self) -> dict[str, Counts]:
        return await self.db.run(store.counts)

    async def failed(self, limit: int = 50) -> list[FailedJob]:
        return await self.db.run(lambda d: store.failed(d, limit))

    async def retry(self, job_id: str | None = None) -> int:
        if job_id is not None and not (job_id.isascii() and job_id.isdigit() and len(job_id) < 19):
            return 0
        row = None if job_id is None else int(job_id)
        now = time.time()
        changed = await self.db.run(lambda d: store.retry(d, row, now))
        if changed:
            self._wake()
        return changed

    async def workers(self) -> list[WorkerSeen]:
        since = time.time() - SEEN_WITHIN
        return await self.db.run(lambda d: store.workers(d, since))


@dataclass(frozen=True)
class ConsumerSettings:
    kinds: tuple[Kind, ...]
    concurrency: int = 0  # each kind's own when 0
    poll: float = 1.0
    keep_done: float = 86400.0
    in_serve: bool = True
    grace: float = 30.0  # seconds running jobs get to finish at a stop

    def limit(self, kind: Kind) -> int:
        return self.concurrency or kind.concurrency


class SqliteConsumer:
    def __init__(self, jobs: SqliteJobs, settings: ConsumerSettings, worker: store.WorkerRow) -> None:
        self.jobs = jobs
        self.settings = settings
        self.worker = worker
        self.kinds = {k.name: k for k in settings.kinds}
        self.running: dict[int, tuple[str, asyncio.Task[None]]] = {}
        self.ended: list[tuple[int, Outcome]] = []
        self.wake = asyncio.Event()
        self.stopping = False
        self._tasks: list[asyncio.Task[None]] = []
        heartbeats = [k.policy.heartbeat for k in settings.kinds] or [30.0]
        self.beat_every = min(10.0, max(0.2, min(heartbeats) / 3))

    async def start(self) -> None:
        self.jobs.wakers.append(self.wake)
        try:
            await self._beat()  # listed at once, and what a killed process left is handed back
        except (DatabaseUnavailable, sqlite3.Error) as exc:  # /health says why; the loop keeps trying
            log.warning("jobs: the database is unavailable (%s); jobs wait until it is back", exc)
        self._tasks = [asyncio.create_task(self._loop()), asyncio.create_task(self._upkeep())]

    async def _loop(self) -> None:
        while not self.stopping:
            self.wake.clear()
            ended, self.ended = self.ended, []
            busy = {name: 0 for name in self.kinds}
            for name, _task in self.running.values():
                busy[name] += 1
            wants = {name: self.settings.limit(kind) - busy[name] for name, kind in self.kinds.items()}
            now = time.time()
            try:
                claimed, due = await self.jobs.db.run(
                    partial(store.cycle, owner=self.worker.id, ended=ended, wants=wants, now=now)
                )
            except (DatabaseUnavailable, sqlite3.Error) as exc:
                log.warning(
                    "jobs: the database is unavailable (%s); trying again in %g s", exc, self.settings.poll
                )
                self.ended = ended + self.ended
                await asyncio.sleep(self.settings.poll)
                continue
            for job in claimed:
                task = asyncio.create_task(self._run(self.kinds[job.kind], job))
                self.running[int(job.id)] = (job.kind, task)
            wait = self.settings.poll if due is None else min(self.settings.poll, due - time.time())
            if wait > 0 and not self.ended:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), wait)

    async def _run(self, kind: Kind, job: Job) -> None:
        try:
            async with asyncio.timeout(kind.policy.timeout):
                await kind.handler(job)
            outcome = DONE
        except Exception as exc:
            outcome = judge(kind.policy, job, exc, time.time())
            level = logging.WARNING if outcome.state == "dead" else logging.INFO
            log.log(
                level,
                "job %s %s (%s): %s; %s",
                job.kind,
                job.key,
                job.id,
                outcome.error,
                "dead: retry it from /admin/jobs"
                if outcome.state == "dead"
                else f"retry in {outcome.delay:.0f} s",
                exc_info=traceback_of(exc),
            )
        self.running.pop(int(job.id), None)
        self.ended.append((int(job.id), outcome))
        self.wake.set()

    async def _upkeep(self) -> None:
        last_prune = 0.0
        while not self.stopping:
            await asyncio.sleep(self.beat_every)
            try:
                await self._beat()
                if time.time() - last_prune > PRUNE_EVERY:
                    last_prune = time.time()
                    prune = partial(
                        store.prune, keep_done=self.settings.keep_done, keep_dead=KEEP_DEAD, now=last_prune
                    )
                    await self.jobs.db.run(prune)
            except (DatabaseUnavailable, sqlite3.Error) as exc:
                log.warning("jobs: heartbeat not written (%s)", exc)

    async def _beat(self) -> None:
        now = time.time()
        lapse = {k.name: (k.policy.heartbeat, k.policy.retries) for k in self.settings.kinds}

        def beat(d: Any) -> list[tuple[str, str, str]]:
            store.beat(d, self.worker, now)
            return store.sweep(d, lapse, now)

        for kind, key, state in await self.jobs.db.run(beat):
            log.warning(
                "job %s %s: its worker stopped answering; %s",
                kind,
                key,
                "dead after too many attempts" if state == "dead" else "queued again",
            )
            self.wake.set()

    async def stop(self, timeout: float) -> None:
        """Stop claiming; let running jobs finish within `timeout`, hand the others back to the queue."""
        self.stopping = True
        self.wake.set()
        with contextlib.suppress(ValueError):
            self.jobs.wakers.remove(self.wake)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        tasks = [task for _name, task in self.running.values()]
        if tasks:
            log.info("jobs: waiting up to %g s for %d running jobs", timeout, len(tasks))
            await asyncio.wait(tasks, timeout=timeout)
        unfinished = list(self.running)
        for _name, task in self.running.values():
            task.cancel()
        await asyncio.gather(*(t for _n, t in self.running.values()), return_exceptions=True)
        ended, now = self.ended, time.time()
        try:
            await self.jobs.db.run(lambda d: store.cycle(d, self.worker.id, ended, {}, now))
            await self.jobs.db.run(lambda d: store.release(d, self.worker.id, unfinished, now))
            await self.jobs.db.run(lambda d: store.gone(d, self.worker.id))
        except (DatabaseUnavailable, sqlite3.Error) as exc:  # left to the heartbeat rule
            log.warning("jobs: could not hand back %d jobs (%s)", len(unfinished), exc)
        if unfinished:
            log.info("jobs: %d unfinished jobs handed back to the queue", len(unfinished))
