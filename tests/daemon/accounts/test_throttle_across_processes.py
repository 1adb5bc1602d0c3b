"""Two daemons on one data directory and one Redis: a sign-in throttled on one is throttled on the other.

What a guesser gains by spreading attempts over the processes behind a proxy is nothing; and when
Redis goes away each process goes on limiting on its own (never a 500, never a lock-out).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.shared_state import RedisProcess
from tunecamp.daemon.app import create_app
from tunecamp.daemon.config import DaemonConfig

PASSWORD = "correct horse battery"


async def login(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    return await client.post("/api/auth/login", json={"username": username, "password": password})


async def two_daemons(
    aiohttp_client: Callable[..., Awaitable[TestClient]], config: DaemonConfig, url: str
) -> tuple[TestClient, TestClient]:
    shared = dataclasses.replace(config, redis_url=url)
    return await aiohttp_client(create_app(shared)), await aiohttp_client(create_app(shared))


async def test_failures_on_one_process_throttle_the_other(
    aiohttp_client: Callable[..., Awaitable[TestClient]], config: DaemonConfig, redis_url: str, add_user: Any
) -> None:
    a, b = await two_daemons(aiohttp_client, config, redis_url)
    await add_user(a.app, "maria", "manager")
    for client in (a, b, a, b, a):  # the fixture allows 5 failures per account and address a minute
        assert (await login(client, "maria", "wrong password!")).status == 401
    limited = await login(b, "maria", "wrong password!")
    assert limited.status == 429 and int(limited.headers["Retry-After"]) >= 1
    assert (await login(a, "maria")).status == 429  # even the right password, from this address
    await add_user(a.app, "lee", "listener")
    assert (await login(b, "lee")).status == 200  # other accounts are not affected


async def test_without_redis_each_process_still_limits_and_nobody_gets_a_500(
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    config: DaemonConfig,
    own_redis: RedisProcess,
    add_user: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    a, b = await two_daemons(aiohttp_client, config, own_redis.url)
    await add_user(a.app, "maria", "manager")
    assert (await login(a, "maria")).status == 200
    caplog.set_level(logging.WARNING, "tunecamp")
    own_redis.stop()
    statuses = [(await login(a, "maria", "wrong password!")).status for _ in range(6)]
    assert statuses == [401] * 5 + [429]  # limited by the process itself
    assert (await login(b, "maria")).status == 200  # the other process's own count: maria gets in
    assert "shared rate limits: Redis unreachable" in caplog.text
