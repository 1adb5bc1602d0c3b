"""The admin dashboard at /admin: server-rendered pages with plain forms.

It signs in with the same tokens as the API, kept in an HttpOnly cookie (accounts/pages.py);
every form carries the session's CSRF token (checked by accounts/sessions.py). Actions go
through the same code as the JSON API, then redirect back (so a reload never repeats them).
The only script follows a running build's log.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from tunecamp.daemon import catalog_index
from tunecamp.daemon.admin import releases, user_admin
from tunecamp.daemon.appkeys import BUILDS, CONFIG, DB
from tunecamp.daemon.bodies import read_form
from tunecamp.daemon.builds import read_state
from tunecamp.daemon.html import render, translate
from tunecamp.daemon.roles import (
    BUILDS_RUN,
    BUILDS_VIEW,
    CONTENT_MANAGE,
    DRAFTS_VIEW,
    USERS_MANAGE,
    grant,
    requires,
)
from tunecamp.daemon.users import ROLES, current_user, list_users, target_user


def _back(to: str, flash: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"{to}?flash={quote(flash)}")


@requires(DRAFTS_VIEW)
async def home(request: web.Request) -> web.Response:
    user = current_user(request)
    assert user is not None
    rows = await request.app[DB].run(catalog_index.albums)
    names = await request.app[DB].run(catalog_index.artist_names)
    public = request.app[CONFIG].public_dir
    may_all = grant(CONTENT_MANAGE, user.role) == "yes"
    for row in rows:
        row["manageable"] = may_all or bool(set(row["artist_slugs"]) & set(user.artists))
        row["preview_url"] = releases.preview_url(row["slug"])
        row["artists"] = [
            {"name": names.get(slug, slug), "image": _picture(public, f"artists/{slug}/image")}
            for slug in row["artist_slugs"]
        ]
        row["cover"] = _picture(public, f"releases/{row['slug']}/cover") if row["status"] != "draft" else None
    builds = request.app[BUILDS]
    return render(
        request,
        "admin/index.html",
        releases=rows,
        build=builds.summary(),
        built_at=read_state(request.app[CONFIG].data_dir).get("finished_at"),  # the last published build
        may_build=grant(BUILDS_RUN, user.role) == "yes",
        may_users=grant(USERS_MANAGE, user.role) == "yes",
    )


def _picture(public: Path, stem: str) -> str | None:
    """The smallest picture the built site has for `stem` (cover-160.jpg...), as a site URL."""
    for suffix in ("-160.jpg", "-160.webp", ".svg", ".png", ".jpg"):
        if (public / f"{stem}{suffix}").is_file():
            return f"/{stem}{suffix}"
    return None


async def _status(request: web.Request, status: str) -> web.StreamResponse:
    slug = request.match_info["slug"]
    error = await _attempt(releases.change_status(request, slug, status))
    done = {
        "published": translate(request, "%(slug)s is now published; the site is rebuilding", slug=slug),
        "unlisted": translate(request, "%(slug)s is now unlisted; the site is rebuilding", slug=slug),
        "draft": translate(request, "%(slug)s is now a draft; the site is rebuilding", slug=slug),
    }[status]
    raise _back("/admin", f"{slug}: {error}" if error else done)


@requires(CONTENT_MANAGE, scope=releases.release_scope)
async def publish(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    return await _status(request, "unlisted" if form.get("unlisted") else "published")


@requires(CONTENT_MANAGE, scope=releases.release_scope)
async def unpublish(request: web.Request) -> web.StreamResponse:
    return await _status(request, "draft")


@requires(BUILDS_RUN)
async def start_build(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    builds = request.app[BUILDS]
    answer = await builds.request("requested from the dashboard", user.username if user else None)
    target = answer["id"] or answer["running"]  # the booked build: queued, then followed as it runs
    raise web.HTTPSeeOther(f"/admin/builds/{target}" if target else "/admin")


@requires(BUILDS_VIEW)
async def build_page(request: web.Request) -> web.Response:
    try:
        build_id = int(request.match_info["build_id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    state = await request.app[BUILDS].follow(build_id, 0, 0)
    if state is None:
        raise web.HTTPNotFound(text=translate(request, "no such build since the daemon started"))
    return render(request, "admin/build.html", build=state)


@requires(USERS_MANAGE)
async def users_page(request: web.Request) -> web.Response:
    rows = await request.app[DB].run(list_users)
    return render(request, "admin/users.html", users=rows, roles=ROLES)


async def _attempt(action: Any) -> str | None:
    """Await an admin API action; the error message it raised, if any."""
    try:
        await action
    except web.HTTPException as exc:
        try:
            return str(json.loads(exc.text or "{}").get("error", exc.reason))
        except ValueError:
            return exc.reason
    return None


def _artist_list(text: str) -> list[str]:
    return [a.strip() for a in text.replace("\n", ",").split(",") if a.strip()]


@requires(USERS_MANAGE)
async def add_user(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    data = {
        "username": str(form.get("username", "")).strip(),
        "password": str(form.get("password", "")),
        "role": str(form.get("role", "listener")),
        "artists": _artist_list(str(form.get("artists", ""))),
    }
    error = await _attempt(user_admin.create_account(request, data))
    raise _back("/admin/users", error or translate(request, "%(username)s added", username=data["username"]))


@requires(USERS_MANAGE)
async def change_user(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    data: dict[str, Any] = {
        "role": str(form.get("role", "")),
        "artists": _artist_list(str(form.get("artists", ""))),
    }
    if form.get("password"):
        data["password"] = str(form["password"])
    target = await target_user(request)
    if form.get("delete"):
        error = await _attempt(user_admin.delete_account(request, target))
        raise _back(
            "/admin/users", error or translate(request, "%(username)s deleted", username=target.username)
        )
    error = await _attempt(user_admin.update_account(request, target, data))
    raise _back("/admin/users", error or translate(request, "%(username)s updated", username=target.username))


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/admin", home)
    r.add_post("/admin/releases/{slug}/publish", publish)
    r.add_post("/admin/releases/{slug}/unpublish", unpublish)
    r.add_post("/admin/builds", start_build)
    r.add_get("/admin/builds/{build_id}", build_page)
    r.add_get("/admin/users", users_page)
    r.add_post("/admin/users", add_user)
    r.add_post("/admin/users/{user_id}", change_user)
