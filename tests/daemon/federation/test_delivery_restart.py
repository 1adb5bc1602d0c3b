"""The daemon restarted in the middle of a delivery run: nothing lost, nothing acknowledged sent twice.

The whole app on one data folder, twice: the first publishes a release to four inboxes on
127.0.0.1, three answer and one hangs; the daemon stops with that one in flight; the second
daemon, started on the same database, delivers it, and never again the three that were
acknowledged. Once with a clean stop of the app (the engine hands the unfinished job back), once
with `kill -9` of a real `tunecamp serve` process (the job goes again once its heartbeat lapsed:
TUNECAMP_DELIVERY_HEARTBEAT)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from fedsite import Site
from serve_process import free_port, serve_command, wait_healthy

from tunecamp.daemon.app import create_app
from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.federation import delivery
from tunecamp.daemon.federation.delivery import DeliverySettings
from tunecamp.daemon.jobs import JOBS

pytestmark = pytest.mark.slow
SETTINGS = DeliverySettings(heartbeat=3.0, base_delay=0.1, max_delay=0.5)
DONE = "SELECT COUNT(*) FROM jobs WHERE kind = 'federation.deliver' AND state = 'done'"  # the SQLite engine's


class Inboxes:
    """Four loopback inboxes; the last hangs on its POSTs until `hang` is false."""

    def __init__(self) -> None:
        self.received: dict[int, list[str]] = {n: [] for n in range(4)}
        self.hang = True
        self.released = asyncio.Event()  # set at the end: nothing hangs past the test
        self.servers: list[TestServer] = []

    def handler(self, n: int) -> Any:
        async def handle(request: web.Request) -> web.Response:
            body = await request.json()
            self.received[n].append(body["id"])
            if n == 3 and self.hang:
                await self.released.wait()
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
    made.released.set()
    for server in made.servers:
        await server.close()


async def start_daemon(config: DaemonConfig) -> TestServer:
    app = create_app(config)
    delivery.configure(app, SETTINGS)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


async def wait(condition: Any, what: str, timeout: float = 15, expected: Any = True) -> None:
    deadline = time.monotonic() + timeout
    while await condition() != expected:
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


async def test_a_restart_mid_run_loses_and_duplicates_nothing(config: DaemonConfig, inboxes: Inboxes) -> None:
    config = dataclasses.replace(config, outbound_allow_loopback=True, shutdown_timeout=1)
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
        lambda: first.app[DB].run(lambda db: db.execute(DONE).fetchone()[0] == 3),
        "three acknowledgements were not recorded",
    )
    await first.close()  # stopped with the fourth in flight: handed back to the queue

    inboxes.hang = False
    second = await start_daemon(config)
    try:
        await wait(
            lambda: second.app[DB].run(lambda db: db.execute(DONE).fetchone()[0] == 4),
            "the interrupted delivery was lost",
        )
        await asyncio.sleep(
            3.5
        )  # longer than a heartbeat: anything left to send again would have gone by now
    finally:
        await second.close()
    create = f"{site.base}/ap/releases/dawn/create.json"
    assert [inboxes.received[n] for n in range(3)] == [[create]] * 3  # acknowledged: sent once
    assert inboxes.received[3] == [create, create]  # cut off, then delivered


def _count(data: Path, sql: str) -> int:
    with contextlib.closing(sqlite3.connect(data / "tunecamp.db")) as db:
        try:
            return int(db.execute(sql).fetchone()[0])
        except sqlite3.OperationalError:  # not migrated yet
            return -1


def _follow(data: Path, urls: list[str]) -> None:
    with contextlib.closing(sqlite3.connect(data / "tunecamp.db", timeout=10)) as db:
        for n, url in enumerate(urls):
            db.execute(
                "INSERT INTO fed_followers (username, actor, inbox, shared_inbox, follow_id, follow, state, created_at)"
                " VALUES ('aurora', ?, ?, NULL, ?, '{}', 'accepted', '2026-01-01')",
                [f"https://fan{n}.example/u", url, f"https://fan{n}.example/u#f"],
            )
        db.commit()


async def test_a_killed_serve_process_loses_and_duplicates_nothing(
    tmp_path: Path, site: Path, inboxes: Inboxes
) -> None:
    content, data = tmp_path / "content", tmp_path / "data"
    content.mkdir(exist_ok=True)
    fed = Site(site)
    fed.publish("tides")
    urls = await inboxes.start()
    env = {**os.environ, "TUNECAMP_OUTBOUND_ALLOW_LOOPBACK": "true", "TUNECAMP_DELIVERY_HEARTBEAT": "5"}

    async def serve() -> subprocess.Popen[bytes]:
        port = free_port()
        process = subprocess.Popen(
            serve_command(content, site, data, port),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        healthy = await asyncio.to_thread(wait_healthy, process, f"http://127.0.0.1:{port}", 300)
        assert healthy, "tunecamp serve did not start"
        return process

    first = await serve()
    try:
        await wait(
            lambda: asyncio.to_thread(_count, data, "SELECT COUNT(*) FROM fed_published"),
            "the first sync never happened",
            expected=1,
        )
        await asyncio.to_thread(_follow, data, urls)
        fed.publish("dawn")

        async def four_reached() -> bool:
            return all(inboxes.received[n] for n in range(4))

        await wait(four_reached, "the first daemon did not deliver")
        await wait(lambda: asyncio.to_thread(_count, data, DONE), "acks not recorded", expected=3)
    finally:
        first.kill()  # SIGKILL: no cleanup at all, the fourth stays 'running' with a heartbeat that lapses
        first.wait()

    inboxes.hang = False
    second = await serve()
    try:
        await wait(
            lambda: asyncio.to_thread(_count, data, DONE),
            "the killed delivery was lost",
            timeout=30,
            expected=4,
        )
        await asyncio.sleep(
            5.5
        )  # longer than a heartbeat: anything left to send again would have gone by now
    finally:
        second.terminate()
        second.wait()
    create = f"{fed.base}/ap/releases/dawn/create.json"
    assert [inboxes.received[n] for n in range(3)] == [[create]] * 3  # acknowledged: sent once
    assert inboxes.received[3] == [create, create]  # cut off by the kill, then delivered


def worker_command(data: Path, content: Path, public: Path) -> list[str]:
    return [
        sys.executable, "-c", "from tunecamp.daemon.cli import main; main()", "worker",
        "--kinds", "federation.deliver", "--data", str(data), "--content", str(content),
    ]  # fmt: skip


async def test_a_killed_worker_on_redis_loses_and_duplicates_nothing(
    config: DaemonConfig, inboxes: Inboxes, redis_url: str
) -> None:
    """With Redis: the web process only queues; a `tunecamp worker` delivers, is SIGKILLed with one
    delivery in flight, and a second worker sends that one once its heartbeat has lapsed."""
    config = dataclasses.replace(
        config, outbound_allow_loopback=True, redis_url=redis_url, jobs_in_process="off", shutdown_timeout=1
    )
    urls = await inboxes.start()
    web_app = create_app(config)
    runner = web.AppRunner(web_app)
    await runner.setup()  # the web side: queues, sends nothing
    env = {
        **os.environ,
        "TUNECAMP_OUTBOUND_ALLOW_LOOPBACK": "true",
        "TUNECAMP_REDIS_URL": redis_url,
        "TUNECAMP_DELIVERY_HEARTBEAT": "3",
        "TUNECAMP_JOBS_POLL": "0.2",
        "TUNECAMP_PUBLIC_DIR": str(config.public_dir),
    }

    def start_worker() -> subprocess.Popen[bytes]:
        command = worker_command(config.data_dir, config.content_dir, config.public_dir)
        return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    create = {
        "id": "http://site.test/ap/releases/dawn/create.json",
        "type": "Create",
        "actor": "http://site.test/a",
    }
    first = start_worker()
    try:
        await delivery.deliverer(web_app)("aurora", create, urls)
        assert web_app[delivery.WORKER].stats.sent == 0  # this process only queued

        async def four_reached() -> bool:
            return all(inboxes.received[n] for n in range(4))

        await wait(four_reached, "the first worker did not deliver", timeout=120)

        async def three_done() -> int:
            return (await web_app[JOBS].counts())["federation.deliver"].done

        await wait(three_done, "acks not recorded", expected=3)
    finally:
        first.kill()  # SIGKILL: the fourth stays in flight, its heartbeat lapses
        first.wait()
    inboxes.hang = False
    second = start_worker()
    try:
        await wait(three_done, "the killed delivery was lost", timeout=120, expected=4)
        await asyncio.sleep(4)  # longer than a heartbeat: anything left to send again would have gone
    finally:
        second.terminate()
        second.wait()
        await runner.cleanup()
    assert [inboxes.received[n] for n in range(3)] == [[create["id"]]] * 3  # acknowledged: sent once
    assert inboxes.received[3] == [create["id"], create["id"]]  # cut off by the kill, then delivered
