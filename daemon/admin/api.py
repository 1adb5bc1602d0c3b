"""The admin JSON API under /api/admin: its routes, and the builds and settings it shows.

Releases are in releases.py, accounts in user_admin.py; the dashboard (pages.py) is built on
the same calls.
"""

from __future__ import annotations

from aiohttp import web

from tunecamp.daemon.admin import releases, user_admin
from tunecamp.daemon.admin.releases import actor
from tunecamp.daemon.appkeys import BUILDS, CONFIG, SECRET
from tunecamp.daemon.config import settings_table
from tunecamp.daemon.errors import http_error
from tunecamp.daemon.roles import BUILDS_RUN, BUILDS_VIEW, SETTINGS, requires


@requires(BUILDS_VIEW)
async def builds(request: web.Request) -> web.Response:
    manager = request.app[BUILDS]
    return web.json_response({"summary": manager.summary(), "recent": await manager.recent(20)})


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
        raise http_error(404, f"no build {build_id}")
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
    return web.json_response({"settings": values, "token_secret_from": request.app[SECRET].source})


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/admin/releases", releases.releases)
    r.add_get("/api/admin/releases/{slug}", releases.release)
    r.add_post("/api/admin/releases/{slug}/publish", releases.publish)
    r.add_post("/api/admin/releases/{slug}/unpublish", releases.unpublish)
    r.add_get("/api/admin/users", user_admin.users)
    r.add_post("/api/admin/users", user_admin.add_user)
    r.add_patch("/api/admin/users/{user_id}", user_admin.change_user)
    r.add_delete("/api/admin/users/{user_id}", user_admin.remove_user)
    r.add_get("/api/admin/builds", builds)
    r.add_post("/api/admin/builds", start_build)
    r.add_get("/api/admin/builds/{build_id}", build)
    r.add_get("/api/admin/settings", settings)
