"""/admin/federation/deliveries: the deliveries the jobs engine failed to make, each with a retry.

Deliveries are jobs of kind `federation.deliver` (delivery.py), so this page reads the engine
(`JOBS`): its counts for the kind, and its dead or retrying jobs of the kind, with the activity's
type and signer from the outbox. The retry buttons go through `JOBS.retry`; /admin/jobs shows
every kind of job and the workers. What this process sent lately is the handler's own record
(on Redis the web process sends nothing: the workers do).
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

from aiohttp import web

from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.bodies import read_form
from tunecamp.daemon.federation import outbox
from tunecamp.daemon.federation.delivery import SETTINGS, WORKER, Stats
from tunecamp.daemon.federation.outbox import KIND
from tunecamp.daemon.html import render, translate, translate_plural
from tunecamp.daemon.jobs import JOBS, Counts, FailedJob
from tunecamp.daemon.roles import FEDERATION, requires

PATH = "/admin/federation/deliveries"
JOBS_PAGE = "/admin/jobs"
LISTED = 500  # failures read from the engine (of every kind) to find this kind's
MAX_ID = 200
NONE = Counts(queued=0, running=0, retrying=0, done=0, dead=0)


def _back(flash: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"{PATH}?flash={quote(flash)}")


async def counts(app: web.Application) -> Counts:
    """The engine's counts for deliveries (zeros without an engine: no database)."""
    jobs = app.get(JOBS)
    return (await jobs.counts()).get(KIND, NONE) if jobs is not None else NONE


async def failures(app: web.Application) -> list[FailedJob]:
    jobs = app.get(JOBS)
    return [f for f in await jobs.failed(LISTED) if f.kind == KIND] if jobs is not None else []


def stats(app: web.Application) -> Stats:
    worker = app.get(WORKER)
    return worker.stats if worker is not None else Stats()


def _row(job: FailedJob, described: dict[str, tuple[str, str]]) -> dict[str, Any]:
    activity_id, _, inbox = job.key.partition(" ")
    kind, actor = described.get(activity_id, ("", ""))
    return {
        "id": job.id,
        "activity_id": activity_id,
        "type": kind or "?",
        "actor": actor or "?",
        "inbox": inbox,
        "state": job.state,
        "attempts": job.attempts,
        "error": job.error,
        "next_at": job.next_at,
        "updated_at": job.updated_at,
    }


@requires(FEDERATION)
async def deliveries_page(request: web.Request) -> web.Response:
    failed = await failures(request.app)
    ids = [f.key.partition(" ")[0] for f in failed]
    described = await request.app[DB].run(lambda d: outbox.describe(d, ids)) if ids else {}
    return render(
        request,
        "federation/deliveries.html",
        rows=[_row(f, described) for f in failed[:200]],
        counts=await counts(request.app),
        stats=stats(request.app),
        settings=request.app[SETTINGS],
        jobs_page=JOBS_PAGE,
        now=time.time(),
    )


@requires(FEDERATION)
async def retry_delivery(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    which = str(form.get("id", "all"))
    jobs = request.app.get(JOBS)
    if jobs is None:
        raise _back(translate(request, "no jobs engine: the database is unavailable"))
    failed = await failures(request.app)
    if which == "all":
        chosen = [f.id for f in failed if f.state == "dead"]
    elif not which or len(which) > MAX_ID or which not in {f.id for f in failed}:
        raise _back(
            translate(request, "%(id)s: not a delivery", id=which[:MAX_ID])
        )  # another kind's job is retried on /admin/jobs
    else:
        chosen = [which]
    count = len([job_id for job_id in chosen if await jobs.retry(job_id)])
    raise _back(
        translate_plural(request, "%(num)s delivery sent again", "%(num)s deliveries sent again", count)
        if count
        else translate(request, "nothing to retry")
    )


def setup(app: web.Application) -> None:
    app.router.add_get(PATH, deliveries_page)
    app.router.add_post(f"{PATH}/retry", retry_delivery)
