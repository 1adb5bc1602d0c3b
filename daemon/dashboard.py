"""The admin dashboard at /admin: server-rendered pages with plain forms.

It signs in with the same tokens as the API, kept in an HttpOnly cookie; every form
carries the session's CSRF token (checked by auth.py). Actions go through the same code
as the JSON API, then redirect back (so a reload never repeats them). The only script
follows a running build's log.
"""

from __future__ import annotations

import importlib.resources
from typing import Any
from urllib.parse import quote

import jinja2
from aiohttp import web

from tunecamp.daemon import admin_api, catalog_index
from tunecamp.daemon.auth import (
    check_login,
    clear_session_cookie,
    csrf_token,
    issue_token,
    remember_device,
    set_session_cookie,
)
from tunecamp.daemon.bodies import read_form
from tunecamp.daemon.builds import BUILDS
from tunecamp.daemon.keys import DB
from tunecamp.daemon.roles import (
    ACCOUNT,
    BUILDS_RUN,
    BUILDS_VIEW,
    CONTENT_MANAGE,
    DRAFTS_VIEW,
    PUBLIC,
    USERS_MANAGE,
    grant,
    requires,
)
from tunecamp.daemon.users import ROLES, current_user

TEMPLATES = web.AppKey("templates", jinja2.Environment)


def render(request: web.Request, name: str, status: int = 200, **context: Any) -> web.Response:
    user = current_user(request)
    html = (
        request.app[TEMPLATES]
        .get_template(name)
        .render(user=user, csrf=csrf_token(request), flash=request.query.get("flash"), grant=grant, **context)
    )
    return web.Response(
        text=html,
        status=status,
        content_type="text/html",
        headers={
            "Cache-Control": "no-store",
            "X-Frame-Options": "DENY",
            "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
        },
    )


def _back(to: str, flash: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"{to}?flash={quote(flash)}")


def _safe_next(value: str | None) -> str:
    # only our own admin pages: never "//elsewhere" or an absolute URL
    if value and value.startswith("/admin") and not value.startswith("//") and "\\" not in value:
        return value
    return "/admin"


@requires(PUBLIC)
async def login_form(request: web.Request) -> web.Response:
    return render(request, "login.html", next=_safe_next(request.query.get("next")), error=None, username="")


@requires(PUBLIC)
async def login_submit(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "")))
    try:
        user = await check_login(request, username[:64], password[:1024])
    except web.HTTPException as exc:
        message = "Too many attempts; wait a little." if exc.status == 429 else "Wrong username or password."
        status = 429 if exc.status == 429 else 200  # a page showing the form again, not an API error
        page = render(request, "login.html", status=status, next=target, error=message, username=username)
        if "Retry-After" in exc.headers:  # the API's 429 carries it too
            page.headers["Retry-After"] = exc.headers["Retry-After"]
        return page
    if target == "/admin" and grant(DRAFTS_VIEW, user.role) != "yes":
        target = "/admin/subsonic"  # a Listener's only page: /admin itself would be a 403
    response = web.HTTPSeeOther(target)
    set_session_cookie(response, request, issue_token(request.app, user)[0])
    remember_device(response, request, user)
    raise response


@requires(ACCOUNT)
async def logout(request: web.Request) -> web.StreamResponse:
    response = web.HTTPSeeOther("/admin/login")
    clear_session_cookie(response)
    raise response


@requires(DRAFTS_VIEW)
async def home(request: web.Request) -> web.Response:
    user = current_user(request)
    assert user is not None
    rows = await request.app[DB].run(catalog_index.albums)
    may_all = grant(CONTENT_MANAGE, user.role) == "yes"
    for row in rows:
        row["manageable"] = may_all or bool(set(row["artist_slugs"]) & set(user.artists))
        row["preview_url"] = admin_api.preview_url(row["slug"])
    builds = request.app[BUILDS]
    return render(
        request,
        "index.html",
        releases=rows,
        build=builds.summary(),
        may_build=grant(BUILDS_RUN, user.role) == "yes",
        may_users=grant(USERS_MANAGE, user.role) == "yes",
    )


async def _status(request: web.Request, status: str) -> web.StreamResponse:
    slug = request.match_info["slug"]
    error = await _attempt(admin_api.change_status(request, slug, status))
    raise _back("/admin", f"{slug}: {error}" if error else f"{slug} is now {status}; the site is rebuilding")


@requires(CONTENT_MANAGE, scope=admin_api.release_scope)
async def publish(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    return await _status(request, "unlisted" if form.get("unlisted") else "published")


@requires(CONTENT_MANAGE, scope=admin_api.release_scope)
async def unpublish(request: web.Request) -> web.StreamResponse:
    return await _status(request, "draft")


@requires(BUILDS_RUN)
async def start_build(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    builds = request.app[BUILDS]
    answer = await builds.request("requested from the dashboard", user.username if user else None)
    target = answer["running"]
    raise web.HTTPSeeOther(f"/admin/builds/{target}" if target else "/admin")


@requires(BUILDS_VIEW)
async def build_page(request: web.Request) -> web.Response:
    try:
        build_id = int(request.match_info["build_id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    state = await request.app[BUILDS].follow(build_id, 0, 0)
    if state is None:
        raise web.HTTPNotFound(text="no such build since the daemon started")
    return render(request, "build.html", build=state)


@requires(USERS_MANAGE)
async def users_page(request: web.Request) -> web.Response:
    from tunecamp.daemon.users import list_users

    rows = await request.app[DB].run(list_users)
    return render(request, "users.html", users=rows, roles=ROLES)


async def _attempt(action: Any) -> str | None:
    """Await an admin API action; the error message it raised, if any."""
    import json

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
    error = await _attempt(admin_api.create_account(request, data))
    raise _back("/admin/users", error or f"{data['username']} added")


@requires(USERS_MANAGE)
async def change_user(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    data: dict[str, Any] = {
        "role": str(form.get("role", "")),
        "artists": _artist_list(str(form.get("artists", ""))),
    }
    if form.get("password"):
        data["password"] = str(form["password"])
    target = await admin_api.target_user(request)
    if form.get("delete"):
        error = await _attempt(admin_api.delete_account(request, target))
        raise _back("/admin/users", error or f"{target.username} deleted")
    error = await _attempt(admin_api.update_account(request, target, data))
    raise _back("/admin/users", error or f"{target.username} updated")


@requires(PUBLIC)
async def asset(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in ASSETS:
        raise web.HTTPNotFound()
    data = importlib.resources.files("tunecamp.daemon").joinpath("static", name).read_bytes()
    return web.Response(
        body=data, content_type=ASSETS[name], headers={"Cache-Control": "public, max-age=300"}
    )


ASSETS = {"admin.css": "text/css", "admin.js": "text/javascript"}


def setup(app: web.Application) -> None:
    app[TEMPLATES] = jinja2.Environment(
        loader=jinja2.PackageLoader("tunecamp.daemon", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    r = app.router
    r.add_get("/admin", home)
    r.add_get("/admin/static/{name}", asset)
    r.add_get("/admin/login", login_form)
    r.add_post("/admin/login", login_submit)
    r.add_post("/admin/logout", logout)
    r.add_post("/admin/releases/{slug}/publish", publish)
    r.add_post("/admin/releases/{slug}/unpublish", unpublish)
    r.add_post("/admin/builds", start_build)
    r.add_get("/admin/builds/{build_id}", build_page)
    r.add_get("/admin/users", users_page)
    r.add_post("/admin/users", add_user)
    r.add_post("/admin/users/{user_id}", change_user)
