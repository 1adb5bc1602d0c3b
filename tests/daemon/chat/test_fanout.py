"""The broadcaster and the per-socket writers: rooms apart, one encoding per event, slow readers dropped."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import WSMsgType

from tests.daemon.chat.wire import WS, bearer, join, say, until
from tunecamp.daemon.chat import socket
from tunecamp.daemon.chat.broadcast import LocalBroadcaster
from tunecamp.daemon.chat.service import CHAT
from tunecamp.daemon.config import Rate


async def test_subscribers_get_their_room_s_events_until_they_unsubscribe() -> None:
    hub = LocalBroadcaster()
    got: dict[str, list[str]] = {"a": [], "b": []}

    async def to(name: str, text: str) -> None:
        got[name].append(text)

    stop_a = hub.subscribe("lobby", lambda t: to("a", t))
    hub.subscribe("artist:x", lambda t: to("b", t))
    await hub.publish("lobby", {"type": "message", "text": "é"})
    assert got == {"a": ['{"type":"message","text":"é"}'], "b": []}
    stop_a()
    stop_a()  # twice is harmless
    await hub.publish("lobby", {"type": "message"})
    assert got["a"] == ['{"type":"message","text":"é"}'] and hub.listeners("lobby") == 0
    assert hub.listeners("artist:x") == 1


async def test_a_reader_that_stops_reading_is_dropped_and_the_room_goes_on(
    make_chat: Any, add_user: Any, token_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(socket, "QUEUE", 5)
    chat = await make_chat(
        chat_max_length=10_000, chat_rate_user=Rate(10_000, 1), chat_rate_address=Rate(10_000, 1)
    )
    await add_user(chat.app, "ana", "listener")
    ana = await chat.ws_connect(WS, headers=bearer(await token_for(chat.app, "ana")))
    await join(ana)
    stalled = await chat.ws_connect(WS)  # joins, then never reads again
    await join(stalled)
    text = "x" * 9_990
    for i in range(2000):
        await say(ana, f"{i} {text}")
        await until(ana, "message")
        if chat.app[CHAT].broadcaster.listeners("lobby") == 1:
            break
    assert chat.app[CHAT].broadcaster.listeners("lobby") == 1, "the stalled socket was never dropped"
    await say(ana, "still here")
    assert (await until(ana, "message"))["text"] == "still here"
    kinds = set()
    while (frame := await stalled.receive(timeout=5)).type == WSMsgType.TEXT:
        kinds.add(frame.json()["type"])
    assert frame.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.ERROR) and kinds <= {"message"}
    await asyncio.sleep(0)
