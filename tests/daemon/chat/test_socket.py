"""The WebSocket: two listeners talk, history pages, a reconnect resumes, dead sockets are dropped."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient

from tests.daemon.chat.wire import WS, bearer, heard, join, say, until
from tunecamp.daemon.chat.service import CHAT
from tunecamp.daemon.config import Rate


async def test_two_listeners_see_each_others_messages_in_order(
    chat: TestClient, add_user: Any, token_for: Any
) -> None:
    for name in ("ana", "ben"):
        await add_user(chat.app, name, "listener")
    ana = await chat.ws_connect(WS, headers=bearer(await token_for(chat.app, "ana")))
    ben = await chat.ws_connect("/ws/chat", headers=bearer(await token_for(chat.app, "ben")))
    joined, history = await join(ana)
    assert joined["user"] == "ana" and joined["can_post"] and history["messages"] == []
    await join(ben)
    for i in range(5):
        await say(ana, f"ana {i}")
        await say(ben, f"ben {i}")
    seen = {"ana": [], "ben": []}
    for name, ws in (("ana", ana), ("ben", ben)):
        while len(seen[name]) < 10:
            seen[name].append(await until(ws, "message"))
    assert [m["text"] for m in seen["ana"]] == [m["text"] for m in seen["ben"]]
    ids = [m["id"] for m in seen["ana"]]
    assert ids == sorted(ids) and len(set(ids)) == 10
    texts = [m["text"] for m in seen["ana"]]
    assert [t for t in texts if t.startswith("ana")] == [f"ana {i}" for i in range(5)]
    assert [t for t in texts if t.startswith("ben")] == [f"ben {i}" for i in range(5)]
    # two sockets' messages race to the server: which of "ana 0" and "ben 0" is stored first is open
    first = next(m for m in seen["ben"] if m["user"] == "ana")
    assert first["text"] == "ana 0" and first["room"] == "lobby" and first["at"].endswith("Z")
    assert "address" not in first


async def test_rooms_are_apart(chat: TestClient, add_user: Any, token_for: Any) -> None:
    await add_user(chat.app, "ana", "listener")
    ana = await chat.ws_connect(WS, headers=bearer(await token_for(chat.app, "ana")))
    lobby = await chat.ws_connect(WS)
    await join(ana, "artist:aurora")
    await join(lobby, "lobby")
    await say(ana, "in the artist's room", room="artist:aurora")
    assert (await until(ana, "message"))["room"] == "artist:aurora"
    await lobby.send_json({"type": "ping"})
    assert (await lobby.receive_json(timeout=5))["type"] == "pong"  # nothing came before the pong
    await say(ana, "wrong room", room="lobby")
    assert (await until(ana, "error"))["reason"] == "not_joined"


async def test_history_pages_back_over_the_socket_and_the_api(
    make_chat: Any, add_user: Any, token_for: Any
) -> None:
    chat = await make_chat(chat_rate_user=Rate(1000, 1), chat_rate_address=Rate(1000, 1))
    await add_user(chat.app, "ana", "listener")
    ana = await chat.ws_connect(WS, headers=bearer(await token_for(chat.app, "ana")))
    await join(ana)
    for i in range(120):
        await say(ana, f"m{i}")
    for _ in range(120):
        await until(ana, "message")

    reader = await chat.ws_connect(WS)
    _, history = await join(reader)
    assert [m["text"] for m in history["messages"]] == [f"m{i}" for i in range(70, 120)] and history["more"]
    await reader.send_json({"type": "history", "room": "lobby", "before": history["messages"][0]["id"]})
    older = await until(reader, "history")
    assert [m["text"] for m in older["messages"]] == [f"m{i}" for i in range(20, 70)] and older["more"]
    await reader.send_json({"type": "history", "room": "lobby", "before": older["messages"][0]["id"]})
    oldest = await until(reader, "history")
    assert [m["text"] for m in oldest["messages"]] == [f"m{i}" for i in range(20)] and not oldest["more"]

    page = await chat.get("/api/chat/rooms/lobby/messages", params={"limit": "30"})
    body = await page.json()
    assert [m["text"] for m in body["messages"]] == [f"m{i}" for i in range(90, 120)] and body["more"]
    before = body["messages"][0]["id"]
    page = await chat.get("/api/chat/rooms/lobby/messages", params={"before": str(before), "limit": "200"})
    assert [m["text"] for m in (await page.json())["messages"]] == [f"m{i}" for i in range(90)]
    for bad in ({"limit": "0"}, {"limit": "x"}, {"before": "-1"}, {"before": "1", "after": "2"}):
        answer = await chat.get("/api/chat/rooms/lobby/messages", params=bad)
        assert answer.status == 400, bad
    assert (await chat.get("/api/chat/rooms/nowhere/messages")).status == 400
    assert (await chat.get("/api/chat/rooms/artist:..%2Fx/messages")).status in (400, 404)


async def test_a_reconnecting_client_resumes_after_the_last_id_it_saw(
    chat: TestClient, add_user: Any, token_for: Any
) -> None:
    await add_user(chat.app, "ana", "listener")
    token = await token_for(chat.app, "ana")
    ana = await chat.ws_connect(WS, headers=bearer(token))
    await join(ana)
    listener = await chat.ws_connect(WS)
    await join(listener)
    await say(ana, "before the drop")
    last = (await until(listener, "message"))["id"]
    await listener.close()
    for text in ("while away 1", "while away 2"):
        await say(ana, text)
    await heard(ana, "while away 2")  # both stored before the return
    back = await chat.ws_connect(WS)
    _, missed = await join(back, since=last)
    assert [m["text"] for m in missed["messages"]] == ["while away 1", "while away 2"]
    assert missed["direction"] == "newer" and not missed["more"]
    await say(ana, "after the return")
    assert (await until(back, "message"))["text"] == "after the return"


async def test_the_server_drops_a_socket_that_stops_answering_pings(chat: TestClient) -> None:
    chat.app[CHAT].settings = dataclasses.replace(chat.app[CHAT].settings, heartbeat=0.2)
    dead = await chat.ws_connect(WS, autoping=False)  # never answers a ping, like a vanished phone
    await join(dead)
    pings = 0
    while True:
        frame = await dead.receive(timeout=5)
        if frame.type == WSMsgType.PING:
            pings += 1
            continue
        break
    assert pings >= 1 and frame.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING)
    await asyncio.sleep(0.05)
    assert chat.app[CHAT].connections == {} and chat.app[CHAT].broadcaster.listeners("lobby") == 0


async def test_hostile_frames_get_errors_and_the_socket_lives_on(chat: TestClient) -> None:
    ws = await chat.ws_connect(WS)
    for frame in ("not json", "[1, 2]", '{"type": 3}', '{"type": "dance"}', "[" * 5000 + "]" * 5000):
        await ws.send_str(frame)
        assert (await until(ws, "error"))["reason"] == "bad_request", frame
    await ws.send_bytes(b"\x00\x01")
    assert (await until(ws, "error"))["reason"] == "bad_request"
    for room in ("artist:../etc", "artist:", "ARTIST:x", 7, None):
        await ws.send_json({"type": "join", "room": room})
        assert (await until(ws, "error"))["reason"] == "bad_room", room
    await ws.send_json({"type": "join", "room": "lobby", "since": "yesterday"})
    assert (await until(ws, "error"))["reason"] == "bad_request"
    await ws.send_str('{"type": "message", "room": "lobby", "text": "\\ud800"}')
    assert (await until(ws, "error"))["reason"] in ("bad_request", "not_joined")
    await ws.send_str("x" * 70_000)  # past the frame limit: the socket is closed, the daemon is fine
    frame = await ws.receive(timeout=5)
    assert frame.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.ERROR)
    assert (await chat.get("/health")).status == 200


async def test_a_plain_get_is_told_to_upgrade(chat: TestClient) -> None:
    answer = await chat.get(WS)
    assert answer.status == 400 and "WebSocket" in (await answer.json())["error"]
