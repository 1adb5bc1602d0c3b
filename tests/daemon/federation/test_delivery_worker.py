"""Deliveries as jobs, through the whole app against real inboxes on 127.0.0.1: one POST per
shared inbox, signed at send time and re-signed on retry, backoff, Retry-After, 410 Gone, dead
letters, a slow host, the per-host limit; the core ones on both backends of the jobs engine
(SQLite, and Redis with this process running the consumers)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tunecamp.daemon.app import create_app
from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.db import Db
from tunecamp.daemon.federation import delivery
from tunecamp.daemon.federation.delivery import WORKER, DeliverySettings, drained, outcome
from tunecamp.daemon.federation.keys import KeyStore
from tunecamp.daemon.federation.outbox import KIND
from tunecamp.daemon.federation.sending import SendError
from tunecamp.daemon.federation.signatures import SignedRequest, load_public, verify
from tunecamp.daemon.jobs import JOBS, Counts, Fail, Retry

ACTOR = "http://site.test/ap/artists/aurora.json"
FAST = DeliverySettings(concurrency=8, per_host=2, base_delay=0.05, max_delay=0.2)
Start = Callable[..., Awaitable[web.Application]]


@dataclass
class Inbox:
    """A loopback inbox that verifies each POST's signature and answers from a script."""

    app: web.Application
    script: list[int | tuple[int, dict[str, str]]] = field(default_factory=list)
    delay: float = 0.0
    received: list[dict[str, Any]] = field(default_factory=list)
    server: TestServer | None = None
    hold: asyncio.Event | None = None  # set: the answer waits for it

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/inbox"))

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()

        async def resolve(key_id: str, refresh: bool) -> Any:
            assert key_id == f"{ACTOR}#main-key"
            key = await KeyStore(self.app[DB]).get("aurora")
            assert key is not None
            return load_public(key.public_pem)

        signed = SignedRequest(request.method, (str(request.url),), request.headers, body)
        verified = await verify(signed, resolve)
        self.received.append(
            {
                "at": time.monotonic(),
                "id": json.loads(body)["id"],
                "date": request.headers["Date"],
                "scheme": verified.scheme,
                "signature": request.headers["Signature"],
            }
        )
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.hold is not None:
            await self.hold.wait()
        answer = self.script.pop(0) if self.script else 202
        status, headers = answer if isinstance(answer, tuple) else (answer, {})
        return web.Response(status=status, headers=headers)


@pytest.fixture(params=["sqlite", "redis"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def start(fed_config: DaemonConfig, request: pytest.FixtureRequest) -> AsyncIterator[Start]:
    """Start the app (no HTTP listener: the deliveries go out, nothing comes in) on a backend."""
    runners: list[web.AppRunner] = []

    async def make(
        settings: DeliverySettings = FAST, backend: str = "sqlite", **changes: Any
    ) -> web.Application:
        redis = request.getfixturevalue("redis_url") if backend == "redis" else ""
        config = dataclasses.replace(
            fed_config,
            redis_url=redis,
            jobs_in_process="on",
            outbound_timeout=10,
            shutdown_timeout=2,
            **changes,
        )
        app = create_app(config)
        delivery.configure(app, settings)
        runner = web.AppRunner(app)
        await runner.setup()
        runners.append(runner)
        await KeyStore(app[DB]).ensure("aurora")
        return app

    yield make
    for runner in reversed(runners):
        await runner.cleanup()


@pytest.fixture
async def inboxes() -> AsyncIterator[Callable[..., Awaitable[Inbox]]]:
    servers: list[TestServer] = []

    async def make(
        app: web.Application, *script: int | tuple[int, dict[str, str]], delay: float = 0.0
    ) -> Inbox:
        inbox = Inbox(app, list(script), delay)
        handler = web.Application()
        handler.router.add_post("/inbox", inbox.handle)
        handler.router.add_post("/users/{name}/inbox", inbox.handle)
        inbox.server = TestServer(handler, host="127.0.0.1")
        await inbox.server.start_server()
        servers.append(inbox.server)
        return inbox

    yield make
    for server in servers:
        await server.close()


def create(n: int = 1) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{ACTOR}#create-{n}",
        "type": "Create",
        "actor": ACTOR,
        "object": {"id": f"http://site.test/note/{n}", "type": "Note"},
    }


async def follow(app: web.Application, actor: str, inbox: str, shared: str | None) -> None:
    def insert(database: Any) -> None:
        database.execute(
            "INSERT INTO fed_followers (username, actor, inbox, shared_inbox, follow_id, follow, state, created_at)"
            " VALUES ('aurora', ?, ?, ?, ?, '{}', 'accepted', '2026-01-01T00:00:00+00:00')",
            [actor, inbox, shared, actor + "#follow"],
        )
        database.conn.commit()

    await app[DB].run(insert)


async def to_followers(app: web.Application, activity: dict[str, Any]) -> list[str]:
    """Queue `activity` to aurora's followers as the daemon does (outbox, then the engine)."""
    from tunecamp.daemon.federation import audience

    targets = await app[DB].run(lambda database: audience.inboxes(database, ["aurora"]))
    await delivery.deliverer(app)("aurora", activity, targets)
    return targets


async def settle(app: web.Application, timeout: float = 15) -> Counts:
    return await drained(app[JOBS], timeout)


async def test_one_signed_post_per_shared_inbox(start: Start, inboxes: Any, backend: str) -> None:
    app = await start(backend=backend)
    shared, lone = await inboxes(app), await inboxes(app)
    base = shared.url[:-6]
    for n in range(5):  # five followers on one server: one POST to its shared inbox
        await follow(app, f"{base}/users/fan{n}", f"{base}/users/fan{n}/inbox", shared.url)
    await follow(app, f"{lone.url[:-6]}/users/solo", lone.url, None)  # no shared inbox: its own
    assert len(await to_followers(app, create())) == 2
    await to_followers(app, create())  # the same activity again: nothing more is sent
    assert (await settle(app)).done == 2
    assert len(shared.received) == 1 and len(lone.received) == 1
    signature = shared.received[0]["signature"]
    assert shared.received[0]["scheme"] == "cavage" and 'algorithm="rsa-sha256"' in signature
    assert 'headers="(request-target) host date digest"' in signature
    assert app[WORKER].stats.sent == 2


async def test_a_500_is_retried_after_retry_after_and_signed_again(
    start: Start, inboxes: Any, backend: str
) -> None:
    app = await start(backend=backend)
    flaky = await inboxes(app, (500, {"Retry-After": "2"}), 200)
    await follow(app, "x", flaky.url, None)
    await to_followers(app, create())
    assert (await settle(app)).done == 1
    first, second = flaky.received
    # Retry-After honoured over the 50-200 ms backoff (SAQ schedules in whole seconds, rounded down)
    assert second["at"] - first["at"] >= 1.0
    assert first["date"] != second["date"] and first["signature"] != second["signature"]


async def test_410_removes_the_followers_of_that_inbox(start: Start, inboxes: Any, backend: str) -> None:
    app = await start(backend=backend)
    gone, alive = await inboxes(app, 410), await inboxes(app)
    await follow(app, "https://gone.example/users/a", "https://gone.example/users/a/inbox", gone.url)
    await follow(app, "https://gone.example/users/b", "https://gone.example/users/b/inbox", gone.url)
    await follow(app, "https://alive.example/users/c", alive.url, None)
    await to_followers(app, create())
    counts = await settle(app)
    assert (counts.done, counts.dead) == (1, 1)
    followers = await app[DB].run(lambda d: [r[0] for r in d.execute("SELECT actor FROM fed_followers")])
    assert followers == ["https://alive.example/users/c"]
    assert len(gone.received) == 1  # not retried
    (failed,) = [f for f in await app[JOBS].failed() if f.kind == KIND]
    assert failed.state == "dead" and failed.key == f"{create()['id']} {gone.url}"
    assert "410 Gone: 2 follow(s)" in failed.error


@pytest.mark.parametrize(
    ("status", "attempts", "dead"),
    [(403, 1, 1), (404, 1, 1), (401, 3, 0), (429, 3, 0), (408, 3, 0), (503, 3, 0)],
)
async def test_which_answers_are_retried(
    start: Start, inboxes: Any, status: int, attempts: int, dead: int
) -> None:
    app = await start()
    inbox = await inboxes(app, status, status, 202)
    await follow(app, "x", inbox.url, None)
    await to_followers(app, create())
    counts = await settle(app)
    assert len(inbox.received) == attempts
    assert (counts.done, counts.dead) == (1 - dead, dead)


async def test_given_up_after_its_time(start: Start, inboxes: Any, backend: str) -> None:
    app = await start(dataclasses.replace(FAST, give_up_after=0.5), backend=backend)
    down = await inboxes(app, *([503] * 1000))
    await follow(app, "x", down.url, None)
    await to_followers(app, create())
    assert (await settle(app)).dead == 1
    assert len(down.received) >= 2  # retried, then dead-lettered once its time was up
    (failed,) = [f for f in await app[JOBS].failed() if f.kind == KIND]
    assert "gave up" in failed.error


async def test_a_slow_inbox_does_not_hold_up_the_others(start: Start, inboxes: Any) -> None:
    app = await start()
    slow = await inboxes(app)
    slow.hold = asyncio.Event()  # answers only once the others are acknowledged
    fast = [await inboxes(app) for _ in range(4)]
    for n, inbox in enumerate([slow, *fast]):
        await follow(app, f"actor{n}", inbox.url, None)
    await to_followers(app, create())
    deadline = time.monotonic() + 30
    while app[WORKER].stats.sent < 4:  # the four fast ones done while the slow one has not answered
        assert time.monotonic() < deadline, f"the fast inboxes waited: {app[WORKER].stats}"
        await asyncio.sleep(0.02)
    assert app[WORKER].stats.in_flight == 1  # the slow one still out
    slow.hold.set()
    assert (await settle(app)).done == 5 and len(slow.received) == 1


async def test_per_host_limit_in_one_process(start: Start, inboxes: Any) -> None:
    app = await start(DeliverySettings(concurrency=16, per_host=2))
    slow = await inboxes(app, delay=0.3)
    worker = app[WORKER]
    seen: list[int] = []
    original = worker.send

    async def counting(inbox: str, body: bytes, headers: dict[str, str]) -> int:
        seen.append(worker.stats.in_flight)
        return await original(inbox, body, headers)

    worker.send = counting
    for n in range(6):  # six activities to one host
        await delivery.deliverer(app)("aurora", create(n), [slow.url])
    await settle(app)
    assert len(slow.received) == 6 and max(seen) <= 2


async def test_an_inside_address_is_dead_lettered_at_once(start: Start, inboxes: Any) -> None:
    app = await start(outbound_allow_loopback=False)
    inbox = await inboxes(app)
    await follow(app, "x", inbox.url, None)
    await to_followers(app, create())
    assert (await settle(app)).dead == 1
    assert inbox.received == []
    (failed,) = [f for f in await app[JOBS].failed() if f.kind == KIND]
    assert failed.state == "dead" and "loopback" in failed.error
    assert await app[JOBS].retry(failed.id) == 1  # the dashboard's button puts it back


def test_what_an_answer_means() -> None:
    now = 1_000_000.0
    assert isinstance(outcome(SendError("HTTP 403", 403), now), Fail)
    assert isinstance(outcome(SendError("10.0.0.1 is a private address", permanent=True), now), Fail)
    retry = outcome(SendError("HTTP 500", 500), now)
    assert isinstance(retry, Retry) and retry.delay is None  # the engine's backoff
    asked = outcome(SendError("HTTP 429", 429, headers={"Retry-After": "5"}), now)
    assert isinstance(asked, Retry) and asked.delay == 5
    dated = outcome(SendError("HTTP 503", 503, headers={"retry-after": "Mon, 12 Jan 1970 13:47:10 GMT"}), now)
    assert isinstance(dated, Retry) and dated.delay == 30  # an HTTP date: from now
    assert isinstance(outcome(SendError("timed out"), now), Retry)
    parked = outcome(SendError("HTTP 429", 429, headers={"Retry-After": "99999999"}), now, longest=3600)
    assert isinstance(parked, Retry) and parked.delay == 3600  # honoured, up to the longest backoff


def test_the_policy_backs_off_with_jitter_for_two_days() -> None:
    policy = DeliverySettings().policy()
    assert policy.give_up_after == 2 * 86400 and policy.retries > 100
    for attempts in range(1, 8):
        ceiling = min(policy.max_delay, policy.backoff * 2 ** (attempts - 1))
        assert ceiling / 2 <= policy.delay(attempts) <= ceiling


async def test_the_old_queues_pending_deliveries_go_out_after_the_upgrade(
    start: Start, inboxes: Any, fed_config: DaemonConfig
) -> None:
    """A database from before deliveries were jobs: its pending rows become jobs at start-up, once."""
    db = Db(fed_config.database_path)
    await db.open()
    try:
        await KeyStore(db).ensure("aurora")
        holder = web.Application()
        holder[DB] = db
        inbox, other = await inboxes(holder), await inboxes(holder)

        def old_queue(d: Any) -> None:
            body = json.dumps(create())
            d.execute(
                "INSERT INTO fed_activities (id, actor, type, body, created_at, queued_at)"
                " VALUES (?, 'aurora', 'Create', ?, 1, 1)",
                [create()["id"], body],
            )
            for url, state in (
                (inbox.url, "pending"),
                (other.url, "done"),
                ("https://gone.test/inbox", "dead"),
            ):
                d.execute(
                    "INSERT INTO fed_deliveries (activity_id, inbox, host, state, next_at, created_at, updated_at)"
                    " VALUES (?, ?, 'h', ?, 0, 0, 0)",
                    [create()["id"], url, state],
                )
            d.conn.commit()

        await db.run(old_queue)
        app = await start()
        assert (await settle(app)).done == 1
        assert len(inbox.received) == 1 and other.received == []  # the pending one; the sent one not again
        left = await app[DB].run(lambda d: d.execute("SELECT COUNT(*) FROM fed_deliveries").fetchone()[0])
        assert left == 0
    finally:
        await db.close()
