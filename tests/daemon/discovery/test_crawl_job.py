"""A crawl as a background job, on either queue: a web process queues it, a worker process crawls.

The two processes are two apps made by `create_app` from the same settings (one database file,
one Redis): the web one with TUNECAMP_JOBS_IN_PROCESS=off only queues, as `tunecamp serve` does
on Redis; the worker one runs the jobs, as `tunecamp worker` does. The seed is a loopback server
that holds its answer until the test lets it go, so "while a crawl runs" is a state, not a race.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from job_apps import Workers, backend_config
from waiting import until

from tunecamp.daemon.app import create_app
from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.discovery import store
from tunecamp.daemon.discovery.crawl_job import KIND
from tunecamp.daemon.discovery.limits import Limits
from tunecamp.daemon.discovery.service import DISCOVERY_KEY
from tunecamp.daemon.jobs import JOBS

from .conftest import catalog_json

PASSWORD = "correct horse battery"  # tests/daemon/conftest.py's


@dataclass
class HeldSeed:
    """A seed that answers its first request only when `release` is set: the crawl runs meanwhile."""

    asked: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    server: TestServer | None = None

    @property
    def origin(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}"

    def app(self) -> web.Application:
        async def links(request: web.Request) -> web.Response:
            self.asked.set()
            await self.release.wait()
            raise web.HTTPNotFound()  # no TunCamp here: the crawl records a failure and ends

        app = web.Application()
        app.router.add_get("/.well-known/nodeinfo", links)
        return app


@dataclass
class Pair:
    web: TestClient
    config: DaemonConfig
    seed: HeldSeed
    start_worker: Callable[[], Awaitable[web.Application]]


@pytest.fixture(params=["sqlite", "redis"])
async def pair(
    request: pytest.FixtureRequest,
    config: DaemonConfig,
    aiohttp_client: Callable[..., Awaitable[TestClient]],
) -> AsyncIterator[Pair]:
    seed = HeldSeed()
    seed.server = TestServer(seed.app(), host="127.0.0.1")
    await seed.server.start_server()
    shared = backend_config(
        request, config, federation_seeds=seed.origin, discovery_interval=0, outbound_allow_loopback=True
    )
    (config.public_dir / "catalog.json").write_text(
        json.dumps(catalog_json("https://site.example", "Tide Pool"))
    )
    web_client = await aiohttp_client(create_app(replace(shared, jobs_in_process="off")))
    web_client.app[DISCOVERY_KEY].on_export = None  # no site build from the empty content/
    workers = Workers(shared)

    async def start_worker() -> web.Application:
        app = await workers.start()
        discovery = app[DISCOVERY_KEY]
        discovery.settings = replace(discovery.settings, limits=Limits(timeout=60.0))
        discovery.on_export = None
        return app

    yield Pair(web_client, shared, seed, start_worker)
    seed.release.set()
    await workers.close()
    await seed.server.close()


async def sign_in(client: TestClient, add_user: Any) -> str:
    await add_user(client.app, "mina", "manager")
    r = await client.post(
        "/admin/login", data={"username": "mina", "password": PASSWORD}, allow_redirects=False
    )
    assert r.status == 303
    html = await (await client.get("/admin")).text()
    return html.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


async def crawl_rows(app: web.Application) -> list[dict[str, Any]]:
    return await app[DB].run(lambda d: store.crawls(d))


async def test_crawl_now_queues_one_crawl_that_a_worker_runs(pair: Pair, add_user: Any) -> None:
    web_app = pair.web.app
    csrf = await sign_in(pair.web, add_user)
    r = await pair.web.post("/admin/discovery/crawl", data={"csrf": csrf}, allow_redirects=False)
    assert r.status == 303 and "crawl%20queued" in r.headers["Location"]
    page = await (await pair.web.get("/admin/discovery")).text()
    assert (
        "A crawl is queued" in page and "disabled" in page.split('action="/admin/discovery/crawl"')[1][:200]
    )
    r = await pair.web.post("/admin/discovery/crawl", data={"csrf": csrf}, allow_redirects=False)
    assert "queued%20or%20running%20already" in r.headers["Location"]
    assert (await web_app[JOBS].counts())[KIND].queued == 1

    await pair.start_worker()
    await asyncio.wait_for(pair.seed.asked.wait(), 60)  # the worker crawls, and it is running now
    page = await (await pair.web.get("/admin/discovery")).text()
    assert "Crawling now, in a worker process" in page
    r = await pair.web.post("/admin/discovery/crawl", data={"csrf": csrf}, allow_redirects=False)
    assert "queued%20or%20running%20already" in r.headers["Location"]

    pair.seed.release.set()

    async def finished() -> bool:
        rows = await crawl_rows(web_app)
        return bool(rows) and rows[0]["finished_at"] is not None

    await until(finished, "the worker's crawl to finish")
    [crawl] = await crawl_rows(web_app)
    assert crawl["trigger"] == "dashboard" and crawl["failures"] == 1 and not crawl["error"]
    await until(lambda: _idle(web_app), "the crawl job to end")
    page = await (await pair.web.get("/admin/discovery")).text()
    assert f'data-crawl="{crawl["id"]}"' in page and "Not crawling now." in page


async def _idle(app: web.Application) -> bool:
    counts = (await app[JOBS].counts()).get(KIND)
    return counts is not None and counts.queued == counts.running == 0


async def test_a_crawl_that_fails_is_tried_again_later(pair: Pair, add_user: Any) -> None:
    pair.seed.release.set()
    worker = await pair.start_worker()
    failures = []

    async def broken() -> None:
        failures.append(1)
        raise RuntimeError("the build manager is gone")

    worker[DISCOVERY_KEY].on_export = broken
    csrf = await sign_in(pair.web, add_user)
    await pair.web.post("/admin/discovery/crawl", data={"csrf": csrf}, allow_redirects=False)

    async def retrying() -> list[Any]:
        return [f for f in await pair.web.app[JOBS].failed() if f.kind == KIND and f.state == "retrying"]

    await until(retrying, "the failed crawl to wait for its retry")
    [job] = await retrying()
    assert job.key == "crawl" and "the build manager is gone" in job.error and job.attempts == 1
    assert job.next_at is not None and job.next_at - job.updated_at >= 150  # 5 min, "equal jitter"
    page = await (await pair.web.get("/admin/discovery")).text()
    assert "The last crawl failed; it is tried again later." in page
    [row] = await crawl_rows(pair.web.app)
    assert row["error"] == "the build manager is gone"

    worker[DISCOVERY_KEY].on_export = None
    assert await pair.web.app[JOBS].retry(job.id) == 1

    async def crawled_again() -> bool:
        rows = await crawl_rows(pair.web.app)
        return len(rows) == 2 and rows[0]["finished_at"] is not None and not rows[0]["error"]

    await until(crawled_again, "the retried crawl to finish")
    await until(lambda: _idle(pair.web.app), "the crawl job to end")
    assert failures == [1] and not await retrying()
