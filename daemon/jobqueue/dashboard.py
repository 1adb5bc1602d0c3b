"""The jobs page of the dashboard, /admin/jobs, and its JSON twin /api/admin/jobs.

One page for either backend (everything comes through the `Jobs` interface): per kind the jobs
queued, running, retrying, done and dead; the processes running consumers; the failed jobs with
their error, each with a retry button, and "retry all dead". When jobs wait and no consumer has
given a sign of life lately, the page says to start `tunecamp worker`. Managers and Owners see it
(the `jobs` permission); a retry is a CSRF-protected POST that redirects back with what it did.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any
from urllib.parse import quote

from aiohttp import web

from tunecamp.daemon.bodies import read_form, read_json
from tunecamp.daemon.errors import http_error
from tunecamp.daemon.html import render
from tunecamp.daemon.jobs import JOBS, KINDS, Counts, Jobs
from tunecamp.daemon.roles import JOBS as JOBS_PERMISSION
from tunecamp.daemon.roles import requires

BASE = "/admin/jobs"
NO_WORKER = "no worker is running: start `tunecamp worker` (or set TUNECAMP_JOBS_IN_PROCESS=on)"


async def overview(app: web.Application, limit: int = 50) -> dict[str, Any]:
    jobs: Jobs = app[JOBS]
    counts = await jobs.counts()
    for name in app.get(KINDS, {}):  # a registered kind with no job yet shows as zeros
        counts.setdefault(name, Counts(0, 0, 0, 0, 0))
    workers = await jobs.workers()
    waiting = sum(c.queued + c.retrying for c in counts.values())
    return {
        "backend": jobs.backend,
        "kinds": {name: counts[name] for name in sorted(counts)},
        "workers": workers,
        "failed": await jobs.failed(limit),
        "warning": NO_WORKER if waiting and not workers else None,
        "now": time.time(),
    }


@requires(JOBS_PERMISSION)
async def page(request: web.Request) -> web.Response:
    return render(request, "jobqueue/index.html", **await overview(request.app))


def _job_id(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 1024:
        raise http_error(400, f"{what}: the id of a failed job, as listed")
    return value


@requires(JOBS_PERMISSION)
async def retry_form(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    jobs = request.app[JOBS]
    if form.get("all"):
        count = await jobs.retry(None)
        flash = f"{count} dead jobs queued again" if count else "no dead job to retry"
    else:
        job_id = _job_id(form.get("job_id"), "job_id")
        count = await jobs.retry(job_id)
        flash = f"job {job_id} queued again" if count else f"job {job_id}: not dead or waiting (any more)"
    raise web.HTTPSeeOther(f"{BASE}?flash={quote(flash)}")


@requires(JOBS_PERMISSION)
async def api_overview(request: web.Request) -> web.Response:
    try:
        limit = int(request.query.get("limit", "50"))
    except ValueError:
        raise http_error(400, "limit: a number from 1 to 500") from None
    if not 1 <= limit <= 500:
        raise http_error(400, "limit: a number from 1 to 500")
    data = await overview(request.app, limit)
    return web.json_response(
        {
            **data,
            "kinds": {name: dataclasses.asdict(c) for name, c in data["kinds"].items()},
            "workers": [dataclasses.asdict(w) for w in data["workers"]],
            "failed": [dataclasses.asdict(f) for f in data["failed"]],
        }
    )


@requires(JOBS_PERMISSION)
async def api_retry(request: web.Request) -> web.Response:
    body = await read_json(request)
    jobs = request.app[JOBS]
    if body.get("all") is True:
        return web.json_response({"retried": await jobs.retry(None)})
    if "id" not in body:
        raise http_error(400, 'id: the id of a failed job, or "all": true')
    count = await jobs.retry(_job_id(body["id"], "id"))
    if not count:
        raise http_error(404, "id: no dead or waiting job with this id")
    return web.json_response({"retried": count})


def setup(app: web.Application) -> None:
    app.router.add_get(BASE, page)
    app.router.add_post(f"{BASE}/retry", retry_form)
    app.router.add_get("/api/admin/jobs", api_overview)
    app.router.add_post("/api/admin/jobs/retry", api_retry)
