"""Rate limits per account and per address, the length limit, text kept as text."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import WSServerHandshakeError

from tests.daemon.chat.wire import WS, bearer, heard, join, say, until
from tunecamp.daemon.chat.service import CHAT
from tunecamp.daemon.config import Rate


async def test_each_account_has_its_own_rate(
    make_chat: Any, clock: Any, add_user: Any, token_for: Any
) -> None:
    chat = await make_chat(chat_rate_user=Rate(3, 30), chat_rate_address=Rate(100, 10))
    for name in ("ana", "ben"):
        await add_user(chat.app, name, "listener")
    ana = await chat.ws_connect(WS, headers=bearer(await token_for(chat.app, "ana")))
    ben = await chat.ws_connect(WS, headers=bearer(await token_for(chat.app, "ben")))
    await join(ana)
    await join(ben)
    for i in range(3):
        await say(ana, f"{i}")
        await until(ana, "message")
    await say(ana, "one too many")
    error = await until(ana, "error")
    assert error["reason"] == "rate" and error["retry_after"] == 10
    await say(ben, "ben is fine")
    await heard(ben, "ben is fine")
    clock.advance(10)
    await say(ana, "again")
    await heard(ana, "again")


async def test_one_address_has_a_rate_whatever_the_accounts(
    make_chat: Any, add_user: Any, token_for: Any
) -> None:
    chat = await make_chat(chat_rate_user=Rate(100, 10), chat_rate_address=Rate(4, 60))
    sockets = []
    for name in ("ana", "ben"):
        await add_user(chat.app, name, "listener")
        ws = await chat.ws_connect(WS, headers=bearer(await token_for(chat.app, name)))
        await join(ws)
        sockets.append(ws)
    for i in range(4):
        await say(sockets[i % 2], f"{i}")
    await say(sockets[0], "fifth from this address")
    assert (await until(sockets[0], "error"))["reason"] == "rate"
    page = await (await chat.get("/api/chat/rooms/lobby/messages")).json()
    assert len(page["messages"]) == 4


async def test_the_length_limit_and_what_text_may_hold(make_chat: Any, add_user: Any, token_for: Any) -> None:
    chat = await make_chat(chat_max_length=20)
    await add_user(chat.app, "ana", "listener")
    ana = await chat.ws_connect(WS, headers=bearer(await token_for(chat.app, "ana")))
    await join(ana)
    await say(ana, "x" * 21)
    error = await until(ana, "error")
    assert error["reason"] == "too_long" and error["max"] == 20
    for empty in ("", "   \n\t ", "\u202e\u202d"):
        await say(ana, empty)
        assert (await until(ana, "error"))["reason"] == "empty", repr(empty)
    await ana.send_json({"type": "message", "room": "lobby", "text": ["not", "text"]})
    assert (await until(ana, "error"))["reason"] == "bad_request"
    await say(ana, "a\x00b\u202ec\r\n\n\n\nd")
    assert (await until(ana, "message"))["text"] == "a b c\n\nd"
    await say(ana, "<b>bold</b> & co")
    assert (await until(ana, "message"))["text"] == "<b>bold</b> & co"  # kept as typed; shown as text


async def test_queries_per_socket_are_limited(chat: Any) -> None:
    ws = await chat.ws_connect(WS)
    await join(ws)
    for _ in range(29):
        await ws.send_json({"type": "history", "room": "lobby", "before": 10})
        await until(ws, "history")
    await ws.send_json({"type": "history", "room": "lobby", "before": 10})
    assert (await until(ws, "error"))["reason"] == "rate"
    await ws.send_json({"type": "ping"})
    assert (await until(ws, "pong"))["type"] == "pong"  # pings are free


async def test_one_address_holds_a_bounded_number_of_sockets(make_chat: Any) -> None:
    chat = await make_chat(chat_sockets_per_address=3)
    sockets = [await chat.ws_connect(WS) for _ in range(3)]
    with pytest.raises(WSServerHandshakeError) as refused:
        await chat.ws_connect(WS)
    assert refused.value.status == 429
    await sockets[0].close()
    for _ in range(50):  # the server notices the close
        if len(chat.app[CHAT].connections) < 3:
            break
        await asyncio.sleep(0.02)
    joined, _ = await join(await chat.ws_connect(WS))
    assert joined["type"] == "joined"
