"""The jobqueue feature: `app[JOBS]`, the backend every feature queues its background work on.

At start (`jobs_ctx`, after the database and the Redis pool) it picks the backend: Redis (SAQ)
when TUNECAMP_REDIS_URL is set (`redis_link.REDIS`), else the SQLite one in the instance
database. The kinds are those the features registered at setup (`jobs.register`, `KINDS`);
consumers.py decides whether this process runs them. It also adds the dashboard page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from tunecamp.daemon import html
from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.jobqueue import dashboard
from tunecamp.daemon.jobqueue.consumers import start_consumers, stop_consumers
from tunecamp.daemon.jobqueue.sqlite_backend import SqliteJobs
from tunecamp.daemon.jobs import JOBS, KINDS
from tunecamp.daemon.redis_link import REDIS


async def jobs_ctx(app: web.Application) -> AsyncIterator[None]:
    kinds = app.setdefault(KINDS, {})
    redis = app.get(REDIS)
    if redis is not None:
        from tunecamp.daemon.jobqueue.redis_backend import RedisJobs

        app[JOBS] = RedisJobs(redis, kinds)
    else:
        app[JOBS] = SqliteJobs(app[DB], kinds)
    yield


def setup(app: web.Application) -> None:
    app.setdefault(KINDS, {})
    html.add_templates(app, "tunecamp.daemon.jobqueue")
    app.cleanup_ctx.append(jobs_ctx)
    app.on_startup.append(start_consumers)
    app.on_shutdown.append(stop_consumers)
    dashboard.setup(app)
