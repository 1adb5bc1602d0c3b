"""Two daemons sharing one data directory and one Redis: the chat as one room across processes.

Each test runs two apps on their own loopback servers (what two `tunecamp serve` processes behind a
proxy are to the chat): a socket on one sees what is posted, deleted and banned on the other, the
rate limits count both, and Redis going away mid-run loses nothing once it is back.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import WSCloseCode, WSMsgType
from aiohttp.test_utils import TestClient

from tests.daemon.chat.wire import WS, bearer, heard, join, say, until
from tests.shared_state import RedisProcess
from tunecamp.daemon.app import create_app
from tunecamp.daemon.chat.redis_broadcast import RedisBroadcaster
from tunecamp.daemon.chat.service import CHAT
from tunecamp.daemon.config import DaemonConfig, Rate

TwoChats = Callable[..., Awaitable[tuple[TestClient, TestClient]]]


@pytest.fixture
def backend_url(redis_url: str) -> str:
    return redis_url  # these tests are about Redis only


@pytest.fixture
def two_chats(aiohttp_client: Callable[..., Awaitable[TestClient]], config: DaemonConfig) -> TwoChats:
    """await two_chats(**settings): two apps on one data directory and one Redis."""

    async def make(**settings: Any) -> tuple[TestClient, TestClient]:
        shared = dataclasses.replace(config, **settings)
        a = await aiohttp_client(create_app(shared))
        b = await aiohttp_client(create_app(shared))
        return a, b

    return make


async def test_a_socket_on_one_process_hears_what_is_said_and_deleted_on_the_other(
    two_chats: TwoChats, add_user: Any, token_for: Any
) -> None:
    a, b = await two_chats()
    await add_user(a.app, "ana", "listener")
    await add_user(a.app, "cora", "curator")
    ana = await a.ws_connect(WS, headers=bearer(await token_for(a.app, "ana")))
    cora = await b.ws_connect(WS, headers=bearer(await token_for(b.app, "cora")))
    await join(ana)
    await join(cora)
    assert isinstance(a.app[CHAT].broadcaster, RedisBroadcaster)
    await say(cora, "from b")
    message = await heard(ana, "from b")
    await say(ana, "from a")
    await heard(cora, "from a")
    await cora.send_json({"type": "delete", "id": message["id"]})
    assert (await until(ana, "deleted"))["id"] == message["id"]
    # one process's sockets are its own to count
    assert a.app[CHAT].broadcaster.listeners("lobby") == 1 == b.app[CHAT].broadcaster.listeners("lobby")


async def test_a_ban_on_one_process_closes_the_socket_on_the_other(
    two_chats: TwoChats, add_user: Any, token_for: Any
) -> None:
    a, b = await two_chats()
    await add_user(a.app, "ana", "listener")
    await add_user(a.app, "cora", "curator")
    ana = await b.ws_connect(WS, headers=bearer(await token_for(b.app, "ana")))
    await join(ana)
    banned = await a.post(
        "/api/chat/sanctions",
        json={"kind": "ban", "user": "ana"},
        headers=bearer(await token_for(a.app, "cora")),
    )
    assert banned.status == 201
    assert (await until(ana, "error"))["reason"] == "banned"
    assert (await ana.receive(timeout=5)).type in (WSMsgType.CLOSE, WSMsgType.CLOSED)


async def test_the_rate_of_an_account_counts_its_posts_on_every_process(
    two_chats: TwoChats, add_user: Any, token_for: Any
) -> None:
    a, b = await two_chats(chat_rate_user=Rate(3, 600), chat_rate_address=Rate(100, 10))
    await add_user(a.app, "ana", "listener")
    token = await token_for(a.app, "ana")
    on_a = await a.ws_connect(WS, headers=bearer(token))
    on_b = await b.ws_connect(WS, headers=bearer(token))
    await join(on_a)
    await join(on_b)
    for i, ws in enumerate((on_a, on_b, on_a)):
        await say(ws, f"{i}")
        await heard(ws, f"{i}")
    await say(on_b, "one too many")
    error = await until(on_b, "error")
    assert error["reason"] == "rate" and 190 <= error["retry_after"] <= 200


async def test_redis_going_away_keeps_each_process_talking_and_catches_up_after(
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    config: DaemonConfig,
    own_redis: RedisProcess,
    add_user: Any,
    token_for: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    shared = dataclasses.replace(config, redis_url=own_redis.url)
    a = await aiohttp_client(create_app(shared))
    b = await aiohttp_client(create_app(shared))
    await add_user(a.app, "ana", "listener")
    await add_user(a.app, "ben", "listener")
    ana = await a.ws_connect(WS, headers=bearer(await token_for(a.app, "ana")))
    ben = await b.ws_connect(WS, headers=bearer(await token_for(b.app, "ben")))
    await join(ana)
    _, history = await join(ben)
    last_seen = max([m["id"] for m in history["messages"]], default=0)
    caplog.set_level(logging.WARNING, "tunecamp")

    own_redis.stop()
    await say(ana, "while redis is away")  # stored, and heard on this process
    await heard(ana, "while redis is away")
    assert "chat fan-out: Redis unreachable" in caplog.text

    own_redis.start()
    # back: every socket is closed with 1012 and reconnects, joining with `since`
    for ws in (ana, ben):
        frame = await ws.receive(timeout=30)
        while frame.type == WSMsgType.TEXT:
            frame = await ws.receive(timeout=30)
        assert frame.type == WSMsgType.CLOSE and frame.data == WSCloseCode.SERVICE_RESTART, frame
    assert "Redis answers again" in caplog.text
    ben = await b.ws_connect(WS, headers=bearer(await token_for(b.app, "ben")))
    _, caught_up = await join(ben, since=last_seen)
    assert [m["text"] for m in caught_up["messages"]] == ["while redis is away"]
    ana = await a.ws_connect(WS, headers=bearer(await token_for(a.app, "ana")))
    await join(ana)
    await asyncio.wait_for(b.app[CHAT].broadcaster.listening.wait(), 30)  # type: ignore[attr-defined]
    await say(ben, "together again")
    await heard(ana, "together again")
