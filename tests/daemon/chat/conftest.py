"""Chat fixtures: a daemon with the chat on 127.0.0.1, a clock tests move, WebSocket helpers.

Every chat test runs twice: in-process, and with its fan-out and rate limits in Redis (`config`
takes `backend_url`, tests/shared_state.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tunecamp.daemon.app import create_app
from tunecamp.daemon.chat.service import CHAT
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.shared_limits import LIMITS


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def config(config: DaemonConfig, backend_url: str) -> DaemonConfig:
    return dataclasses.replace(config, redis_url=backend_url)


@pytest.fixture
def make_chat(
    aiohttp_client: Callable[..., Awaitable[TestClient]], config: DaemonConfig, clock: Clock
) -> Callable[..., Awaitable[TestClient]]:
    """await make_chat(**settings): a daemon whose config has these chat settings, on `clock`."""

    async def make(**settings: Any) -> TestClient:
        app = create_app(dataclasses.replace(config, **settings))
        app[CHAT].clock = clock
        app[LIMITS].clock = clock  # the rate limits in Redis move with it too
        return await aiohttp_client(app)

    return make


@pytest.fixture
async def chat(make_chat: Callable[..., Awaitable[TestClient]]) -> TestClient:
    return await make_chat()
