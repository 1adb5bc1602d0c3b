from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestClient

from tunecamp.daemon.app import create_app
from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.config import DaemonConfig


async def test_healthy(client: TestClient) -> None:
    r = await client.get("/health")
    assert r.status == 200
    body = await r.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["disk"]["ok"]
    assert body["ffmpeg"]["ok"] and body["ffmpeg"]["path"]
    assert body["build"]["state"] == "idle"
    assert r.headers["Cache-Control"] == "no-store"


async def test_503_when_the_database_goes_away(client: TestClient) -> None:
    await client.app[DB].close()
    r = await client.get("/health")
    assert r.status == 503
    body = await r.json()
    assert body["status"] == "unavailable" and not body["database"]["ok"]
    # the rest keeps answering: the static site, and a clear 503 for what needs the database
    assert (await client.get("/")).status == 200
    login = await client.post("/api/auth/login", json={"username": "a", "password": "b"})
    assert login.status == 503 and "database" in (await login.json())["error"]


async def test_503_when_the_database_cannot_be_opened(
    aiohttp_client: Callable[..., Awaitable[TestClient]], config: DaemonConfig
) -> None:
    config.data_dir.mkdir(parents=True)
    config.database_path.write_bytes(b"garbage, not sqlite " * 200)
    client = await aiohttp_client(create_app(config))
    r = await client.get("/health")
    assert r.status == 503
    assert "DatabaseError" in (await r.json())["database"]["error"]
    assert (await client.get("/")).status == 200


async def test_503_when_the_disk_is_full(
    aiohttp_client: Callable[..., Awaitable[TestClient]], config: DaemonConfig
) -> None:
    from dataclasses import replace

    client = await aiohttp_client(create_app(replace(config, min_free_disk_mb=10**9)))
    r = await client.get("/health")
    assert r.status == 503 and not (await r.json())["disk"]["ok"]
