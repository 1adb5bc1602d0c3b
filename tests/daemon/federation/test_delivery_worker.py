"""The delivery worker against real inboxes on 127.0.0.1: one POST per shared inbox, signed
at send time and re-signed on retry, backoff, Retry-After, 410 Gone, dead letters, a slow host,
and a worker killed mid-run that loses and duplicates nothing."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tunecamp.daemon.db import Db
from tunecamp.daemon.federation import delivery, sending
from tunecamp.daemon.federation.delivery import DeliverySettings, DeliveryWorker, next_attempt
from tunecamp.daemon.federation.keys import KeyStore
from tunecamp.daemon.federation.queue import Activity, Delivery, SqliteQueue
from tunecamp.daemon.federation.sending import SendError
from tunecamp.daemon.federation.signatures import SignedRequest, load_public, verify
from tunecamp.daemon.outbound import Outbound, OutboundConfig

ACTOR = "http://site.test/ap/artists/aurora.json"
FAST = DeliverySettings(concurrency=8, per_host=2, lease=30, base_delay=0.05, max_delay=0.2, idle_poll=0.2)


@dataclass
class Inbox:
    """A loopback inbox that verifies each POST's signature and answers from a script."""

    keys: KeyStore
    script: list[int | tuple[int, dict[str, str]]] = field(default_factory=list)
    delay: float = 0.0
    received: list[dict[str, Any]] = field(default_factory=list)
    server: TestServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/inbox"))

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()

        async def resolve(key_id: str, refresh: bool) -> Any:
            assert key_id == f"{ACTOR}#main-key"
            key = await self.keys.get("aurora")
            assert key is not None
            return load_public(key.public_pem)

        signed = SignedRequest(request.method, (str(request.url),), request.headers, body)
        verified = await verify(signed, resolve)
        self.received.append(
            {
                "id": json.loads(body)["id"],
                "date": request.headers["Date"],
                "scheme": verified.scheme,
                "signature": request.headers["Signature"],
            }
        )
        if self.delay:
            await asyncio.sleep(self.delay)
        answer = self.script.pop(0) if self.script else 202
        status, headers = answer if isinstance(answer, tuple) else (answer, {})
        return web.Response(status=status, headers=headers)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Db]:
    database = Db(tmp_path / "tunecamp.db")
    await database.open()
    yield database
    await database.close()


@pytest.fixture
async def keys(db: Db) -> KeyStore:
    store = KeyStore(db)
    await store.ensure("aurora")
    return store


@pytest.fixture
async def outbound() -> AsyncIterator[Outbound]:
    client = Outbound(OutboundConfig(allow_loopback=True, timeout=5))
    yield client
    await client.close()


@pytest.fixture
async def inboxes(keys: KeyStore) -> AsyncIterator[Callable[..., Awaitable[Inbox]]]:
    servers: list[TestServer] = []

    async def make(*script: int | tuple[int, dict[str, str]], delay: float = 0.0) -> Inbox:
        inbox = Inbox(keys, list(script), delay)
        app = web.Application()
        app.router.add_post("/inbox", inbox.handle)
        app.router.add_post("/users/{name}/inbox", inbox.handle)
        inbox.server = TestServer(app, host="127.0.0.1")
        await inbox.server.start_server()
        servers.append(inbox.server)
        return inbox

    yield make
    for server in servers:
        await server.close()


def worker_for(db: Db, outbound: Outbound, settings: DeliverySettings = FAST) -> DeliveryWorker:
    return DeliveryWorker(
        SqliteQueue(db),
        sending.outbound_sender(outbound),
        sending.signing_keys(db),
        sending.follows_gone(db),
        settings,
    )


def create(n: int = 1) -> Activity:
    body = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{ACTOR}#create-{n}",
        "type": "Create",
        "actor": ACTOR,
        "object": {"id": f"http://site.test/note/{n}", "type": "Note"},
    }
    return Activity(body["id"], "aurora", body)


async def follow(db: Db, actor: str, inbox: str, shared: str | None) -> None:
    def insert(database: Any) -> None:
        database.execute(
            "INSERT INTO fed_followers (username, actor, inbox, shared_inbox, follow_id, follow, state, created_at)"
            " VALUES ('aurora', ?, ?, ?, ?, '{}', 'accepted', '2026-01-01T00:00:00+00:00')",
            [actor, inbox, shared, actor + "#follow"],
        )
        database.conn.commit()

    await db.run(insert)


async def enqueue_to_followers(db: Db, worker: DeliveryWorker, activity: Activity) -> int:
    from tunecamp.daemon.federation import audience

    targets = await db.run(lambda database: audience.inboxes(database, ["aurora"]))
    added = await worker.queue.enqueue(activity, targets)
    worker.wake()
    return added


async def test_one_signed_post_per_shared_inbox(db: Db, outbound: Outbound, inboxes: Any) -> None:
    shared, lone = await inboxes(), await inboxes()
    for n in range(5):  # five followers on one server: one POST to its shared inbox
        await follow(
            db, f"{shared.url[:-6]}/users/fan{n}", f"{shared.url[:-6]}/users/fan{n}/inbox", shared.url
        )
    await follow(db, f"{lone.url[:-6]}/users/solo", lone.url, None)  # no shared inbox: its own
    worker = worker_for(db, outbound)
    async with delivery.running(worker):
        assert await enqueue_to_followers(db, worker, create()) == 2
        await worker.drain(10)
    assert len(shared.received) == 1 and len(lone.received) == 1
    assert (
        shared.received[0]["scheme"] == "cavage"
        and 'algorithm="rsa-sha256"' in shared.received[0]["signature"]
    )
    assert 'headers="(request-target) host date digest"' in shared.received[0]["signature"]
    assert (await worker.queue.counts()).done == 2


async def test_a_500_is_retried_after_retry_after_and_signed_again(
    db: Db, outbound: Outbound, inboxes: Any
) -> None:
    flaky = await inboxes((500, {"Retry-After": "1"}), 200)
    await follow(db, "x", flaky.url, None)
    worker = worker_for(db, outbound)
    async with delivery.running(worker):
        await enqueue_to_followers(db, worker, create())
        started = time.monotonic()
        await worker.drain(10)
    assert len(flaky.received) == 2
    assert time.monotonic() - started >= 1.0  # Retry-After honoured over the 50 ms backoff
    first, second = flaky.received
    assert first["date"] != second["date"] and first["signature"] != second["signature"]
    assert (await worker.queue.counts()).done == 1


async def test_410_removes_the_followers_of_that_inbox(db: Db, outbound: Outbound, inboxes: Any) -> None:
    gone, alive = await inboxes(410), await inboxes()
    await follow(db, "https://gone.example/users/a", "https://gone.example/users/a/inbox", gone.url)
    await follow(db, "https://gone.example/users/b", "https://gone.example/users/b/inbox", gone.url)
    await follow(db, "https://alive.example/users/c", alive.url, None)
    worker = worker_for(db, outbound)
    async with delivery.running(worker):
        await enqueue_to_followers(db, worker, create())
        await worker.drain(10)
    followers = await db.run(lambda d: [r[0] for r in d.execute("SELECT actor FROM fed_followers")])
    assert followers == ["https://alive.example/users/c"]
    assert len(gone.received) == 1  # not retried
    (row,) = await worker.queue.failed(10)
    assert row["last_status"] == 410 and row["state"] == "dead" and "2 follow(s)" in row["last_error"]


@pytest.mark.parametrize(
    ("status", "attempts", "state"),
    [
        (403, 1, "dead"),
        (404, 1, "dead"),
        (401, 3, "done"),
        (429, 3, "done"),
        (408, 3, "done"),
        (503, 3, "done"),
    ],
)
async def test_which_answers_are_retried(
    db: Db, outbound: Outbound, inboxes: Any, status: int, attempts: int, state: str
) -> None:
    inbox = await inboxes(status, status, 202)
    await follow(db, "x", inbox.url, None)
    worker = worker_for(db, outbound)
    async with delivery.running(worker):
        await enqueue_to_followers(db, worker, create())
        await worker.drain(10)
    assert len(inbox.received) == attempts
    row = await db.run(lambda d: d.execute("SELECT state, last_status FROM fed_deliveries").fetchone())
    assert row[0] == state


async def test_a_slow_inbox_does_not_hold_up_the_others(db: Db, outbound: Outbound, inboxes: Any) -> None:
    slow = await inboxes(delay=2.0)
    fast = [await inboxes() for _ in range(4)]
    for n, inbox in enumerate([slow, *fast]):
        await follow(db, f"actor{n}", inbox.url, None)
    worker = worker_for(db, outbound)
    async with delivery.running(worker):
        await enqueue_to_followers(db, worker, create())
        started = time.monotonic()
        while sum(len(i.received) for i in fast) < 4:
            await asyncio.sleep(0.02)
        assert time.monotonic() - started < 1.5  # the fast ones did not wait for the slow one
        await worker.drain(10)
    assert len(slow.received) == 1


async def test_per_host_limit(db: Db, outbound: Outbound, inboxes: Any) -> None:
    slow = await inboxes(delay=0.3)
    worker = worker_for(db, outbound, DeliverySettings(concurrency=16, per_host=2, lease=30, idle_poll=0.2))
    seen: list[int] = []
    original = worker.send

    async def counting(inbox: str, body: bytes, headers: dict[str, str]) -> int:
        seen.append(worker.stats.in_flight)
        return await original(inbox, body, headers)

    worker.send = counting
    async with delivery.running(worker):
        for n in range(6):  # six activities to one host
            await worker.queue.enqueue(create(n), [slow.url])
        worker.wake()
        await worker.drain(10)
    assert len(slow.received) == 6 and max(seen) <= 2


async def test_a_worker_killed_mid_run_redelivers_without_duplicates(
    db: Db, outbound: Outbound, inboxes: Any
) -> None:
    fast = [await inboxes() for _ in range(3)]
    stuck = await inboxes(delay=30)
    for n, inbox in enumerate([*fast, stuck]):
        await follow(db, f"actor{n}", inbox.url, None)
    settings = DeliverySettings(concurrency=8, per_host=2, lease=1.0, base_delay=0.05, idle_poll=0.2)
    first = worker_for(db, outbound, settings)
    async with delivery.running(first):
        await enqueue_to_followers(db, first, create())
        while sum(len(i.received) for i in fast) < 3 or not stuck.received:
            await asyncio.sleep(0.02)
        while (await first.queue.counts()).done < 3:  # the fast ones acknowledged; the stuck one in flight
            await asyncio.sleep(0.02)
    # "killed": the stuck delivery's claim is still leased; a new worker takes it once the lease is out
    stuck.delay = 0
    second = worker_for(db, outbound, settings)
    async with delivery.running(second):
        await asyncio.sleep(1.2)
        await second.drain(10)
    assert [len(i.received) for i in fast] == [1, 1, 1]  # acknowledged: never sent again
    assert len(stuck.received) == 2  # the one cut off went again
    assert (await second.queue.counts()).done == 4


def test_backoff_grows_with_jitter_and_gives_up_after_two_days() -> None:
    settings = DeliverySettings()
    now = 1_000_000.0
    waits = []
    for attempts in range(6):
        d = Delivery(1, "a", "aurora", "{}", "https://x/inbox", "x", attempts, now)
        at = next_attempt(d, SendError("HTTP 500", 500), settings, now)
        assert at is not None
        waits.append(at - now)
        ceiling = min(settings.max_delay, settings.base_delay * 2**attempts)
        assert ceiling / 2 <= at - now <= ceiling
    assert waits[-1] > waits[0]
    old = Delivery(1, "a", "aurora", "{}", "https://x/inbox", "x", 30, now - 2 * 86400 + 10)
    assert next_attempt(old, SendError("HTTP 500", 500), settings, now) is None
    asked = next_attempt(old, SendError("HTTP 429", 429, headers={"Retry-After": "5"}), settings, now)
    assert asked == now + 5
    refused = SendError("10.0.0.1 is a private address", permanent=True)
    assert next_attempt(old, refused, settings, now) is None


async def test_an_inside_address_is_dead_lettered_at_once(db: Db, inboxes: Any) -> None:
    guarded = Outbound(OutboundConfig(allow_loopback=False, timeout=5))
    inbox = await inboxes()
    await follow(db, "x", inbox.url, None)
    worker = worker_for(db, guarded)
    try:
        async with delivery.running(worker):
            await enqueue_to_followers(db, worker, create())
            await worker.drain(10)
    finally:
        await guarded.close()
    assert inbox.received == []
    (row,) = await worker.queue.failed(10)
    assert row["state"] == "dead" and "loopback" in row["last_error"]
    assert await worker.queue.retry(row["id"]) == 1  # the dashboard's button puts it back
    assert (await worker.queue.counts()).pending == 1


@pytest.mark.parametrize("steps", range(6))
async def test_the_worker_stops_whenever_the_stop_arrives(db: Db, outbound: Outbound, steps: int) -> None:
    """A wake-up and the stop in the same few loop turns (as at shutdown, when the cancelled sends
    finish and wake the worker): the stop is never lost, whatever the interleaving."""
    worker = worker_for(db, outbound, DeliverySettings(idle_poll=30.0))
    task = asyncio.create_task(worker.run())
    await asyncio.sleep(0.1)  # napping, waiting for a wake-up
    worker.wake()
    for _ in range(steps):
        await asyncio.sleep(0)
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=2)
    assert done == {task} and task.cancelled(), "the worker went on after it was stopped"
