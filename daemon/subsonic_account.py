"""Managing Subsonic credentials over the JSON API: one's own, and (for managers) others'.

`/api/subsonic/...` is the signed-in user's own app password and API keys (the settings
page); `/api/admin/users/{id}/subsonic-...` is the same for a manager acting on an account
below them. A new API key is in the answer once and never again. Any change forgets the
Subsonic sign-ins remembered for a few seconds, so it takes effect at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from tunecamp.daemon.app_passwords import (
    clear_app_password,
    create_api_key,
    delete_api_key,
    has_app_password,
    list_api_keys,
    set_app_password,
)
from tunecamp.daemon.errors import http_error, read_json, text_field
from tunecamp.daemon.keys import DB
from tunecamp.daemon.roles import ACCOUNT, USERS_MANAGE, account_change_refusal, requires
from tunecamp.daemon.subsonic_call import SUBSONIC
from tunecamp.daemon.users import User, UserError, current_user, get_user

Handler = Callable[[web.Request], Awaitable[web.Response]]


def _me(request: web.Request) -> User:
    user = current_user(request)
    assert user is not None  # the route requires an account
    return user


async def target_account(request: web.Request) -> User:
    """The account of a self-service route, or the managed account of an admin route."""
    if "user_id" not in request.match_info:
        return _me(request)
    try:
        user_id = int(request.match_info["user_id"])
    except ValueError:
        raise http_error(404, "no such user") from None
    target = await request.app[DB].run(lambda db: get_user(db, user_id))
    if target is None:
        raise http_error(404, "no such user")
    refusal = account_change_refusal(_me(request).role, target.role, None)
    if refusal and target.id != _me(request).id:
        raise http_error(403, refusal)
    return target


def forget_sign_ins(request: web.Request) -> None:
    """Drop the remembered Subsonic sign-ins, so a credential change takes effect at once."""
    request.app[SUBSONIC].auth_cache.forget()


async def status(request: web.Request) -> web.Response:
    target = await target_account(request)
    has, keys = await request.app[DB].run(
        lambda db: (has_app_password(db, target.id), list_api_keys(db, target.id))
    )
    return web.json_response({"username": target.username, "password_set": has, "api_keys": keys})


async def set_password(request: web.Request) -> web.Response:
    target = await target_account(request)
    password = text_field(await read_json(request), "password", max_length=1024)
    box = request.app[SUBSONIC].box
    try:
        await request.app[DB].run(lambda db: set_app_password(db, box, target.id, password))
    except UserError as exc:
        raise http_error(400, f"password: {exc}") from None
    forget_sign_ins(request)
    return web.json_response({"password_set": True})


async def remove_password(request: web.Request) -> web.Response:
    target = await target_account(request)
    await request.app[DB].run(lambda db: clear_app_password(db, target.id))
    forget_sign_ins(request)
    return web.json_response({"password_set": False})


async def new_key(request: web.Request) -> web.Response:
    target = await target_account(request)
    label = ""
    if request.can_read_body:
        data = await read_json(request)
        label = str(data.get("label") or "")[:100]
    key_id, key = await request.app[DB].run(lambda db: create_api_key(db, target.id, label))
    return web.json_response({"id": key_id, "label": label, "key": key}, status=201)


async def revoke_key(request: web.Request) -> web.Response:
    target = await target_account(request)
    try:
        key_id = int(request.match_info["key_id"])
    except ValueError:
        raise http_error(404, "no such key") from None
    if not await request.app[DB].run(lambda db: delete_api_key(db, target.id, key_id)):
        raise http_error(404, "no such key")
    forget_sign_ins(request)
    return web.json_response({"revoked": key_id})


def _guarded(handler: Handler, permission: str) -> Handler:
    """The same handler under another permission (the self-service and the admin routes)."""

    async def guarded(request: web.Request) -> web.Response:
        return await handler(request)

    return requires(permission)(guarded)


def _routes(prefix: str, permission: str) -> list[web.RouteDef]:
    return [
        web.get(prefix, _guarded(status, permission)),
        web.put(f"{prefix}/password", _guarded(set_password, permission)),
        web.delete(f"{prefix}/password", _guarded(remove_password, permission)),
        web.post(f"{prefix}/keys", _guarded(new_key, permission)),
        web.delete(f"{prefix}/keys/{{key_id}}", _guarded(revoke_key, permission)),
    ]


def setup(app: web.Application) -> None:
    app.router.add_routes(_routes("/api/subsonic", ACCOUNT))
    app.router.add_routes(_routes("/api/admin/users/{user_id}/subsonic", USERS_MANAGE))
