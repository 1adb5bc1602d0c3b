"""What the Redis backend keeps beside SAQ's own keys, under `tunecamp:jobs:`.

SAQ keeps a finished job for a short while only (its `ttl`) and counts completions per worker,
so the dashboard's view is kept here, per kind:

- `<kind>:failures`  a hash, job key -> JSON (state, attempts, error, times, payload): the jobs
  waiting for another attempt and the dead ones (kept until retried, or for 30 days);
- `<kind>:retrying`, `<kind>:dead`  sorted sets of those keys by the time of their last failure;
- `<kind>:done`  the count of jobs done;
- `workers`  a hash, worker id -> JSON `WorkerSeen`, refreshed every few seconds by each process.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

import redis.asyncio as aioredis

from tunecamp.daemon.jobs import Counts, FailedJob, WorkerSeen

PREFIX = "tunecamp:jobs"
KEEP_DEAD = 30 * 86400.0
SEEN_WITHIN = 60.0


def key(kind: str, what: str) -> str:
    return f"{PREFIX}:{kind}:{what}"


def text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def job_id(kind: str, job_key: str) -> str:
    """The dashboard's id of a job: its kind and key (a kind's name has no "/")."""
    return f"{kind}/{job_key}"


async def done(redis: aioredis.Redis, kind: str, job_key: str, failed_before: bool) -> None:
    pipe = redis.pipeline(transaction=False)
    pipe.incr(key(kind, "done"))
    if failed_before:
        pipe.zrem(key(kind, "retrying"), job_key)
        pipe.hdel(key(kind, "failures"), job_key)
    await pipe.execute()


async def failure(redis: aioredis.Redis, kind: str, record: Mapping[str, Any]) -> None:
    """Record a failed attempt: `record["state"]` is "retrying" or "dead"."""
    job_key, state, now = record["key"], record["state"], record["updated_at"]
    other = "dead" if state == "retrying" else "retrying"
    pipe = redis.pipeline(transaction=True)
    pipe.hset(key(kind, "failures"), job_key, json.dumps(record))
    pipe.zadd(key(kind, state), {job_key: now})
    pipe.zrem(key(kind, other), job_key)
    pipe.zremrangebyscore(key(kind, "dead"), 0, now - KEEP_DEAD)
    await pipe.execute()


async def forget(redis: aioredis.Redis, kind: str, job_key: str) -> None:
    pipe = redis.pipeline(transaction=True)
    pipe.hdel(key(kind, "failures"), job_key)
    pipe.zrem(key(kind, "dead"), job_key)
    pipe.zrem(key(kind, "retrying"), job_key)
    await pipe.execute()


async def record(redis: aioredis.Redis, kind: str, job_key: str) -> dict[str, Any] | None:
    raw = await redis.hget(key(kind, "failures"), job_key)
    return json.loads(raw) if raw else None


async def dead_keys(redis: aioredis.Redis, kind: str) -> list[str]:
    return [text(k) for k in await redis.zrange(key(kind, "dead"), 0, -1)]


async def failed(redis: aioredis.Redis, kinds: list[str], limit: int) -> list[FailedJob]:
    found: list[tuple[float, str, str]] = []
    for kind in kinds:
        for state in ("dead", "retrying"):
            scored: list[Any] = await redis.zrevrange(key(kind, state), 0, limit - 1, withscores=True)
            found += [(float(score), kind, text(member)) for member, score in scored]
    found.sort(reverse=True)
    jobs = []
    for _score, kind, job_key in found[:limit]:
        r = await record(redis, kind, job_key)
        if r is not None:
            jobs.append(
                FailedJob(
                    job_id(kind, job_key),
                    kind,
                    job_key,
                    r["state"],
                    r["attempts"],
                    r["error"],
                    r["enqueued_at"],
                    r["updated_at"],
                    r.get("next_at"),
                )
            )
    return jobs


async def tallies(redis: aioredis.Redis, kind: str) -> tuple[int, int, int]:
    """(retrying, done, dead) of a kind."""
    pipe = redis.pipeline(transaction=False)
    pipe.zcard(key(kind, "retrying"))
    pipe.get(key(kind, "done"))
    pipe.zcard(key(kind, "dead"))
    retrying, count, dead = await pipe.execute()
    return int(retrying), int(count or 0), int(dead)


def counts(incomplete: int, active: int, retrying: int, done_count: int, dead: int) -> Counts:
    return Counts(max(0, incomplete - active - retrying), active, retrying, done_count, dead)


async def beat(redis: aioredis.Redis, worker: WorkerSeen) -> None:
    await redis.hset(f"{PREFIX}:workers", worker.id, json.dumps(asdict(worker)))


async def gone(redis: aioredis.Redis, worker_id: str) -> None:
    await redis.hdel(f"{PREFIX}:workers", worker_id)


async def workers(redis: aioredis.Redis) -> list[WorkerSeen]:
    now = time.time()
    seen, stale = [], []
    for wid, raw in (await redis.hgetall(f"{PREFIX}:workers")).items():
        data = json.loads(raw)
        if data["seen_at"] >= now - SEEN_WITHIN:
            seen.append(WorkerSeen(**{**data, "kinds": tuple(data["kinds"])}))
        elif data["seen_at"] < now - 86400:
            stale.append(wid)
    if stale:
        await redis.hdel(f"{PREFIX}:workers", *stale)
    return sorted(seen, key=lambda w: w.started_at)
