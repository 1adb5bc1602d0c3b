"""A crawl as a background job, "discovery.crawl": queued by the schedule and the dashboard.

Every crawl has the key "crawl", so the whole instance runs one at a time whatever the number of
web and worker processes: queueing one while one waits or runs adds nothing (the dashboard says
so). Each web process keeps its own schedule (`Discovery.schedule`), and with several of them
each would queue the periodic crawl; so a scheduled crawl that finds another one started less
than half an interval ago (by another process, or by hand) does nothing. A crawl that fails
(the database, the export) is retried with backoff; the instances it could not reach are no
failure of the job: they are recorded, with their own backoff, as before.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tunecamp.daemon.discovery import store
from tunecamp.daemon.discovery.service import DISCOVERY_KEY, Discovery
from tunecamp.daemon.jobs import JOBS, Counts, Job, Kind, Policy, Retry, register

KIND = "discovery.crawl"
KEY = "crawl"
# A crawl is bounded (1,000 origins, 32 requests in flight, 5 s each): well within an hour.
POLICY = Policy(retries=4, backoff=300.0, max_delay=3 * 3600.0, timeout=3600.0)


async def queue_crawl(app: web.Application, trigger: str) -> bool:
    """Queue a crawl now; False when one is queued or running already (here or in another process)."""
    return await app[JOBS].enqueue(KIND, {"trigger": trigger}, key=KEY)


async def crawl_counts(app: web.Application) -> Counts | None:
    """The crawl jobs as the queue sees them (running in a worker, queued, retrying)."""
    jobs = app.get(JOBS)
    return None if jobs is None else (await jobs.counts()).get(KIND)


async def crawled_lately(discovery: Discovery) -> bool:
    """Whether a crawl started less than half an interval ago: a scheduled one is then not due."""
    interval = discovery.settings.interval
    if not interval:
        return False
    last = await discovery.db.run(lambda d: store.crawls(d, 1))
    return bool(last) and discovery.clock() - float(last[0]["started_at"]) < interval / 2


def register_crawl(app: web.Application) -> None:
    async def handle(job: Job) -> None:
        discovery = app[DISCOVERY_KEY]
        trigger = str(job.payload.get("trigger") or "job")
        if trigger == "schedule" and await crawled_lately(discovery):
            return
        try:
            await discovery.crawl(trigger)
        except Exception as exc:  # recorded on the crawl's row and the page; the queue tries again later
            raise Retry(f"{type(exc).__name__}: {exc}") from exc

    register(app, Kind(KIND, handle, POLICY, concurrency=1))


def crawl_state(counts: Counts | None, here: bool, last: dict[str, Any] | None, now: float) -> dict[str, Any]:
    """What the page says of a crawl beyond the one this process runs: queued, running elsewhere
    (the queue says so, or the last crawl's row is unfinished and younger than a job may run),
    or waiting for its retry."""
    unfinished = (
        last is not None
        and last["finished_at"] is None
        and not last["error"]
        and now - float(last["started_at"]) < POLICY.timeout
    )
    running = bool(counts and counts.running) or unfinished
    return {
        "queued": bool(counts and counts.queued),
        "elsewhere": running and not here,
        "retrying": bool(counts and counts.retrying),
    }
