"""The dashboard's look-up as a background job, on either queue: the page queues, a worker looks up.

As in tests/daemon/discovery/test_crawl_job.py, the web process and the worker are two apps of
`create_app` over one database (and one Redis): the web one only queues
(TUNECAMP_JOBS_IN_PROCESS=off), the worker one runs the jobs. The music databases are the
loopback `Providers` of conftest.py.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from job_apps import Workers, backend_config
from waiting import until

from tunecamp.daemon.app import create_app
from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.enrich import store
from tunecamp.daemon.enrich.lookup_job import KIND, POLICY
from tunecamp.daemon.enrich.pacer import Pacer, RedisPacer
from tunecamp.daemon.enrich.service import ENRICHER
from tunecamp.daemon.jobs import JOBS, FailedJob

from .conftest import MBID, Providers

PASSWORD = "correct horse battery"


@dataclass
class Pair:
    web: TestClient
    start_worker: Callable[[], Awaitable[web.Application]]


@pytest.fixture(params=["sqlite", "redis"])
async def pair(
    request: pytest.FixtureRequest,
    config: DaemonConfig,
    aiohttp_client: Callable[..., Awaitable[TestClient]],
) -> AsyncIterator[Pair]:
    shared = backend_config(request, config)
    web_client = await aiohttp_client(create_app(replace(shared, jobs_in_process="off")))
    workers = Workers(shared)
    yield Pair(web_client, workers.start)
    for runner in workers.runners:  # MusicBrainz's pace is the instance's on Redis, the process's without
        pace = runner.app[ENRICHER].musicbrainz_pace
        assert isinstance(pace, RedisPacer if shared.redis_url else Pacer)
    await workers.close()


async def signed_in(client: TestClient, add_user: Any) -> str:
    await add_user(client.app, "mia", "manager")
    r = await client.post(
        "/admin/login", data={"username": "mia", "password": PASSWORD}, allow_redirects=False
    )
    assert r.status == 303
    page = await (await client.get("/admin/enrich")).text()
    return page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


async def look_up(client: TestClient, csrf: str, **fields: str) -> str:
    r = await client.post("/admin/enrich/tides/lookup", data={"csrf": csrf, **fields}, allow_redirects=False)
    assert r.status == 303, await r.text()
    return unquote(r.headers["Location"])


async def lookups(app: web.Application, state: str) -> list[FailedJob]:
    return [f for f in await app[JOBS].failed() if f.kind == KIND and f.state == state]


async def test_the_page_queues_a_look_up_and_shows_the_diff_when_a_worker_is_done(
    pair: Pair, add_user: Any, providers: Providers
) -> None:
    app = pair.web.app
    csrf = await signed_in(pair.web, add_user)
    assert "looking the release up" in await look_up(pair.web, csrf)
    assert "queued or running already" in await look_up(pair.web, csrf)
    assert "looking the release up" in await look_up(pair.web, csrf, refresh="1")  # another key
    assert (await app[JOBS].counts())[KIND].queued == 2
    page = await (await pair.web.get("/admin/enrich/tides")).text()
    assert 'id="lookup-state" role="status" data-reload-after="3"' in page and "Looking up…" in page
    assert "/admin/static/admin.js" in page and not providers.seen  # nothing asked before a worker runs

    await pair.start_worker()

    async def done() -> bool:
        counts = (await app[JOBS].counts())[KIND]
        runs = await app[DB].run(lambda d: store.runs(d))
        return counts.queued == counts.running == 0 and sum(r["finished_at"] is not None for r in runs) == 2

    await until(done, "both look-ups to be done")
    saved = await app[DB].run(lambda d: store.load_diff(d, "tides"))
    assert saved is not None and len(saved[0].proposals) == 12
    page = await (await pair.web.get("/admin/enrich/tides")).text()
    assert "Looking up" not in page and 'name="field" value="label"' in page
    runs = await app[DB].run(lambda d: store.runs(d))
    assert [r["trigger"] for r in runs] == ["dashboard", "dashboard"]


async def test_musicbrainz_busy_retries_the_look_up_after_its_retry_after(
    pair: Pair, add_user: Any, providers: Providers
) -> None:
    app = pair.web.app
    await pair.start_worker()
    providers.modes["musicbrainz"] = "503"  # Retry-After: 120, more than a request waits
    csrf = await signed_in(pair.web, add_user)
    await look_up(pair.web, csrf)
    await until(lambda: lookups(app, "retrying"), "the look-up to wait for its retry")
    [job] = await lookups(app, "retrying")
    assert job.key == "tides:0" and "musicbrainz: rate-limited (HTTP 503)" in job.error
    assert job.next_at is not None and 110 <= job.next_at - job.updated_at <= 130  # the server's 120 s
    page = await (await pair.web.get("/admin/enrich/tides")).text()
    assert "a service asked us to wait" in page and 'data-reload-after="15"' in page
    assert await app[DB].run(lambda d: store.load_diff(d, "tides")) is None  # no diff without MusicBrainz

    providers.modes.clear()  # MusicBrainz is back: the retry button of /admin/jobs runs it now
    assert await app[JOBS].retry(job.id) == 1

    async def saved() -> bool:
        return await app[DB].run(lambda d: store.load_diff(d, "tides")) is not None

    await until(saved, "the retried look-up's diff")
    await until(lambda: _no_lookup_row(app), "the look-up's state to be cleared")
    saved_diff = await app[DB].run(lambda d: store.load_diff(d, "tides"))
    assert saved_diff is not None and saved_diff[0].match.startswith(f"MusicBrainz {MBID}")
    page = await (await pair.web.get("/admin/enrich/tides")).text()
    assert "Looking up" not in page and 'name="field" value="label"' in page


async def _no_lookup_row(app: web.Application) -> bool:
    return await app[DB].run(lambda d: store.lookup(d, "tides")) is None


async def test_the_last_attempt_dead_letters_the_look_up_and_the_page_says_why(
    pair: Pair, add_user: Any, providers: Providers
) -> None:
    app = pair.web.app
    await pair.start_worker()
    providers.modes["musicbrainz"] = "503"
    csrf = await signed_in(pair.web, add_user)
    await look_up(pair.web, csrf)
    for attempts in range(1, POLICY.retries):
        await until(partial(_retrying_after, app, attempts), f"attempt {attempts} to fail and wait")
        [job] = await lookups(app, "retrying")
        assert await app[JOBS].retry(job.id) == 1
    await until(lambda: lookups(app, "dead"), "the look-up to be dead")
    [dead] = await lookups(app, "dead")
    assert dead.attempts == POLICY.retries and "rate-limited" in dead.error
    page = await (await pair.web.get("/admin/enrich/tides")).text()
    assert "The last look-up failed: musicbrainz: rate-limited (HTTP 503)" in page
    assert "data-reload-after" not in page
    assert "looking the release up" in await look_up(pair.web, csrf)  # a new look-up may be asked


async def _retrying_after(app: web.Application, attempts: int) -> bool:
    return any(j.attempts == attempts for j in await lookups(app, "retrying"))


async def test_a_release_gone_before_its_look_up_is_dead_at_once(
    pair: Pair, add_user: Any, providers: Providers, content: Path
) -> None:
    app = pair.web.app
    csrf = await signed_in(pair.web, add_user)
    await look_up(pair.web, csrf)
    (content / "releases/tides").rename(content / "gone")
    await pair.start_worker()
    await until(lambda: lookups(app, "dead"), "the look-up to be dead")
    [dead] = await lookups(app, "dead")
    assert dead.attempts == 1 and "tides" in dead.error
    row = await app[DB].run(lambda d: store.lookup(d, "tides"))
    assert row is not None and row["state"] == "failed" and row["error"] == dead.error
    assert not providers.seen and time.time() - row["updated_at"] < 3600
