"""Who may read and post: accounts by cookie, Bearer or ?token=, guests by the settings; page origins."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from aiohttp import WSServerHandshakeError
from aiohttp.test_utils import TestClient

from tests.daemon.chat.wire import WS, bearer, join, say, until
from tunecamp.daemon.accounts.sessions import COOKIE, SIGNER


async def test_without_an_account_one_reads_but_does_not_post_by_default(
    chat: TestClient, add_user: Any, token_for: Any
) -> None:
    await add_user(chat.app, "ana", "listener")
    ana = await chat.ws_connect(WS, headers=bearer(await token_for(chat.app, "ana")))
    await join(ana)
    await say(ana, "hello")
    await until(ana, "message")  # stored before the visitor reads the history
    visitor = await chat.ws_connect(WS)
    joined, history = await join(visitor)
    assert joined["can_post"] is False and joined["user"] is None
    assert [m["text"] for m in history["messages"]] == ["hello"]
    await say(visitor, "me too")
    assert (await until(visitor, "error"))["reason"] == "sign_in"
    await visitor.send_json({"type": "report", "id": history["messages"][0]["id"]})
    assert (await until(visitor, "error"))["reason"] == "sign_in"


async def test_reading_can_need_an_account(make_chat: Any, add_user: Any, token_for: Any) -> None:
    chat = await make_chat(chat_read_anonymous=False)
    visitor = await chat.ws_connect(WS)
    refused, _ = await join(visitor)
    assert refused["type"] == "error" and refused["reason"] == "sign_in"
    assert (await chat.get("/api/chat/rooms/lobby/messages")).status == 401
    await add_user(chat.app, "ana", "listener")
    token = await token_for(chat.app, "ana")
    assert (await chat.get("/api/chat/rooms/lobby/messages", headers=bearer(token))).status == 200
    joined, _ = await join(await chat.ws_connect(WS, headers=bearer(token)))
    assert joined["type"] == "joined"


async def test_guests_post_under_a_name_from_their_address_when_allowed(make_chat: Any) -> None:
    chat = await make_chat(chat_guest_posting=True)
    guest = await chat.ws_connect(WS)
    joined, _ = await join(guest)
    assert joined["can_post"] and joined["guest"] and joined["user"].startswith("guest-")
    await say(guest, "hi from nowhere")
    message = await until(guest, "message")
    assert message["user"] == joined["user"] and message["guest"] is True
    assert "127.0.0.1" not in str(message)


async def test_the_three_ways_to_sign_in(chat: TestClient, add_user: Any, token_for: Any) -> None:
    await add_user(chat.app, "ana", "listener")
    token = await token_for(chat.app, "ana")
    by_query = await chat.ws_connect(f"{WS}?token={token}")
    by_header = await chat.ws_connect(WS, headers=bearer(token))
    chat.session.cookie_jar.update_cookies({COOKIE: token})
    by_cookie = await chat.ws_connect(WS)
    chat.session.cookie_jar.clear()
    for ws in (by_query, by_header, by_cookie):
        joined, _ = await join(ws)
        assert joined["user"] == "ana" and joined["can_post"], joined


def _forged(app: Any, user_id: int, **changes: Any) -> str:
    now = int(time.time())
    claims = {"sub": str(user_id), "gen": 0, "iat": now, "exp": now + 600, "jti": "x", "typ": "access"}
    key = changes.pop("key", "not the instance secret, but long enough to sign with")
    algorithm = changes.pop("algorithm", "HS256")
    return jwt.encode({**claims, **changes}, key, algorithm=algorithm)


async def test_forged_expired_and_unsigned_tokens_are_refused(chat: TestClient, add_user: Any) -> None:
    ana = await add_user(chat.app, "ana", "listener")
    signer = chat.app[SIGNER]
    tokens = {
        "forged": _forged(chat.app, ana.id),
        "expired": signer.issue(ana.id, ana.token_generation, 60, time.time() - 3600),
        "unsigned": jwt.encode({"sub": str(ana.id), "gen": 0}, None, algorithm="none"),
        "other alg": _forged(chat.app, ana.id, key=signer.secret, algorithm="HS512"),
        "garbage": "a.b.c",
    }
    for what, token in tokens.items():
        for how in ("query", "header"):
            with pytest.raises(WSServerHandshakeError) as refused:
                if how == "query":
                    await chat.ws_connect(WS, params={"token": token})
                else:
                    await chat.ws_connect(WS, headers=bearer(token))
            assert refused.value.status == 401, (what, how)
    # a stale cookie is only a signed-out visitor: it reads, it does not post
    chat.session.cookie_jar.update_cookies({COOKIE: tokens["forged"]})
    joined, _ = await join(await chat.ws_connect(WS))
    assert joined["can_post"] is False


async def test_a_hostile_page_cannot_open_the_chat(make_chat: Any, add_user: Any, token_for: Any) -> None:
    chat = await make_chat(chat_origins="https://music.example")
    await add_user(chat.app, "ana", "listener")
    chat.session.cookie_jar.update_cookies({COOKIE: await token_for(chat.app, "ana")})
    for origin in ("https://evil.example", "null", "https://music.example.evil.example"):
        with pytest.raises(WSServerHandshakeError) as refused:
            await chat.ws_connect(WS, headers={"Origin": origin})
        assert refused.value.status == 403, origin
        page = await chat.get("/api/chat/rooms/lobby/messages", headers={"Origin": origin})
        assert page.status == 403 and "Access-Control-Allow-Origin" not in page.headers
    own = f"http://{chat.server.host}:{chat.server.port}"
    for origin in ("https://music.example", own):
        joined, _ = await join(await chat.ws_connect(WS, headers={"Origin": origin}))
        assert joined["user"] == "ana", origin
    page = await chat.get("/api/chat/rooms/lobby/messages", headers={"Origin": "https://music.example"})
    assert page.headers["Access-Control-Allow-Origin"] == "https://music.example"


async def test_the_catalogs_base_url_is_an_allowed_origin(make_chat: Any, config: Any) -> None:
    (config.content_dir / "catalog.yaml").write_text("title: T\nbase_url: https://Tunes.Example/site/\n")
    chat = await make_chat()
    joined, _ = await join(await chat.ws_connect(WS, headers={"Origin": "https://tunes.example"}))
    assert joined["type"] == "joined"
