"""A real `tunecamp worker` process runs the crawl the dashboard queued, exports and asks for the build.

The web side is an app of `create_app` that only queues (TUNECAMP_JOBS_IN_PROCESS=off, as
`tunecamp serve` on Redis); the worker is the command itself, a subprocess reading the same
settings from its environment: one data folder (SQLite, WAL), and on Redis one Redis. The seed is
the loopback Node TuneCamp server of conftest.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from waiting import until

from tunecamp.daemon.app import create_app
from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.discovery import store
from tunecamp.daemon.discovery.crawl_job import KIND

from .conftest import NodePeer
from .test_crawl_job import sign_in


@pytest.fixture(params=["sqlite", "redis"])
async def web_and_env(
    request: pytest.FixtureRequest,
    config: DaemonConfig,
    node_peer: NodePeer,
    aiohttp_client: Callable[..., Awaitable[TestClient]],
) -> AsyncIterator[tuple[TestClient, dict[str, str]]]:
    redis_url = request.getfixturevalue("redis_url") if request.param == "redis" else ""
    (config.content_dir / "catalog.yaml").write_text("title: Home\nbase_url: http://127.0.0.1:1\n")
    shared = replace(
        config,
        federation_seeds=node_peer.origin,
        discovery_interval=0,
        outbound_allow_loopback=True,
        redis_url=redis_url,
        jobs_in_process="off",
    )
    client = await aiohttp_client(create_app(shared))
    env = {
        **os.environ,
        "TUNECAMP_CONTENT_DIR": str(config.content_dir),
        "TUNECAMP_PUBLIC_DIR": str(config.public_dir),
        "TUNECAMP_DATA_DIR": str(config.data_dir),
        "TUNECAMP_FEDERATION_SEEDS": node_peer.origin,
        "TUNECAMP_OUTBOUND_ALLOW_LOOPBACK": "true",
        "TUNECAMP_DISCOVERY_INTERVAL": "0",
        "TUNECAMP_BUILD_TRANSCODE": "false",
        "TUNECAMP_JOBS_POLL": "0.1",
        "TUNECAMP_REDIS_URL": redis_url,
    }
    yield client, env


async def test_a_worker_process_crawls_exports_and_asks_for_the_build(
    web_and_env: tuple[TestClient, dict[str, str]], add_user: Any
) -> None:
    client, env = web_and_env
    csrf = await sign_in(client, add_user)
    r = await client.post("/admin/discovery/crawl", data={"csrf": csrf}, allow_redirects=False)
    assert "crawl%20queued" in r.headers["Location"]
    cli = [sys.executable, "-c", "from tunecamp.daemon.cli import main; main()"]
    worker = subprocess.Popen(
        [*cli, "worker", "--kinds", KIND],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    db = client.app[DB]
    try:

        async def crawled() -> bool:
            rows = await db.run(lambda d: store.crawls(d))
            return bool(rows) and rows[0]["finished_at"] is not None

        async def built() -> bool:
            row = await db.run(
                lambda d: d.execute(
                    "SELECT state FROM builds WHERE reason = 'the network of instances changed'"
                ).fetchone()
            )
            return row is not None and row[0] != "running"

        await until(crawled, "the worker's crawl", timeout=120)
        await until(built, "the build the crawl's export asked for", timeout=180)
    finally:
        worker.terminate()
        _, errors = worker.communicate(timeout=60)
    assert worker.returncode == 0, errors
    [crawl] = await db.run(lambda d: store.crawls(d))
    assert crawl["trigger"] == "dashboard" and crawl["reached"] == 1 and not crawl["error"]
    [instance] = await db.run(lambda d: store.instances(d))
    assert instance["origin"] == env["TUNECAMP_FEDERATION_SEEDS"]
    network = json.loads((Path(env["TUNECAMP_DATA_DIR"]) / "network.json").read_text())
    assert [i["origin"] for i in network["instances"]] == [instance["origin"]]
