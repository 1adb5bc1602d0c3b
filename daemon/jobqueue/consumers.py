"""Which consumers a process runs, started once the app's resources are, stopped first at the end.

`tunecamp worker` sets `PLAN` before the app starts (the kinds it runs, its concurrency); without
one, the process is `tunecamp serve`, which runs consumers for every kind when
TUNECAMP_JOBS_IN_PROCESS says so: `auto` (the default) runs them on SQLite — the embedded
default, one process does everything — and not on Redis, where `tunecamp worker` processes do.

Consumers start in `on_startup`, which aiohttp runs after every cleanup context has opened (the
database, the outbound client, the features' own state a handler may need), and stop in
`on_shutdown`, before any of those close: running jobs get TUNECAMP_SHUTDOWN_TIMEOUT to finish.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from tunecamp.daemon.appkeys import CONFIG
from tunecamp.daemon.jobqueue.sqlite_backend import ConsumerSettings, SqliteConsumer, SqliteJobs
from tunecamp.daemon.jobqueue.sqlite_store import WorkerRow
from tunecamp.daemon.jobs import JOBS, KINDS, Kind
from tunecamp.daemon.processes import process_id

log = logging.getLogger("tunecamp.jobs")


@dataclass(frozen=True)
class Plan:
    """What `tunecamp worker` runs: these kinds (None: every registered one), this many at once."""

    kinds: tuple[str, ...] | None = None
    concurrency: int = 0  # 0: TUNECAMP_JOBS_CONCURRENCY, else each kind's own


PLAN: web.AppKey[Plan] = web.AppKey("jobs_plan", Plan)


class Consumer(Protocol):
    async def start(self) -> None: ...

    async def stop(self, timeout: float) -> None: ...


CONSUMER: web.AppKey[Consumer] = web.AppKey("jobs_consumer", Consumer)


def runs_consumers(app: web.Application) -> bool:
    if PLAN in app:
        return True
    setting = app[CONFIG].jobs_in_process
    return setting == "on" or (setting == "auto" and app[JOBS].backend == "sqlite")


def worker_row(kinds: tuple[str, ...], in_serve: bool) -> WorkerRow:
    return WorkerRow(process_id(), socket.gethostname(), os.getpid(), kinds, in_serve, time.time())


def make_consumer(app: web.Application) -> Consumer | None:
    from tunecamp.daemon.jobqueue.redis_backend import RedisJobs
    from tunecamp.daemon.jobqueue.redis_consumer import RedisConsumer

    plan = app.get(PLAN)
    registered = app.get(KINDS, {})
    names = plan.kinds if plan is not None and plan.kinds is not None else tuple(registered)
    config = app[CONFIG]
    settings = ConsumerSettings(
        kinds=tuple(registered[name] for name in names),
        concurrency=(plan.concurrency if plan is not None else 0) or config.jobs_concurrency,
        poll=config.jobs_poll,
        keep_done=config.jobs_keep_done,
        in_serve=plan is None,
        grace=config.shutdown_timeout,
    )
    if not settings.kinds:
        log.info("jobs: no kind of job is registered; nothing to run")
        return None
    row = worker_row(names, plan is None)
    jobs = app[JOBS]
    if isinstance(jobs, SqliteJobs):
        return SqliteConsumer(jobs, settings, row)
    if isinstance(jobs, RedisJobs):
        return RedisConsumer(jobs, settings, row)
    return None


async def start_consumers(app: web.Application) -> None:
    if not runs_consumers(app):
        log.info("jobs on %s: this process only queues them; `tunecamp worker` runs them", app[JOBS].backend)
        return
    consumer = make_consumer(app)
    if consumer is None:
        return
    await consumer.start()
    app[CONSUMER] = consumer
    plan = app.get(PLAN, Plan())
    registered: dict[str, Kind] = app[KINDS]
    names = ", ".join(plan.kinds if plan.kinds is not None else registered)
    log.info("jobs on %s: running %s", app[JOBS].backend, names)


async def stop_consumers(app: web.Application) -> None:
    consumer = app.get(CONSUMER)
    if consumer is not None:
        await consumer.stop(app[CONFIG].shutdown_timeout)
        log.info("jobs: consumers stopped")
