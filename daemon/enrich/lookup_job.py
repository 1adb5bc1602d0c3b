"""The dashboard's look-up of a release as a background job, "enrich.lookup".

The page queues it (key: the slug and the refresh flag, so a second click adds nothing) and
shows "looking up…" until the diff is saved; whichever process runs jobs looks the release up
(`tunecamp serve` itself on SQLite, a `tunecamp worker` on Redis). A provider that rate-limits
us (MusicBrainz's 503 with a Retry-After) has the job tried again after the wait it asked for,
rather than a diff saved without it (the last complete one stays meanwhile); anything else unexpected is tried again with the policy's
backoff; a release that is not there, or the last attempt, dead-letters the job, and the page
says why (enrich_lookups). One look-up at a time per process; MusicBrainz's one request a
second holds across processes through the pacer (pacer.py: Redis when the instance has it).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiohttp import web

from tunecamp.daemon.appkeys import CONFIG, DB
from tunecamp.daemon.enrich import store
from tunecamp.daemon.enrich.catalog import NoRelease, read_queries
from tunecamp.daemon.enrich.diff import Options
from tunecamp.daemon.enrich.service import ENRICHER, RunResult
from tunecamp.daemon.jobs import JOBS, Fail, Job, Kind, Policy, Retry, register
from tunecamp.generator.catalog.slugs import is_safe_slug

KIND = "enrich.lookup"
POLICY = Policy(retries=5, backoff=60.0, max_delay=3600.0, timeout=900.0)
STALE = 2 * 3600.0  # a look-up pending this long lost its job (a queue emptied by hand): not shown


def key(slug: str, refresh: bool) -> str:
    return f"{slug}:{int(refresh)}"


async def queue_lookup(app: web.Application, slug: str, refresh: bool) -> bool:
    """Queue a look-up; False when the same one is queued or running already."""
    now = time.time()
    await app[DB].run(lambda d: store.lookup_queued(d, slug, now))
    return await app[JOBS].enqueue(KIND, {"slug": slug, "refresh": refresh}, key=key(slug, refresh))


async def pending(app: web.Application, slug: str) -> dict[str, Any] | None:
    """The release's look-up as the page shows it: pending, failed, or None (nothing to say)."""
    row = await app[DB].run(lambda d: store.lookup(d, slug))
    if row is None or (row["state"] in store.PENDING and time.time() - row["updated_at"] > STALE):
        return None
    return row


def rate_limited(result: RunResult) -> float | None:
    waits = result.counters.rate_limited
    return max(waits.values()) if waits else None


def register_lookup(app: web.Application) -> None:
    async def mark(slug: str, state: str, error: str = "") -> None:
        now = time.time()
        await app[DB].run(lambda d: store.lookup_state(d, slug, state, error, now))

    async def run(job: Job, slug: str) -> None:
        if not is_safe_slug(slug):
            raise Fail(f"slug: {slug[:60]!r} is not a release slug")
        try:
            queries = await asyncio.to_thread(read_queries, app[CONFIG].content_dir, (slug,))
        except NoRelease as exc:
            raise Fail(str(exc)) from None
        options = Options(refresh=bool(job.payload.get("refresh")))
        result = await app[ENRICHER].run(queries, options, "dashboard", partial=False)
        wait = rate_limited(result)
        if wait is not None:
            raise Retry("; ".join(result.counters.failures), delay=wait)

    async def handle(job: Job) -> None:
        slug = str(job.payload.get("slug", ""))
        await mark(slug, "running")
        try:
            await run(job, slug)
        except Fail as exc:
            await mark(slug, "failed", str(exc))
            raise
        except Exception as exc:
            reason = str(exc) if isinstance(exc, Retry) else f"{type(exc).__name__}: {exc}"
            if job.attempts + 1 >= POLICY.retries:  # the queue dead-letters it now: the page says why
                await mark(slug, "failed", reason)
                raise Fail(reason) from exc
            await mark(slug, "retrying", reason)
            raise
        await app[DB].run(lambda d: store.lookup_done(d, slug))

    register(app, Kind(KIND, handle, POLICY, concurrency=1))
