"""Files of a built site over HTTP: content types, caching, and paths that cannot leave the folder.

Shared by the two places that serve a built site: public/ itself (site/public.py) and the
previews of releases (admin/previews.py). A request path goes through `safe_relative` (no `..`,
NUL bytes or backslashes) and then `resolve` (no symlink out of the folder) before any file
is opened.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from aiohttp import web

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


# An HTML page and the ActivityPub document it stands for (content negotiation): the home page is
# the label, an artist page the artist's actor, a release page its Note, a track page its Audio.


def activity_document(page: PurePosixPath) -> PurePosixPath | None:
    """The ActivityPub document for the page folder `page` (a site path without index.html)."""
    parts = page.parts
    if not parts:
        return PurePosixPath("ap/label.json")
    if len(parts) == 2 and parts[0] == "artists":
        return PurePosixPath("ap/artists", f"{parts[1]}.json")
    if len(parts) == 2 and parts[0] == "releases":
        return PurePosixPath("ap/releases", parts[1], "note.json")
    if len(parts) == 3 and parts[0] == "releases":
        return PurePosixPath("ap/releases", parts[1], "tracks", f"{parts[2]}.json")
    return None


def wants_activity(accept: str) -> bool:
    """Whether an Accept header prefers ActivityPub JSON to HTML (by q-value; ties go to HTML).

    `application/ld+json` counts only with the ActivityStreams profile, as the spec asks."""
    best_ap = best_html = 0.0
    for item in accept.split(","):
        media, *params = (p.strip() for p in item.split(";"))
        q = 1.0
        profile = ""
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
            elif name.strip().lower() == "profile":
                profile = value.strip().strip('"')
        media = media.lower()
        if media == "application/activity+json" or (
            media == "application/ld+json" and "https://www.w3.org/ns/activitystreams" in profile.split()
        ):
            best_ap = max(best_ap, q)
        elif media in ("text/html", "application/xhtml+xml", "*/*", "text/*"):
            best_html = max(best_html, q * (0.5 if "*" in media else 1.0))
    return best_ap > 0 and best_ap > best_html


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
