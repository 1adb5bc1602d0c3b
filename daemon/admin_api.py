"""The admin JSON API under /api/admin: drafts and releases, users and roles, rebuilds.

The dashboard is built on the same calls. Promoting or unpublishing writes the status into
the release's metadata file through the generator (which keeps the artist's formatting),
then asks for a rebuild; the answer comes at once, with the build to follow.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from tunecamp.daemon import catalog_index
from tunecamp.daemon.auth import AUTH
from tunecamp.daemon.bodies import read_json
from tunecamp.daemon.builds import BUILDS
from tunecamp.daemon.config import settings_table
from tunecamp.daemon.db import row_id
from tunecamp.daemon.errors import http_error
from tunecamp.daemon.keys import CONFIG, DB
from tunecamp.daemon.roles import (
    BUILDS_RUN,
    BUILDS_VIEW,
    CONTENT_MANAGE,
    DRAFTS_VIEW,
    SETTINGS,
    USERS_MANAGE,
    account_change_refusal,
    requires,
)
from tunecamp.daemon.users import (
    User,
    UserError,
    check_artists,
    check_password,
    check_role,
    check_username,
    count_owners,
    create_user,
    current_user,
    delete_user,
    get_user,
    hash_password,
    list_users,
    set_artists,
    set_password_hash,
    set_role,
)


def actor(request: web.Request) -> User:
    user = current_user(request)
    assert user is not None  # every route here needs a signed-in role
    return user


async def release_scope(request: web.Request) -> set[str]:
    """The artists a release belongs to: what a Curator's assignments are checked against."""
    slug = request.match_info["slug"]
    return await request.app[DB].run(lambda db: catalog_index.release_artists(db, slug))


# --- releases ---------------------------------------------------------------------


def preview_url(slug: str) -> str:
    return f"/admin/preview/{slug}/releases/{slug}/"


def _release_json(album: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "id",
        "slug",
        "title",
        "status",
        "artist_slugs",
        "date",
        "genres",
        "track_count",
        "duration",
        "metadata_file",
        "source_dir",
    )
    out = {k: album.get(k) for k in keys}
    out["preview_url"] = preview_url(album["slug"])
    out["public_url"] = None if album["status"] == "draft" else f"/releases/{album['slug']}/"
    return out


@requires(DRAFTS_VIEW)
async def releases(request: web.Request) -> web.Response:
    status = request.query.get("status")
    if status is not None and status not in ("draft", "published", "unlisted"):
        raise http_error(400, "status: draft, published or unlisted")
    rows = await request.app[DB].run(lambda db: catalog_index.albums(db, status=status))
    return web.json_response({"releases": [_release_json(r) for r in rows]})


async def _album(request: web.Request, slug: str) -> dict[str, Any]:
    rows = await request.app[DB].run(lambda db: [a for a in catalog_index.albums(db) if a["slug"] == slug])
    if not rows:
        raise http_error(404, f"no release {slug!r} in the catalog index (is a rebuild pending?)")
    return rows[0]


@requires(DRAFTS_VIEW)
async def release(request: web.Request) -> web.Response:
    album = await _album(request, request.match_info["slug"])
    tracks = await request.app[DB].run(lambda db: catalog_index.album_tracks(db, album["id"]))
    keys = ("id", "slug", "title", "artist", "number", "disc", "duration", "format")
    body = {**_release_json(album), "tracks": [{k: t[k] for k in keys} for t in tracks]}
    return web.json_response({"release": body})


async def change_status(request: web.Request, slug: str, status: str) -> dict[str, Any]:
    """Write the status into the release's metadata file and ask for a rebuild."""
    from tunecamp.generator.catalog.publish import PublishError, set_status

    config = request.app[CONFIG]
    try:
        path = await asyncio.to_thread(set_status, config.content_dir, slug, status)
    except PublishError as exc:
        raise http_error(404 if "no release" in str(exc) else 409, str(exc)) from None
    build = await request.app[BUILDS].request(f"{slug} → {status}", actor(request).username)
    return {"slug": slug, "status": status, "metadata_file": str(path), "build": build}


@requires(CONTENT_MANAGE, scope=release_scope)
async def publish(request: web.Request) -> web.Response:
    data = await read_json(request) if request.can_read_body else {}
    unlisted = data.get("unlisted", False)
    if not isinstance(unlisted, bool):
        raise http_error(400, "unlisted: true or false")
    body = await change_status(request, request.match_info["slug"], "unlisted" if unlisted else "published")
    return web.json_response(body, status=202)


@requires(CONTENT_MANAGE, scope=release_scope)
async def unpublish(request: web.Request) -> web.Response:
    body = await change_status(request, request.match_info["slug"], "draft")
    return web.json_response(body, status=202)


# --- users ------------------------------------------------------------------------------


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


async def target_user(request: web.Request) -> User:
    user_id = row_id(request.match_info["user_id"])
    if user_id is None:
        raise http_error(404, "no such user")
    user = await request.app[DB].run(lambda db: get_user(db, user_id))
    if user is None:
        raise http_error(404, "no such user")
    return user


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


# --- builds ------------------------------------------------------------------------


@requires(BUILDS_VIEW)
async def builds(request: web.Request) -> web.Response:
    manager = request.app[BUILDS]
    recent = [
        r.as_json(since=max(0, len(r.log) - 20)) for r in sorted(manager.runs.values(), key=lambda r: -r.id)
    ]
    return web.json_response({"summary": manager.summary(), "recent": recent})


@requires(BUILDS_RUN)
async def start_build(request: web.Request) -> web.Response:
    body = await request.app[BUILDS].request("requested from the admin", actor(request).username)
    return web.json_response(body, status=202)


@requires(BUILDS_VIEW)
async def build(request: web.Request) -> web.Response:
    try:
        build_id = int(request.match_info["build_id"])
        since = max(0, int(request.query.get("since", "0")))
        wait = min(30.0, max(0.0, float(request.query.get("wait", "0"))))
    except ValueError:
        raise http_error(400, "build id, since and wait are numbers") from None
    state = await request.app[BUILDS].follow(build_id, since, wait)
    if state is None:
        raise http_error(404, f"no build {build_id} since the daemon started")
    return web.json_response({"build": state})


# --- settings -------------------------------------------------------------------------


@requires(SETTINGS)
async def settings(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    secret_fields = {"jwt_secret", "sentry_dsn"}
    values = {
        name: ("(set)" if getattr(config, name) else "(not set)")
        if name in secret_fields
        else str(getattr(config, name))
        for _, name, _ in settings_table()
    }
    return web.json_response({"settings": values, "token_secret_from": request.app[AUTH].secret_source})


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/admin/releases", releases)
    r.add_get("/api/admin/releases/{slug}", release)
    r.add_post("/api/admin/releases/{slug}/publish", publish)
    r.add_post("/api/admin/releases/{slug}/unpublish", unpublish)
    r.add_get("/api/admin/users", users)
    r.add_post("/api/admin/users", add_user)
    r.add_patch("/api/admin/users/{user_id}", change_user)
    r.add_delete("/api/admin/users/{user_id}", remove_user)
    r.add_get("/api/admin/builds", builds)
    r.add_post("/api/admin/builds", start_build)
    r.add_get("/api/admin/builds/{build_id}", build)
    r.add_get("/api/admin/settings", settings)
