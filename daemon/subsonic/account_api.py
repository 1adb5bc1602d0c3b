"""Managing Subsonic credentials over the JSON API: one's own, and (for managers) others'.

`/api/subsonic/...` is the signed-in user's own app password and API keys (the settings
page); `/api/admin/users/{id}/subsonic-...` is the same for a manager acting on an account
below them. A new API key is in the answer once and never again. Any change forgets the
Subsonic sign-ins remembered for a few seconds, so it takes effect at once.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.bodies import read_json
from tunecamp.daemon.db import row_id
from tunecamp.daemon.errors import http_error, text_field
from tunecamp.daemon.roles import ACCOUNT, USERS_MANAGE, account_change_refusal, guarded
from tunecamp.daemon.subsonic.call import SUBSONIC
from tunecamp.daemon.subsonic.credentials import (
    clear_app_password,
    create_api_key,
    delete_api_key,
    has_app_password,
    list_api_keys,
    set_app_password,
)
from tunecamp.daemon.users import User, UserError, current_user, target_user

MAX_LABEL = 100


def _me(request: web.Request) -> User:
    user = current_user(request)
    assert user is not None  # the route requires an account
    return user


async def target_account(request: web.Request) -> User:
    """The account of a self-service route, or the managed account of an admin route."""
    if "user_id" not in request.match_info:
        return _me(request)
    target = await target_user(request)
    refusal = account_change_refusal(_me(request).role, target.role, None)
    if refusal and target.id != _me(request).id:
        raise http_error(403, refusal)
    return target


def forget_sign_ins(request: web.Request) -> None:
    """Drop the remembered Subsonic sign-ins, so a credential change takes effect at once."""
    request.app[SUBSONIC].auth_cache.forget()


async def credentials(request: web.Request, target: User) -> tuple[bool, list[dict[str, Any]]]:
    """Whether `target` has an app password, and their API keys (never the keys themselves)."""
    return await request.app[DB].run(
        lambda db: (has_app_password(db, target.id), list_api_keys(db, target.id))
    )


async def change_app_password(request: web.Request, target: User, password: str) -> None:
    """Set the app password of `target` (UserError when it is refused, and nothing changes)."""
    box = request.app[SUBSONIC].box
    await request.app[DB].run(lambda db: set_app_password(db, box, target.id, password))
    forget_sign_ins(request)


async def remove_app_password(request: web.Request, target: User) -> None:
    await request.app[DB].run(lambda db: clear_app_password(db, target.id))
    forget_sign_ins(request)


async def add_api_key(request: web.Request, target: User, label: str) -> tuple[int, str]:
    """A new API key of `target`: its ID and the key, which is stored hashed (shown now or never)."""
    return await request.app[DB].run(lambda db: create_api_key(db, target.id, label))


async def revoke_api_key(request: web.Request, target: User) -> int | None:
    """Delete the key of the route's `key_id` from `target`'s; its ID, or None when there is no such key."""
    key_id = row_id(request.match_info["key_id"])
    if key_id is None:
        return None
    if not await request.app[DB].run(lambda db: delete_api_key(db, target.id, key_id)):
        return None
    forget_sign_ins(request)
    return key_id


async def status(request: web.Request) -> web.Response:
    target = await target_account(request)
    has, keys = await credentials(request, target)
    return web.json_response({"username": target.username, "password_set": has, "api_keys": keys})


async def set_password(request: web.Request) -> web.Response:
    target = await target_account(request)
    password = text_field(await read_json(request), "password", max_length=1024)
    try:
        await change_app_password(request, target, password)
    except UserError as exc:
        raise http_error(400, f"password: {exc}") from None
    return web.json_response({"password_set": True})


async def remove_password(request: web.Request) -> web.Response:
    await remove_app_password(request, await target_account(request))
    return web.json_response({"password_set": False})


async def new_key(request: web.Request) -> web.Response:
    target = await target_account(request)
    label = ""
    if request.can_read_body:
        data = await read_json(request)
        label = str(data.get("label") or "")[:MAX_LABEL]
    key_id, key = await add_api_key(request, target, label)
    return web.json_response({"id": key_id, "label": label, "key": key}, status=201)


async def revoke_key(request: web.Request) -> web.Response:
    key_id = await revoke_api_key(request, await target_account(request))
    if key_id is None:
        raise http_error(404, "no such key")
    return web.json_response({"revoked": key_id})


def _routes(prefix: str, permission: str) -> list[web.RouteDef]:
    return [
        web.get(prefix, guarded(status, permission)),
        web.put(f"{prefix}/password", guarded(set_password, permission)),
        web.delete(f"{prefix}/password", guarded(remove_password, permission)),
        web.post(f"{prefix}/keys", guarded(new_key, permission)),
        web.delete(f"{prefix}/keys/{{key_id}}", guarded(revoke_key, permission)),
    ]


def setup(app: web.Application) -> None:
    app.router.add_routes(_routes("/api/subsonic", ACCOUNT))
    app.router.add_routes(_routes("/api/admin/users/{user_id}/subsonic", USERS_MANAGE))
