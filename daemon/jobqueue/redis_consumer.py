"""The Redis backend's consumer: one SAQ worker per kind, in `serve` or in `tunecamp worker`.

`wrapper` is the SAQ function of a kind: it makes the `Job` the handler gets, touches SAQ's
heartbeat every third of the policy's while the handler runs, and judges the outcome as the
SQLite backend does (outcome.py). A failure is recorded (redis_records.py) and handed to SAQ
with the delay of the next attempt set on the job, or with no retries left when it is final.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from typing import Any

from saq.job import Job as SaqJob
from saq.types import Context
from saq.worker import Worker

from tunecamp.daemon.jobqueue import redis_records as records
from tunecamp.daemon.jobqueue.outcome import Outcome, judge, traceback_of
from tunecamp.daemon.jobqueue.redis_backend import Handled, RedisJobs, failure_record
from tunecamp.daemon.jobqueue.sqlite_backend import ConsumerSettings
from tunecamp.daemon.jobqueue.sqlite_store import WorkerRow
from tunecamp.daemon.jobs import Job, Kind, WorkerSeen

log = logging.getLogger("tunecamp.jobs")


def wrapper(jobs: RedisJobs, kind: Kind) -> Any:
    """The SAQ function of a kind: runs the handler with the Job, heartbeats, judges the outcome."""
    policy = kind.policy

    async def run(ctx: dict[str, Any], *, payload: dict[str, Any]) -> None:
        saq_job: SaqJob = ctx["job"]
        job = Job(
            records.job_id(kind.name, saq_job.key),
            kind.name,
            saq_job.key,
            payload,
            saq_job.attempts - 1,
            saq_job.queued / 1000,
        )
        beat = asyncio.create_task(_heartbeat(saq_job, policy.heartbeat / 3))
        try:
            async with asyncio.timeout(policy.timeout):
                await kind.handler(job)
        except Exception as exc:
            outcome = judge(policy, job, exc, time.time())
            await _failed(jobs, kind, saq_job, outcome, exc)
            raise Handled(outcome.error) from None
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
        await records.done(jobs.redis, kind.name, saq_job.key, job.attempts > 0)

    return run


async def _heartbeat(job: SaqJob, every: float) -> None:
    while True:
        await asyncio.sleep(max(0.2, every))
        with contextlib.suppress(Exception):  # a missed beat is retried at the next; the sweep is lenient
            await job.update()


async def _failed(jobs: RedisJobs, kind: Kind, job: SaqJob, outcome: Outcome, exc: Exception) -> None:
    if outcome.state == "retry":
        job.retry_delay, job.retry_backoff = outcome.delay, False
        job.retries = max(job.retries, job.attempts + 1)  # retryable, whatever SAQ counted
        next_at = time.time() + outcome.delay
        log.info(
            "job %s %s: %s; retry in %.0f s",
            kind.name,
            job.key,
            outcome.error,
            outcome.delay,
            exc_info=traceback_of(exc),
        )
    else:
        job.retries = 0  # SAQ finishes it as failed
        next_at = None
        log.warning(
            "job %s %s: %s; dead: retry it from /admin/jobs",
            kind.name,
            job.key,
            outcome.error,
            exc_info=traceback_of(exc),
        )
    state = "retrying" if outcome.state == "retry" else "dead"
    await records.failure(
        jobs.redis, kind.name, failure_record(job, kind.name, state, outcome.error, next_at)
    )


async def _end_upkeep(tasks: list[asyncio.Task[Any]]) -> None:
    """Cancel SAQ's upkeep tasks until they end.

    Each sleeps out its timer (the sweep's is half a heartbeat) before it looks at the stop, and
    a cancellation that lands inside a Redis command may be swallowed there, leaving the task to
    sleep on: the worker's stop would then wait its whole grace period for it.
    """
    for _ in range(100):
        pending = [t for t in tasks if not t.done()]
        if not pending:
            return
        for task in pending:
            task.cancel()
        await asyncio.wait(pending, timeout=0.05)


class _Worker(Worker[Context]):
    """SAQ's worker, without its signal handlers: the process's own stop every kind at once (commands.py)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.SIGNALS = []


class RedisConsumer:
    def __init__(self, jobs: RedisJobs, settings: ConsumerSettings, worker: WorkerRow) -> None:
        self.jobs = jobs
        self.settings = settings
        self.row = worker
        self.workers: list[_Worker] = []
        self._tasks: list[asyncio.Task[None]] = []

    def _seen(self) -> WorkerSeen:
        r = self.row
        return WorkerSeen(r.id, r.host, r.pid, r.kinds, r.started_at, time.time(), r.in_serve)

    async def start(self) -> None:
        await records.beat(self.jobs.redis, self._seen())
        for kind in self.settings.kinds:
            worker = _Worker(
                self.jobs.queue(kind.name),
                [(kind.name, wrapper(self.jobs, kind))],
                id=f"{self.row.id}:{kind.name}",
                concurrency=self.settings.limit(kind),
                timers={
                    "sweep": max(1, int(kind.policy.heartbeat / 2)),
                    "schedule": 1,
                    "worker_info": 10,
                    "abort": 1,
                },
                dequeue_timeout=1.0,  # an idle worker notices a stop within a second
                shutdown_grace_period_s=max(1, math.ceil(self.settings.grace)),
                cancellation_hard_deadline_s=5.0,
                metadata={"host": self.row.host, "pid": self.row.pid},
            )
            self.workers.append(worker)
            self._tasks.append(asyncio.create_task(worker.start()))
        self._tasks.append(asyncio.create_task(self._beat()))

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(5)
            try:
                await records.beat(self.jobs.redis, self._seen())
            except Exception as exc:  # Redis away for a moment: the next beat says we live
                log.warning("jobs: worker heartbeat not written (%s)", exc)

    async def stop(self, timeout: float) -> None:
        """Each kind's SAQ worker waits `settings.grace` for its jobs, then cancels them: SAQ queues those again."""
        for worker in self.workers:
            worker.event.set()
        await _end_upkeep([t for w in self.workers for t in w.tasks if t.get_name() != "process"])
        await asyncio.gather(*(worker.stop() for worker in self.workers), return_exceptions=True)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await records.gone(self.jobs.redis, self.row.id)
