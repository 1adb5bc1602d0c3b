"""The Redis backend on SAQ: one SAQ queue per kind, `tunecamp.<kind>`.

One queue per kind, so each kind's counts come from its own queue and each runs at its own
concurrency (one SAQ `Worker` per kind in a process). What the interface says maps onto SAQ:

- the job's key is SAQ's job key: SAQ enqueues nothing while a job with that key is queued,
  scheduled or running, and takes the key again once it has finished (as the SQLite backend);
- the policy: `retries` (SAQ's attempts), `heartbeat` (SAQ's; the handler's wrapper touches
  the job every third of it, and each worker sweeps its queue every half of it: a job whose
  worker was killed is queued again by another worker's sweep), `timeout` (ours, inside the
  wrapper, SAQ's a few seconds later as a backstop);
- the backoff is ours: on a failure the wrapper sets the job's next delay (`Retry.delay` or the
  policy's) before handing the failure to SAQ, and no retries left when it is final (`Fail`,
  retries exhausted, `give_up_after`);
- SAQ forgets a finished job after its ttl: redis_records.py keeps the dead letters (for the
  dashboard's list and retry), the retrying jobs and the count of jobs done.

The consumer (SAQ's workers, the handler's wrapper) is redis_consumer.py. `enqueue_many` sends SAQ's own enqueue script for every job in one pipeline per thousand jobs
(one round trip instead of one per job under a fan-out).
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import redis.asyncio as aioredis
from saq.job import Job as SaqJob
from saq.job import Status
from saq.queue.redis import RedisQueue
from saq.utils import now as saq_now

from tunecamp.daemon.jobqueue import redis_records as records
from tunecamp.daemon.jobqueue.sqlite_backend import unknown_kind
from tunecamp.daemon.jobqueue.sqlite_store import LAPSED
from tunecamp.daemon.jobs import Counts, FailedJob, Kind, WorkerSeen

log = logging.getLogger("tunecamp.jobs")
GRACE = 10  # seconds SAQ's own timeout leaves ours
TTL = 600  # seconds SAQ keeps a finished job
CHUNK = 1000
# SAQ's enqueue (saq/queue/redis.py, 0.26): add unless the key is incomplete or being aborted
ENQUEUE = """
if not redis.call('ZSCORE', KEYS[1], KEYS[2]) and redis.call('EXISTS', KEYS[4]) == 0 then
    redis.call('SET', KEYS[2], ARGV[1])
    redis.call('ZADD', KEYS[1], ARGV[2], KEYS[2])
    if ARGV[2] == '0' then redis.call('RPUSH', KEYS[3], KEYS[2]) end
    return 1
else
    return nil
end
"""


class Handled(Exception):
    """A failure the wrapper has judged and recorded: SAQ only retries or finishes the job."""


class _Quiet(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:  # our own log said it, without a traceback
        return not (record.exc_info and isinstance(record.exc_info[1], Handled))


QUIET = _Quiet()


def failure_record(job: SaqJob, kind: str, state: str, error: str, next_at: float | None) -> dict[str, Any]:
    return {
        "key": job.key,
        "state": state,
        "attempts": job.attempts,
        "error": error,
        "enqueued_at": job.queued / 1000,
        "updated_at": time.time(),
        "next_at": next_at,
        "payload": (job.kwargs or {}).get("payload", {}),
        "kind": kind,
    }


class KindQueue(RedisQueue):
    """The SAQ queue of one kind; a job SAQ gives up on itself (a sweep past its retries) is dead too."""

    def __init__(self, redis: aioredis.Redis, kind: Kind) -> None:
        super().__init__(redis, name=f"tunecamp.{kind.name}", swept_error_message=LAPSED)
        self.kind = kind
        self._suspects: set[str] = set()  # active jobs not marked active at the last sweep

    async def _finish(
        self, job: SaqJob, status: Status, *, result: Any = None, error: str | None = None
    ) -> None:
        await super()._finish(job, status, result=result, error=error)
        if status == Status.ABORTED:
            await records.failure(
                self.redis,
                self.kind.name,
                failure_record(job, self.kind.name, "dead", error or "aborted", None),
            )

    async def sweep(self, lock: int = 60, abort: float = 5.0) -> list[str]:
        """SAQ's sweep, but fair to a job taken a moment ago and to one that finished meanwhile.

        SAQ's own sweep (0.26) takes any job of the active list not marked active yet as lost:
        one a worker has just taken and is about to mark, at the very moment of a sweep, was
        aborted and run again. Here such a job is lost only when the next sweep still finds it so;
        a job that finished since the list was read (this sweep reads the jobs one by one, not in
        one script as SAQ's) or while the sweep waited for it is left alone.
        """
        if not await self.redis.set(self.namespace("sweep"), 1, ex=lock, nx=True):
            return []
        swept: list[str] = []
        suspects: set[str] = set()
        for raw_id in await self.redis.lrange(self.namespace("active"), 0, -1):
            job_id = records.text(raw_id)
            job = self.deserialize(await self.redis.get(job_id))
            if job is None:
                await self.redis.lrem(self.namespace("active"), 0, job_id)
                await self.redis.zrem(self.namespace("incomplete"), job_id)
                continue
            if job.status in (Status.COMPLETE, Status.FAILED, Status.ABORTED):
                if job_id in self._suspects:  # finished, yet left in the list: just take it out
                    await self.redis.lrem(self.namespace("active"), 0, job_id)
                else:  # most likely finished since the list was read
                    suspects.add(job_id)
                continue
            if job.status == Status.QUEUED and not job.stuck and job_id not in self._suspects:
                suspects.add(job_id)
                continue
            if job.status == Status.ACTIVE and not job.stuck:
                continue
            swept.append(job_id)
            log.warning("job %s %s: its worker stopped answering; taken back", self.kind.name, job.key)
            await self.abort(job, error=LAPSED)
            with contextlib.suppress(TimeoutError):
                await job.refresh(abort)
            if job.status in (Status.COMPLETE, Status.FAILED):
                continue
            if job.retryable:
                await self.retry(job, error=LAPSED)
            else:
                await self.finish(job, Status.ABORTED, error=LAPSED)
        self._suspects = suspects
        return swept

    def job_for(self, key: str, payload: Mapping[str, Any], scheduled: int) -> SaqJob:
        policy = self.kind.policy
        return SaqJob(
            function=self.kind.name,
            kwargs={"payload": dict(payload)},
            queue=self,
            key=key,
            timeout=int(policy.timeout) + GRACE,
            heartbeat=max(1, math.ceil(policy.heartbeat)),
            retries=policy.retries,
            ttl=TTL,
            scheduled=scheduled,
        )


class RedisJobs:
    backend = "redis"

    def __init__(self, redis: aioredis.Redis, kinds: Mapping[str, Kind]) -> None:
        self.redis = redis
        self.kinds = kinds
        self._queues: dict[str, KindQueue] = {}
        logging.getLogger("saq").addFilter(QUIET)

    def queue(self, kind: str) -> KindQueue:
        if kind not in self.kinds:
            raise unknown_kind(kind, self.kinds)
        if kind not in self._queues:
            self._queues[kind] = KindQueue(self.redis, self.kinds[kind])
        return self._queues[kind]

    async def enqueue(
        self, kind: str, payload: Mapping[str, Any], *, key: str | None = None, delay: float = 0.0
    ) -> bool:
        queue = self.queue(kind)
        # SAQ keeps a job's schedule in whole seconds: rounded up, a delayed job never runs early
        scheduled = math.ceil(time.time() + delay) if delay > 0 else 0
        return await queue.enqueue(queue.job_for(key or uuid.uuid4().hex, payload, scheduled)) is not None

    async def enqueue_many(self, kind: str, jobs: Sequence[tuple[str, Mapping[str, Any]]]) -> int:
        queue = self.queue(kind)
        sha = await self.redis.script_load(ENQUEUE)
        incomplete, queued = queue.namespace("incomplete"), queue.namespace("queued")
        new = 0
        for start in range(0, len(jobs), CHUNK):
            pipe = self.redis.pipeline(transaction=False)
            for key, payload in jobs[start : start + CHUNK]:
                job = queue.job_for(key, payload, 0)
                job.queued, job.status = saq_now(), Status.QUEUED
                pipe.evalsha(sha, 4, incomplete, job.id, queued, job.abort_id, queue.serialize(job), 0)
            new += sum(1 for added in await pipe.execute() if added)
        return new

    async def counts(self) -> dict[str, Counts]:
        found = {}
        for name in self.kinds:
            queue = self.queue(name)
            pipe = self.redis.pipeline(transaction=False)
            pipe.zcard(queue.namespace("incomplete"))
            pipe.llen(queue.namespace("active"))
            incomplete, active = await pipe.execute()
            found[name] = records.counts(incomplete, active, *await records.tallies(self.redis, name))
        return found

    async def failed(self, limit: int = 50) -> list[FailedJob]:
        return await records.failed(self.redis, list(self.kinds), limit)

    async def retry(self, job_id: str | None = None) -> int:
        if job_id is None:
            count = 0
            for name in self.kinds:
                for key in await records.dead_keys(self.redis, name):
                    count += await self._retry_one(name, key)
            return count
        kind, _, key = job_id.partition("/")
        if kind not in self.kinds or not key:
            return 0
        return await self._retry_one(kind, key)

    async def _retry_one(self, kind: str, key: str) -> int:
        found = await records.record(self.redis, kind, key)
        if found is None:
            return 0
        queue = self.queue(kind)
        if found["state"] == "retrying":  # scheduled later: due now (SAQ moves it within a second)
            moved = await self.redis.zadd(
                queue.namespace("incomplete"), {queue.job_id(key): 1}, xx=True, gt=False, ch=True
            )
            return 1 if moved else 0
        await queue.enqueue(queue.job_for(key, found["payload"], 0))  # a live twin already does the work
        await records.forget(self.redis, kind, key)
        return 1

    async def workers(self) -> list[WorkerSeen]:
        return await records.workers(self.redis)
