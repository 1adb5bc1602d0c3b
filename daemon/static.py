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

from tunecamp.daemon.keys import CONFIG
from tunecamp.daemon.roles import PUBLIC, requires

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".jsonld": "application/ld+json",
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m3u": "audio/x-mpegurl",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg; codecs=opus",
    ".flac": "audio/flac",
    ".wav": "audio/wav",
    ".aiff": "audio/aiff",
    ".ts": "video/mp2t",
    ".vtt": "text/vtt; charset=utf-8",
    ".lrc": "text/plain; charset=utf-8",
    ".webmanifest": "application/manifest+json",
}
# Paths whose JSON is an ActivityPub or WebFinger document (written by the generator's AP stage).
ACTIVITY_JSON = "application/activity+json"
JRD_JSON = "application/jrd+json"


class PageFilter(Protocol):
    def __call__(self, html: bytes) -> bytes: ...


# When set, HTML pages are read and passed through it as they are served (the preview's
# live reload adds its script so); the files in public/ are never changed.
PAGE_FILTER = web.AppKey("page_filter", PageFilter)


def content_type(path: PurePosixPath) -> str:
    if path.parts[:2] == (".well-known", "webfinger") or path.suffix == ".jrd":
        return JRD_JSON
    if path.parts and path.parts[0] == "ap" and path.suffix == ".json":
        return ACTIVITY_JSON
    return CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")


def safe_relative(url_path: str) -> PurePosixPath | None:
    """The request path as a relative path inside the site, or None when it is hostile."""
    if "\x00" in url_path or "\\" in url_path:
        return None
    parts = [p for p in url_path.split("/") if p not in ("", ".")]
    if ".." in parts:
        return None
    return PurePosixPath(*parts) if parts else PurePosixPath()


def resolve(root: Path, rel: PurePosixPath) -> Path | None:
    """The real file or folder for `rel`, only if it stays inside `root`."""
    candidate = (root / rel).resolve()
    if candidate != root and root not in candidate.parents:
        return None
    return candidate


def _cache_control(rel: PurePosixPath) -> str:
    # pages and feeds change at every build; hashed or media files rarely do
    if rel.suffix in (".html", ".rss", ".atom", ".json", ".xml", ".m3u8", "") or not rel.suffix:
        return "no-cache"
    return "public, max-age=3600"


def file_response(path: Path, rel: PurePosixPath, status: int = 200) -> web.FileResponse:
    return web.FileResponse(
        path,
        status=status,
        headers={
            "Content-Type": content_type(rel),
            "Cache-Control": _cache_control(rel),
            "X-Content-Type-Options": "nosniff",
        },
    )


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
        target, rel = target / "index.html", rel / "index.html"
    if not target.is_file():
        return await not_found(request, root)
    return await page_response(request, target, rel)


def setup(app: web.Application) -> None:
    """Call last: the route matches every path the features did not claim."""
    app.router.add_get("/{path:.*}", serve_site)
