"""The accounts in the admin API: list, add, change (role, password, artists) and delete.

The dashboard's user forms go through the same `create_account`, `update_account` and
`delete_account`. Who may touch whom is roles.account_change_refusal's: only an Owner touches
Owners, and the last Owner cannot be demoted or deleted.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tunecamp.daemon.admin.releases import actor
from tunecamp.daemon.appkeys import CONFIG, DB
from tunecamp.daemon.bodies import read_json
from tunecamp.daemon.errors import http_error
from tunecamp.daemon.roles import USERS_MANAGE, account_change_refusal, requires
from tunecamp.daemon.users import (
    User,
    UserError,
    check_artists,
    check_password,
    check_role,
    check_username,
    count_owners,
    create_user,
    delete_user,
    get_user,
    hash_password,
    list_users,
    set_artists,
    set_password_hash,
    set_role,
    target_user,
)


@requires(USERS_MANAGE)
async def users(request: web.Request) -> web.Response:
    rows = await request.app[DB].run(list_users)
    return web.json_response({"users": [u.as_json() for u in rows]})


def _artists(data: dict[str, Any]) -> list[str] | None:
    value = data.get("artists")
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(a, str) and 0 < len(a) <= 200 for a in value):
        raise http_error(400, "artists: a list of artist slugs")
    try:
        return check_artists(value)
    except UserError as exc:
        raise http_error(400, f"artists: {exc}") from None


def _user_error(exc: UserError) -> web.HTTPException:
    return http_error(409 if "taken" in str(exc) else 400, str(exc))


@requires(USERS_MANAGE)
async def add_user(request: web.Request) -> web.Response:
    user = await create_account(request, await read_json(request))
    return web.json_response({"user": user.as_json()}, status=201)


async def create_account(request: web.Request, data: dict[str, Any]) -> User:
    username, password, role = data.get("username"), data.get("password"), data.get("role", "listener")
    if not all(isinstance(v, str) for v in (username, password, role)):
        raise http_error(400, "username, password and role are strings")
    assert isinstance(username, str) and isinstance(password, str) and isinstance(role, str)
    artists = _artists(data)
    try:
        check_username(username), check_password(password), check_role(role)
    except UserError as exc:
        raise _user_error(exc) from None
    refusal = account_change_refusal(actor(request).role, None, role)
    if refusal:
        raise http_error(403, refusal)
    hashed = await hash_password(password, request.app[CONFIG].bcrypt_rounds)

    def add(db: Any) -> User:
        user = create_user(db, username, hashed, role)
        if artists:
            set_artists(db, user.id, artists)
        return get_user(db, user.id) or user

    try:
        return await request.app[DB].run(add)
    except UserError as exc:
        raise _user_error(exc) from None


@requires(USERS_MANAGE)
async def change_user(request: web.Request) -> web.Response:
    user = await update_account(request, await target_user(request), await read_json(request))
    return web.json_response({"user": user.as_json()})


async def update_account(request: web.Request, target: User, data: dict[str, Any]) -> User:
    role, password, artists = data.get("role"), data.get("password"), _artists(data)
    if (role is not None and not isinstance(role, str)) or (
        password is not None and not isinstance(password, str)
    ):
        raise http_error(400, "role and password are strings")
    try:
        if role is not None:
            check_role(role)
        if password is not None:
            check_password(password)
    except UserError as exc:
        raise _user_error(exc) from None
    refusal = account_change_refusal(actor(request).role, target.role, role)
    if refusal:
        raise http_error(403, refusal)
    hashed = await hash_password(password, request.app[CONFIG].bcrypt_rounds) if password else None

    def change(db: Any) -> User | None:
        if role is not None and role != target.role:
            if target.role == "owner" and count_owners(db) <= 1:
                raise UserError("this is the last Owner; make someone else Owner first")
            set_role(db, target.id, role)
        if hashed:
            set_password_hash(db, target.id, hashed)
        if artists is not None:
            set_artists(db, target.id, artists)
        return get_user(db, target.id)

    try:
        user = await request.app[DB].run(change)
    except UserError as exc:
        raise http_error(409, str(exc)) from None
    assert user is not None
    return user


@requires(USERS_MANAGE)
async def remove_user(request: web.Request) -> web.Response:
    target = await target_user(request)
    await delete_account(request, target)
    return web.json_response({"deleted": target.id})


async def delete_account(request: web.Request, target: User) -> None:
    refusal = account_change_refusal(actor(request).role, target.role, None)
    if refusal:
        raise http_error(403, refusal)

    def remove(db: Any) -> None:
        if target.role == "owner" and count_owners(db) <= 1:
            raise UserError("this is the last Owner; make someone else Owner first")
        delete_user(db, target.id)

    try:
        await request.app[DB].run(remove)
    except UserError as exc:
        raise http_error(409, str(exc)) from None
