"""The dashboard's "Subsonic & apps" pages: app password and API keys, one's own or another's.

`/admin/subsonic` is the signed-in user's own (`account`); `/admin/users/{id}/subsonic` is
the same page for a Manager or Owner acting on an account below them (`users.manage`, and
only an Owner for an Owner: account_api.target_account). Forms carry the session's
CSRF token like every dashboard form and redirect back with a flash message, except the one
that creates an API key: its answer is the page showing the new key, the only time it is seen.
"""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from tunecamp.daemon.appkeys import CONFIG
from tunecamp.daemon.bodies import read_form
from tunecamp.daemon.html import render, translate
from tunecamp.daemon.roles import ACCOUNT, USERS_MANAGE, guarded
from tunecamp.daemon.subsonic.account_api import (
    MAX_LABEL,
    add_api_key,
    change_app_password,
    credentials,
    remove_app_password,
    revoke_api_key,
    target_account,
)
from tunecamp.daemon.users import User, UserError, current_user


def _page_url(request: web.Request) -> str:
    user_id = request.match_info.get("user_id")
    return f"/admin/users/{user_id}/subsonic" if user_id is not None else "/admin/subsonic"


def _back(request: web.Request, flash: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"{_page_url(request)}?flash={quote(flash)}")


def server_url(request: web.Request) -> str:
    """What to type into an app: the public URL, else the address this browser reached."""
    public = request.app[CONFIG].public_url
    return public.rstrip("/") if public else f"{request.scheme}://{request.host}"


async def _page(request: web.Request, target: User, new_key: str | None = None) -> web.Response:
    has, keys = await credentials(request, target)
    me = current_user(request)
    return render(
        request,
        "subsonic/apps.html",
        target=target,
        own=me is not None and me.id == target.id,
        page_url=_page_url(request),
        server_url=server_url(request),
        password_set=has,
        api_keys=keys,
        new_key=new_key,
    )


async def show(request: web.Request) -> web.StreamResponse:
    return await _page(request, await target_account(request))


async def change_password(request: web.Request) -> web.StreamResponse:
    target = await target_account(request)
    form = await read_form(request)
    if form.get("clear"):
        await remove_app_password(request, target)
        raise _back(
            request,
            translate(request, "The Subsonic password of %(username)s is removed", username=target.username),
        )
    password, again = str(form.get("password", "")), str(form.get("password_again", ""))
    if password != again:
        raise _back(request, translate(request, "The two passwords differ; nothing changed"))
    try:
        await change_app_password(request, target, password)
    except UserError as exc:
        raise _back(request, translate(request, "Not changed: %(error)s", error=exc)) from None
    raise _back(
        request, translate(request, "The Subsonic password of %(username)s is set", username=target.username)
    )


async def new_key(request: web.Request) -> web.StreamResponse:
    target = await target_account(request)
    form = await read_form(request)
    label = str(form.get("label", "")).strip()[:MAX_LABEL]
    _, key = await add_api_key(request, target, label)
    return await _page(request, target, new_key=key)  # shown now or never: it is stored hashed


async def revoke_key(request: web.Request) -> web.StreamResponse:
    if await revoke_api_key(request, await target_account(request)) is None:
        raise _back(request, translate(request, "No such key"))
    raise _back(request, translate(request, "The key is revoked: apps using it are signed out"))


def _routes(prefix: str, permission: str) -> list[web.RouteDef]:
    return [
        web.get(prefix, guarded(show, permission)),
        web.post(f"{prefix}/password", guarded(change_password, permission)),
        web.post(f"{prefix}/keys", guarded(new_key, permission)),
        web.post(f"{prefix}/keys/{{key_id}}/revoke", guarded(revoke_key, permission)),
    ]


def setup(app: web.Application) -> None:
    app.router.add_routes(_routes("/admin/subsonic", ACCOUNT))
    app.router.add_routes(_routes("/admin/users/{user_id}/subsonic", USERS_MANAGE))
