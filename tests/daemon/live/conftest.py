"""Live fixtures: the webm/opus stream, settings with short lingering, a daemon with an artist's account."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from livestudio import SECONDS, Studio, make_webm

from tunecamp.daemon.app import create_app
from tunecamp.daemon.config import DaemonConfig, Rate


@pytest.fixture(scope="session")
def webm(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return make_webm(tmp_path_factory.mktemp("live") / "tone.webm", SECONDS)


@pytest.fixture
def live_config(config: DaemonConfig) -> DaemonConfig:
    return dataclasses.replace(config, live_linger=0.5, live_chunk_rate=Rate(1000, 1))


@pytest.fixture
def make_studio(
    aiohttp_client: Callable[..., Awaitable[TestClient]], add_user: Any, token_for: Any
) -> Callable[..., Awaitable[Studio]]:
    """await make_studio(config): a daemon, and the account of artist "aurora" (a linked Listener)."""

    async def make(config: DaemonConfig, username: str = "aurora-account") -> Studio:
        client = await aiohttp_client(create_app(config))
        await add_user(client.app, username, "listener", artists=("aurora",))
        return Studio(client, {"Authorization": f"Bearer {await token_for(client.app, username)}"})

    return make
