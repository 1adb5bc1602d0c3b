"""The sign-in API under /api/auth: a token for a username and password, one's own account.

A token goes in `Authorization: Bearer <token>` (sessions.py); signing out everywhere and a new
password end every token issued before.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tunecamp.daemon.accounts.sessions import check_login, clear_session_cookie, issue_token, remember_device
from tunecamp.daemon.appkeys import CONFIG, DB
from tunecamp.daemon.bodies import read_json
from tunecamp.daemon.errors import http_error, text_field
from tunecamp.daemon.roles import ACCOUNT, PUBLIC, requires
from tunecamp.daemon.users import (
    User,
    UserError,
    check_password,
    current_user,
    get_user,
    hash_password,
    revoke_tokens,
    set_password_hash,
)


def _me(request: web.Request) -> User:
    user = current_user(request)
    assert user is not None  # the route's permission requires one
    return user


def token_body(request: web.Request, user: User) -> dict[str, Any]:
    token, expires = issue_token(request.app, user)
    return {"token": token, "token_type": "Bearer", "expires_at": expires, "user": user.as_json()}


@requires(PUBLIC)
async def login(request: web.Request) -> web.Response:
    data = await read_json(request)
    user = await check_login(
        request, text_field(data, "username", max_length=64), text_field(data, "password", max_length=1024)
    )
    response = web.json_response(token_body(request, user))
    remember_device(response, request, user)
    return response


@requires(ACCOUNT)
async def me(request: web.Request) -> web.Response:
    return web.json_response({"user": _me(request).as_json()})


@requires(ACCOUNT)
async def logout_all(request: web.Request) -> web.Response:
    user = _me(request)
    await request.app[DB].run(lambda db: revoke_tokens(db, user.id))
    response = web.json_response({"ok": True, "revoked": "every token of this account"})
    clear_session_cookie(response)
    return response


@requires(ACCOUNT)
async def change_password(request: web.Request) -> web.Response:
    user = _me(request)
    data = await read_json(request)
    current, new = text_field(data, "current_password"), text_field(data, "new_password")
    await check_login(request, user.username, current)
    try:
        check_password(new)
    except UserError as exc:
        raise http_error(400, f"new_password: {exc}") from None
    hashed = await hash_password(new, request.app[CONFIG].bcrypt_rounds)
    await request.app[DB].run(lambda db: set_password_hash(db, user.id, hashed))
    fresh = await request.app[DB].run(lambda db: get_user(db, user.id))
    assert fresh is not None
    return web.json_response(token_body(request, fresh))


def setup(app: web.Application) -> None:
    app.router.add_post("/api/auth/login", login)
    app.router.add_get("/api/auth/me", me)
    app.router.add_post("/api/auth/logout-all", logout_all)
    app.router.add_post("/api/auth/password", change_password)
