"""The discovery feature: TuneCamp instances find each other by gossip over HTTP.

At start (`discovery_ctx`, after the database and the outbound client) the service is made
with the seeds of the settings and the `SEED_SOURCE` create_app hands over (the federation's
remote accounts), and, unless TUNECAMP_DISCOVERY_INTERVAL is 0, the background crawl is
scheduled: every interval, with jitter, the first once the last crawl is that old. A crawl is
a background job, "discovery.crawl" (crawl_job.py): the schedule and the dashboard queue it,
whichever process runs jobs crawls (`tunecamp serve` itself on SQLite, `tunecamp worker` on Redis).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from tunecamp.daemon import html
from tunecamp.daemon.appkeys import BUILDS, CONFIG, DB, OUTBOUND
from tunecamp.daemon.discovery import dashboard, endpoints, follows
from tunecamp.daemon.discovery.crawl_job import queue_crawl, register_crawl
from tunecamp.daemon.discovery.limits import DiscoverySettings
from tunecamp.daemon.discovery.service import DISCOVERY_KEY, Discovery

# The origins of the fediverse accounts this instance federates with (create_app's hand-over).
SEED_SOURCE: web.AppKey[Callable[[], Awaitable[list[str]]]] = web.AppKey("discovery_seed_source")


async def discovery_ctx(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]

    async def rebuild() -> None:
        builds = app.get(BUILDS)
        if builds is not None:
            # not `if_changed`: that looks at content/ alone; the build itself skips when no input moved
            await builds.request("the network of instances changed")

    discovery = app[DISCOVERY_KEY] = Discovery(
        app[DB],
        app[OUTBOUND],
        DiscoverySettings.from_config(config),
        config.data_dir,
        seed_source=app.get(SEED_SOURCE),
        on_export=rebuild,
    )
    scheduler = None
    if discovery.settings.interval and app[DB].error is None:
        scheduler = asyncio.create_task(discovery.schedule(lambda: queue_crawl(app, "schedule")))
    yield
    for task in [scheduler, *app[dashboard.TASKS]]:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def setup(app: web.Application) -> None:
    html.add_templates(app, "tunecamp.daemon.discovery")
    html.add_labels(app, "crawl", dashboard.TRIGGERS)
    app.cleanup_ctx.append(discovery_ctx)
    register_crawl(app)
    endpoints.setup(app)
    dashboard.setup(app)
    follows.setup(app)
