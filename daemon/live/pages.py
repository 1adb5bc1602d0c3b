"""The broadcaster's page in the dashboard (/admin/live) and the listener's page (/live/<artist>/).

The broadcaster's page is the form that starts a session and the script (assets/broadcast.js)
that captures the microphone with MediaRecorder and posts its chunks. The listener's page is the
theme's own "live now" box (themes/default: live.js, and hls.js where the browser cannot play HLS
itself), served by the daemon so that a listener who has only the link can play; its scripts are
the theme's files, so the static artist page and this page play the same way.
"""

from __future__ import annotations

import importlib.resources
from typing import Any

from aiohttp import web

from tunecamp.daemon import catalog_index
from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.errors import http_error
from tunecamp.daemon.html import render, translate
from tunecamp.daemon.live import hub as hub_module
from tunecamp.daemon.live.api import HUB, broadcastable
from tunecamp.daemon.roles import LISTEN, PUBLIC, requires
from tunecamp.daemon.users import current_user
from tunecamp.generator.catalog.slugs import is_safe_slug

HLS_JS = "vendor/hls.light.min.js"
# name -> (package, path inside it, content type)
ASSETS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "broadcast.js": ("tunecamp.daemon.live", ("assets", "broadcast.js"), "text/javascript"),
    "live.js": ("tunecamp.themes", ("default", "static", "live.js"), "text/javascript"),
    "hls.js": ("tunecamp.themes", ("default", "static", *HLS_JS.split("/")), "text/javascript"),
}
# hls.js plays through Media Source Extensions (a blob: URL) and parses in a worker made from a blob
LISTEN_CSP = (
    "default-src 'self'; media-src 'self' blob:; worker-src 'self' blob:; "
    "img-src 'self' data:; frame-ancestors 'none'"
)


@requires(LISTEN)
async def broadcaster(request: web.Request) -> web.Response:
    user = current_user(request)
    assert user is not None
    artists = await broadcastable(request, user)
    hub = request.app[HUB]
    names, past = await request.app[DB].run(
        lambda db: (catalog_index.artist_names(db), hub_module.history(db, artists))
    )
    running = [s for s in hub.sessions.values() if s.broadcast.artist in artists]
    return render(
        request,
        "live/broadcast.html",
        artists=[{"slug": a, "name": names.get(a, a)} for a in artists],
        running=[s.status(hub.base_url) for s in running],
        past=past,
        record=hub.settings.record,
    )


@requires(PUBLIC)
async def listener(request: web.Request) -> web.Response:
    artist = request.match_info["slug"]
    hub = request.app[HUB]
    if artist in hub.sessions:  # a session's own link: its artist's page
        raise web.HTTPFound(f"/live/{hub.sessions[artist].broadcast.artist}/")
    if not is_safe_slug(artist):
        raise http_error(404, translate(request, "no such artist"))
    names = await request.app[DB].run(catalog_index.artist_names)
    context: dict[str, Any] = {"artist": artist, "artist_name": names.get(artist, artist)}
    response = render(request, "live/listen.html", **context)  # in the listener's language
    response.headers.update({"Cache-Control": "no-cache", "Content-Security-Policy": LISTEN_CSP})
    return response


@requires(PUBLIC)
async def asset(request: web.Request) -> web.Response:
    found = ASSETS.get(request.match_info["name"])
    if found is None:
        raise web.HTTPNotFound()
    package, parts, kind = found
    data = importlib.resources.files(package).joinpath(*parts).read_bytes()
    return web.Response(body=data, content_type=kind, headers={"Cache-Control": "public, max-age=300"})
