"""The daemon restarted in the middle of a delivery run: nothing lost, nothing acknowledged sent twice.

The whole app on one data folder, twice: the first publishes a release to four inboxes on
127.0.0.1, three answer and one hangs; the daemon stops with that one in flight; the second
daemon, started on the same database, delivers it once its claim's lease has run out, and
never again the three that were acknowledged."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from fedsite import Site

from tunecamp.daemon.app import create_app
from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.federation import delivery
from tunecamp.daemon.federation.delivery import DeliverySettings

pytestmark = pytest.mark.slow
SETTINGS = DeliverySettings(lease=3.0, base_delay=0.1, max_delay=0.5, idle_poll=0.2)


class Inboxes:
    """Four loopback inboxes; the last hangs on its first POST."""

    def __init__(self) -> None:
        self.received: dict[int, list[str]] = {n: [] for n in range(4)}
        self.hang = True
        self.servers: list[TestServer] = []

    def handler(self, n: int) -> Any:
        async def handle(request: web.Request) -> web.Response:
            body = await request.json()
            self.received[n].append(body["id"])
            if n == 3 and self.hang:
                await asyncio.sleep(60)
            return web.Response(status=202)

        return handle

    async def start(self) -> list[str]:
        urls = []
        for n in range(4):
            app = web.Application()
            app.router.add_post("/inbox", self.handler(n))
            server = TestServer(app, host="127.0.0.1")
            await server.start_server()
            self.servers.append(server)
            urls.append(str(server.make_url("/inbox")))
        return urls


@pytest.fixture
async def inboxes() -> AsyncIterator[Inboxes]:
    made = Inboxes()
    yield made
    for server in made.servers:
        await server.close()


async def start_daemon(config: DaemonConfig) -> TestServer:
    app = create_app(config)
    app[delivery.SETTINGS] = SETTINGS
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


async def wait(condition: Any, what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


async def test_a_restart_mid_run_loses_and_duplicates_nothing(config: DaemonConfig, inboxes: Inboxes) -> None:
    config = dataclasses.replace(config, outbound_allow_loopback=True)
    site = Site(config.public_dir)
    site.publish("tides")
    urls = await inboxes.start()
    first = await start_daemon(config)

    def follow(db: Any) -> None:
        for n, url in enumerate(urls):
            db.execute(
                "INSERT INTO fed_followers (username, actor, inbox, shared_inbox, follow_id, follow, state, created_at)"
                " VALUES ('aurora', ?, ?, NULL, ?, '{}', 'accepted', '2026-01-01')",
                [f"https://fan{n}.example/u", url, f"https://fan{n}.example/u#f"],
            )
        db.conn.commit()

    # tides was published before anyone followed: recorded, not sent
    await wait(
        lambda: first.app[DB].run(
            lambda db: db.execute("SELECT COUNT(*) FROM fed_published").fetchone()[0] == 1
        ),
        "the first sync never happened",
    )
    await first.app[DB].run(follow)
    site.publish("dawn")  # a build: the publisher sees the new manifest and queues four deliveries

    async def three_answered_one_hanging() -> bool:
        return all(inboxes.received[n] for n in range(4))

    await wait(three_answered_one_hanging, "the first daemon did not deliver")
    await wait(
        lambda: first.app[DB].run(
            lambda db: (
                db.execute("SELECT COUNT(*) FROM fed_deliveries WHERE state = 'done'").fetchone()[0] == 3
            )
        ),
        "three acknowledgements were not recorded",
    )
    await first.close()  # stopped with the fourth in flight: its claim stays leased

    inboxes.hang = False
    second = await start_daemon(config)
    try:
        await wait(
            lambda: second.app[DB].run(
                lambda db: (
                    db.execute("SELECT COUNT(*) FROM fed_deliveries WHERE state = 'done'").fetchone()[0] == 4
                )
            ),
            "the interrupted delivery was lost",
        )
        await asyncio.sleep(3.5)  # longer than a lease: anything left to send again would have gone by now
    finally:
        await second.close()
    create = f"{site.base}/ap/releases/dawn/create.json"
    assert [inboxes.received[n] for n in range(3)] == [[create]] * 3  # acknowledged: sent once
    assert inboxes.received[3] == [create, create]  # cut off, then delivered
