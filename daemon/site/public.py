"""Serving the built site from public/: the catch-all route, registered last.

Directory URLs get their index.html (and a redirect adding the slash), misses get the
site's 404.html with status 404, and no request path can reach outside public/: `..`,
encoded separators, NUL bytes, backslashes and symlinks that leave the folder are refused.
"""

from __future__ import annotations

import asyncio
from pathlib import Path, PurePosixPath
from typing import Protocol
from urllib.parse import quote

from aiohttp import web

from tunecamp.daemon.appkeys import CONFIG
from tunecamp.daemon.roles import PUBLIC, requires
from tunecamp.daemon.site_files import (
    activity_document,
    content_type,
    file_response,
    resolve,
    safe_relative,
    wants_activity,
)


class PageFilter(Protocol):
    def __call__(self, html: bytes) -> bytes: ...


# When set, HTML pages are read and passed through it as they are served (the preview's
# live reload adds its script so); the files in public/ are never changed.
PAGE_FILTER = web.AppKey("page_filter", PageFilter)


async def page_response(
    request: web.Request, path: Path, rel: PurePosixPath, status: int = 200
) -> web.StreamResponse:
    """A file of the site; an HTML page goes through the app's PAGE_FILTER when there is one."""
    page_filter = request.app.get(PAGE_FILTER)
    if page_filter is None or not content_type(rel).startswith("text/html"):
        return file_response(path, rel, status)
    html = await asyncio.to_thread(path.read_bytes)
    return web.Response(
        body=page_filter(html),
        status=status,
        headers={
            "Content-Type": content_type(rel),
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
        },
    )


async def not_found(request: web.Request, root: Path) -> web.StreamResponse:
    page = root / "404.html"
    if page.is_file():
        return await page_response(request, page, PurePosixPath("404.html"), status=404)
    return web.Response(status=404, text="Not found\n")


@requires(PUBLIC)
async def serve_site(request: web.Request) -> web.StreamResponse:
    root = request.app[CONFIG].public_dir.resolve()
    rel = safe_relative(request.match_info["path"])
    if rel is None:
        return await not_found(request, root)
    target = resolve(root, rel)
    if target is None:
        return await not_found(request, root)
    if target.is_dir():
        if not request.path.endswith("/"):
            # built from the cleaned path: "//host" must never become a protocol-relative redirect
            location = (
                "/"
                + quote(rel.as_posix())
                + "/"
                + (f"?{request.query_string}" if request.query_string else "")
            )
            raise web.HTTPMovedPermanently(location)
        negotiated = await _activity_response(request, root, rel)
        if negotiated is not None:
            return negotiated
        target, rel = target / "index.html", rel / "index.html"
    if not target.is_file():
        return await not_found(request, root)
    response = await page_response(request, target, rel)
    if rel.name == "index.html":
        response.headers["Vary"] = "Accept"  # the same URL answers ActivityPub JSON (content negotiation)
    return response


async def _activity_response(
    request: web.Request, root: Path, page: PurePosixPath
) -> web.StreamResponse | None:
    """A fediverse server asking for a page's ActivityPub document (Accept: application/activity+json)
    gets the document itself, as Mastodon's own pages answer; None: serve the page."""
    if not wants_activity(request.headers.get("Accept", "")):
        return None
    doc = activity_document(page)
    target = resolve(root, doc) if doc is not None else None
    if doc is None or target is None or not target.is_file():
        return None
    response = file_response(target, doc)
    response.headers["Vary"] = "Accept"
    return response


def setup(app: web.Application) -> None:
    """Call last: the route matches every path the features did not claim."""
    app.router.add_get("/{path:.*}", serve_site)
