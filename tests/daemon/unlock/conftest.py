"""Fixtures of the unlock tests: one really built shop per module, a fresh daemon app per test."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

import pytest
from aiohttp.test_utils import TestClient

from tests.daemon.unlock.shop import Shop, build_shop
from tunecamp.daemon.app import create_app


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Shop:
    return build_shop(tmp_path_factory.mktemp("shop"))


@pytest.fixture
async def client(aiohttp_client: Callable[..., Awaitable[TestClient]], shop: Shop) -> TestClient:
    return await aiohttp_client(create_app(shop.config))


@pytest.fixture
def app_with(
    aiohttp_client: Callable[..., Awaitable[TestClient]], shop: Shop
) -> Callable[..., Awaitable[TestClient]]:
    """await app_with(**settings): a client of a daemon with other settings over the same shop."""

    async def make(**settings: object) -> TestClient:
        return await aiohttp_client(create_app(replace(shop.config, **settings)))

    return make
