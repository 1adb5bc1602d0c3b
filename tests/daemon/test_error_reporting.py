"""Sentry: an error event reaches a loopback DSN, without personal data."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
import sentry_sdk
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tunecamp.daemon.app import FEATURES, create_app
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.error_reporting import FILTERED, init_sentry, scrub
from tunecamp.daemon.roles import PUBLIC, requires


@pytest.fixture
def reset_sentry() -> Iterator[None]:
    yield
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: back to a client that sends nothing


async def test_an_error_event_arrives_scrubbed(
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    config: DaemonConfig,
    reset_sentry: None,
) -> None:
    received: list[bytes] = []

    async def envelope(request: web.Request) -> web.Response:
        received.append(await request.read())  # aiohttp has already undone any Content-Encoding
        return web.json_response({"id": "0"})

    sentry_app = web.Application()
    sentry_app.router.add_post("/api/1/envelope/", envelope)
    fake_sentry = await aiohttp_server(sentry_app)
    assert init_sentry(f"http://publickey@127.0.0.1:{fake_sentry.port}/1", component="test")

    @requires(PUBLIC)
    async def broken(request: web.Request) -> web.Response:
        password = request.headers["X-Api-Key"][::-1]  # noqa: F841 - a local variable Sentry would capture
        raise RuntimeError("the thing broke")

    def add_broken(app: web.Application) -> None:
        app.router.add_get("/broken", broken)

    client = await aiohttp_client(create_app(config, features=(*FEATURES, add_broken)))
    r = await client.get(
        "/broken?token=sekrit-query",
        headers={"X-Api-Key": "sekrit-header", "Cookie": "tunecamp_session=sekrit-cookie"},
    )
    assert r.status == 500 and "sekrit" not in await r.text()
    await asyncio.to_thread(sentry_sdk.flush, 5)
    for _ in range(50):
        if received:
            break
        await asyncio.sleep(0.1)
    assert received, "no event reached the loopback DSN"
    raw = b"\n".join(received)
    assert b"the thing broke" in raw and b"RuntimeError" in raw
    for secret in (
        b"sekrit-query",
        b"sekrit-header",
        b"sekrit-cookie",
        b"sekrit-header"[::-1],
        b'127.0.0.1"}',
    ):
        assert secret not in raw, secret
    events = [
        json.loads(line) for line in raw.splitlines() if line.startswith(b"{") and b'"exception"' in line
    ]
    assert events and events[0]["tags"]["component"] == "test"


def test_scrub_drops_personal_data() -> None:
    event: dict[str, Any] = {
        "request": {
            "url": "http://x/rest/ping?u=a&p=secret",
            "query_string": "u=a&p=secret",
            "cookies": {"a": "b"},
            "data": {"password": "x"},
            "headers": {"Authorization": "Bearer x", "Accept": "*/*"},
        },
        "user": {"id": 3, "ip_address": "10.0.0.9", "email": "a@b", "username": "alice"},
        "extra": {"nested": [{"api_key": "k", "ok": 1}], "subsonic_salt": "s"},
        "server_name": "my-laptop",
    }
    clean = scrub(event)
    assert clean["request"] == {
        "url": "http://x/rest/ping",
        "headers": {"Authorization": FILTERED, "Accept": "*/*"},
    }
    assert clean["user"] == {"id": 3}
    assert clean["extra"] == {"nested": [{"api_key": FILTERED, "ok": 1}], "subsonic_salt": FILTERED}
    assert "server_name" not in clean


def test_no_dsn_no_sentry() -> None:
    assert init_sentry(None, "test") is False and init_sentry("", "test") is False
