"""The releases in the admin API: drafts and releases, promoting and unpublishing.

Promoting or unpublishing writes the status into the release's metadata file through the
generator (which keeps the artist's formatting), then asks for a rebuild; the answer comes at
once, with the build to follow. The dashboard's forms go through `change_status` too.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from tunecamp.daemon import catalog_index
from tunecamp.daemon.appkeys import BUILDS, CONFIG, DB
from tunecamp.daemon.bodies import read_json
from tunecamp.daemon.errors import http_error
from tunecamp.daemon.roles import CONTENT_MANAGE, DRAFTS_VIEW, requires
from tunecamp.daemon.users import User, current_user


def actor(request: web.Request) -> User:
    user = current_user(request)
    assert user is not None  # every route here needs a signed-in role
    return user


async def release_scope(request: web.Request) -> set[str]:
    """The artists a release belongs to: what a Curator's assignments are checked against."""
    slug = request.match_info["slug"]
    return await request.app[DB].run(lambda db: catalog_index.release_artists(db, slug))


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
