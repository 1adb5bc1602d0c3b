"""Moderation: delete, mute (with its default length, on a moved clock), ban an account or an
address, reports in the queue; who may do which; the dashboard page."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient

from tests.daemon.chat.wire import WS, bearer, join, say, until
from tunecamp.daemon.accounts.sessions import COOKIE, SIGNER


async def _people(chat: TestClient, add_user: Any, token_for: Any) -> dict[str, str]:
    for name, role in (("ana", "listener"), ("ben", "listener"), ("cora", "curator"), ("max", "manager")):
        await add_user(chat.app, name, role)
    return {name: await token_for(chat.app, name) for name in ("ana", "ben", "cora", "max")}


async def test_a_curator_deletes_a_message_everywhere(
    chat: TestClient, add_user: Any, token_for: Any
) -> None:
    tokens = await _people(chat, add_user, token_for)
    ana = await chat.ws_connect(WS, headers=bearer(tokens["ana"]))
    await join(ana)
    await say(ana, "spam spam")
    await say(ana, "fine")
    spam = await until(ana, "message")
    await until(ana, "message")
    listener = await chat.ws_connect(WS)
    await join(listener)

    listed = await chat.delete(f"/api/chat/messages/{spam['id']}", headers=bearer(tokens["ben"]))
    assert listed.status == 403
    deleted = await chat.delete(f"/api/chat/messages/{spam['id']}", headers=bearer(tokens["cora"]))
    assert deleted.status == 200
    for ws in (ana, listener):
        assert await until(ws, "deleted") == {"type": "deleted", "id": spam["id"], "room": "lobby"}
    again = await chat.delete(f"/api/chat/messages/{spam['id']}", headers=bearer(tokens["cora"]))
    assert again.status == 404
    page = await (await chat.get("/api/chat/rooms/lobby/messages")).json()
    assert [m["text"] for m in page["messages"]] == ["fine"]

    cora = await chat.ws_connect(WS, headers=bearer(tokens["cora"]))
    joined, history = await join(cora)
    assert joined["moderator"] is True
    await cora.send_json({"type": "delete", "id": history["messages"][0]["id"]})
    assert (await until(listener, "deleted"))["id"] == history["messages"][0]["id"]
    await ana.send_json({"type": "delete", "id": 1})
    assert (await until(ana, "error"))["reason"] == "forbidden"


async def test_a_mute_lasts_fifteen_minutes_by_default(
    chat: TestClient, clock: Any, add_user: Any, token_for: Any
) -> None:
    tokens = await _people(chat, add_user, token_for)
    ana = await chat.ws_connect(WS, headers=bearer(tokens["ana"]))
    await join(ana)
    muted = await chat.post(
        "/api/chat/sanctions", json={"kind": "mute", "user": "ana"}, headers=bearer(tokens["cora"])
    )
    assert muted.status == 201
    await say(ana, "can I talk?")
    error = await until(ana, "error")
    assert error["reason"] == "muted" and error["until"] == "2027-01-15T08:15:00.000Z"
    _, history = await join(await chat.ws_connect(WS, headers=bearer(tokens["ana"])))  # still reads
    assert history["type"] == "history"
    clock.advance(14 * 60 + 59)
    await say(ana, "now?")
    assert (await until(ana, "error"))["reason"] == "muted"
    clock.advance(2)
    await say(ana, "now!")
    assert (await until(ana, "message"))["text"] == "now!"


async def test_a_mute_of_a_given_length_and_lifting_it(
    chat: TestClient, clock: Any, add_user: Any, token_for: Any
) -> None:
    tokens = await _people(chat, add_user, token_for)
    ana = await chat.ws_connect(WS, headers=bearer(tokens["ana"]))
    await join(ana)
    body = {"kind": "mute", "user": "ana", "minutes": 2}
    sanction = await (
        await chat.post("/api/chat/sanctions", json=body, headers=bearer(tokens["cora"]))
    ).json()
    clock.advance(60)
    await say(ana, "x")
    assert (await until(ana, "error"))["reason"] == "muted"
    queue = await (await chat.get("/api/chat/moderation", headers=bearer(tokens["cora"]))).json()
    assert [s["id"] for s in queue["sanctions"]] == [sanction["id"]]
    lifted = await chat.delete(f"/api/chat/sanctions/{sanction['id']}", headers=bearer(tokens["cora"]))
    assert lifted.status == 200
    await say(ana, "free")
    assert (await until(ana, "message"))["text"] == "free"


async def test_a_ban_closes_the_account_s_sockets_and_keeps_it_out(
    chat: TestClient, add_user: Any, token_for: Any
) -> None:
    tokens = await _people(chat, add_user, token_for)
    ana = await chat.ws_connect(WS, headers=bearer(tokens["ana"]))
    await join(ana)
    banned = await chat.post(
        "/api/chat/sanctions", json={"kind": "ban", "user": "ana"}, headers=bearer(tokens["cora"])
    )
    assert banned.status == 201
    assert (await until(ana, "error"))["reason"] == "banned"
    assert (await ana.receive(timeout=5)).type in (WSMsgType.CLOSE, WSMsgType.CLOSED)
    again = await chat.ws_connect(WS, headers=bearer(tokens["ana"]))
    assert (await until(again, "error"))["reason"] == "banned"
    ben = await chat.ws_connect(WS, headers=bearer(tokens["ben"]))
    joined, _ = await join(ben)  # another account on the same address is not banned
    assert joined["type"] == "joined"


async def test_banning_a_guest_s_address(make_chat: Any, add_user: Any, token_for: Any) -> None:
    chat = await make_chat(chat_guest_posting=True)
    tokens = await _people(chat, add_user, token_for)
    guest = await chat.ws_connect(WS)
    await join(guest)
    await say(guest, "guest spam")
    message = await until(guest, "message")
    body = {"kind": "ban", "message": message["id"], "reason": "spam"}
    assert (await chat.post("/api/chat/sanctions", json=body, headers=bearer(tokens["cora"]))).status == 201
    assert (await until(guest, "error"))["reason"] == "banned"
    queue = await (await chat.get("/api/chat/moderation", headers=bearer(tokens["cora"]))).json()
    assert queue["sanctions"][0]["address"] == "127.0.0.1" and queue["sanctions"][0]["user_id"] is None
    assert (await until(await chat.ws_connect(WS), "error"))["reason"] == "banned"
    by_address = await chat.post(
        "/api/chat/sanctions", json={"kind": "mute", "address": "10.0.0.9"}, headers=bearer(tokens["cora"])
    )
    assert by_address.status == 201


async def test_nobody_sanctions_their_peers_or_betters(
    chat: TestClient, add_user: Any, token_for: Any
) -> None:
    tokens = await _people(chat, add_user, token_for)
    await add_user(chat.app, "cleo", "curator")
    for whom in ("max", "cleo"):
        refused = await chat.post(
            "/api/chat/sanctions", json={"kind": "ban", "user": whom}, headers=bearer(tokens["cora"])
        )
        assert refused.status == 403, whom
    allowed = await chat.post(
        "/api/chat/sanctions", json={"kind": "mute", "user": "cora"}, headers=bearer(tokens["max"])
    )
    assert allowed.status == 201
    listener = await chat.post(
        "/api/chat/sanctions", json={"kind": "mute", "user": "ben"}, headers=bearer(tokens["ana"])
    )
    assert listener.status == 403


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"kind": "mute"},
        {"kind": "exile", "user": "ana"},
        {"kind": "mute", "user": "nobody"},
        {"kind": "mute", "message": 999},
        {"kind": "mute", "message": "x"},
        {"kind": "mute", "user": "ana", "minutes": -1},
        {"kind": "mute", "user": "ana", "minutes": "soon"},
        {"kind": "mute", "user": "ana", "minutes": 10**9},
    ],
)
async def test_bad_sanctions_are_refused_with_the_field(
    chat: TestClient, add_user: Any, token_for: Any, body: dict[str, Any]
) -> None:
    tokens = await _people(chat, add_user, token_for)
    refused = await chat.post("/api/chat/sanctions", json=body, headers=bearer(tokens["cora"]))
    assert refused.status in (400, 404), await refused.text()
    assert "error" in await refused.json()


async def test_reports_land_in_the_queue(chat: TestClient, add_user: Any, token_for: Any) -> None:
    tokens = await _people(chat, add_user, token_for)
    ana = await chat.ws_connect(WS, headers=bearer(tokens["ana"]))
    ben = await chat.ws_connect(WS, headers=bearer(tokens["ben"]))
    await join(ana)
    await join(ben)
    await say(ana, "something rude")
    rude = await until(ben, "message")
    await ben.send_json({"type": "report", "id": rude["id"], "reason": "rude"})
    assert await until(ben, "reported") == {"type": "reported", "id": rude["id"]}
    await ben.send_json({"type": "report", "id": 424242})
    assert (await until(ben, "error"))["reason"] == "not_found"
    by_api = await chat.post(
        f"/api/chat/messages/{rude['id']}/report", json={}, headers=bearer(tokens["ana"])
    )
    assert by_api.status == 202
    assert (
        await chat.post("/api/chat/messages/0/report", json={}, headers=bearer(tokens["ana"]))
    ).status == 400
    queue = await (await chat.get("/api/chat/moderation", headers=bearer(tokens["cora"]))).json()
    assert [(r["text"], r["reporter"], r["reason"]) for r in queue["reports"]] == [
        ("something rude", "user:2", "rude"),
        ("something rude", "user:1", ""),
    ]
    assert (await chat.get("/api/chat/moderation", headers=bearer(tokens["ben"]))).status == 403
    first = queue["reports"][0]["id"]
    assert (
        await chat.post(f"/api/chat/reports/{first}/resolve", headers=bearer(tokens["cora"]))
    ).status == 200
    assert (
        await chat.post(f"/api/chat/reports/{first}/resolve", headers=bearer(tokens["cora"]))
    ).status == 404
    await chat.delete(f"/api/chat/messages/{rude['id']}", headers=bearer(tokens["cora"]))  # closes the rest
    queue = await (await chat.get("/api/chat/moderation", headers=bearer(tokens["cora"]))).json()
    assert queue["reports"] == []


async def test_the_dashboard_page_moderates(chat: TestClient, add_user: Any, token_for: Any) -> None:
    tokens = await _people(chat, add_user, token_for)
    ana = await chat.ws_connect(WS, headers=bearer(tokens["ana"]))
    await join(ana)
    await say(ana, '<img src=x onerror="alert(1)"> hi')
    message = await until(ana, "message")
    await ana.send_json({"type": "report", "id": message["id"]})
    await until(ana, "reported")
    assert (await chat.get("/admin/chat", headers=bearer(tokens["ben"]))).status == 403
    chat.session.cookie_jar.update_cookies({COOKIE: tokens["cora"]})
    page = await chat.get("/admin/chat")
    html = await page.text()
    assert page.status == 200 and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; hi" in html
    assert "<img src=x" not in html and 'href="/admin/chat"' in html
    claims = chat.app[SIGNER].verify(tokens["cora"])
    csrf = chat.app[SIGNER].csrf_token(claims.token_id)
    muted = await chat.post(
        "/admin/chat/sanctions",
        data={"csrf": csrf, "kind": "mute", "message": str(message["id"])},
        allow_redirects=False,
    )
    assert muted.status == 303 and "muted" in muted.headers["Location"]
    deleted = await chat.post(
        f"/admin/chat/messages/{message['id']}/delete", data={"csrf": csrf}, allow_redirects=False
    )
    assert deleted.status == 303
    assert (await until(ana, "deleted"))["id"] == message["id"]
    html = await (await chat.get("/admin/chat")).text()
    assert "No open reports." in html and "deleted by cora" in html and "<td>muted</td>" in html
    german = await (await chat.get("/admin/chat", headers={"Accept-Language": "de"})).text()
    assert "<td>stummgeschaltet</td>" in german  # the sanction's kind, stored as "mute"
    no_csrf = await chat.post(
        "/admin/chat/sanctions", data={"kind": "ban", "user": "ana"}, allow_redirects=False
    )
    assert no_csrf.status == 403
