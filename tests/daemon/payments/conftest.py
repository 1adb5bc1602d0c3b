"""Fixtures of the payments tests: the really built shop, a daemon on the embedded demo chain."""

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
def app_with(
    aiohttp_client: Callable[..., Awaitable[TestClient]], shop: Shop
) -> Callable[..., Awaitable[TestClient]]:
    async def make(**settings: object) -> TestClient:
        return await aiohttp_client(create_app(replace(shop.config, **settings)))

    return make


@pytest.fixture
async def client(app_with: Callable[..., Awaitable[TestClient]]) -> TestClient:
    return await app_with()
