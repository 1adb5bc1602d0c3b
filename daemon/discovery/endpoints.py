"""The protocol as this daemon serves it, in the Node TuneCamp servers' shapes (open CORS, cacheable).

    GET /api/community/instance   what this instance says of itself (from the built site's catalog.json)
    GET /api/community/peers      an array of origins: the seeds and the online instances known,
                                  so a peer learns something even before this daemon's first crawl
    GET /api/community/sites      the online instances with their latest releases (what /network/ shows)

Each answer carries an ETag (a digest of its body) and answers 304 to a matching If-None-Match.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from aiohttp import web

from tunecamp.daemon.appkeys import CONFIG, DB
from tunecamp.daemon.discovery import store
from tunecamp.daemon.discovery.export import sites
from tunecamp.daemon.discovery.protocol import InstanceInfo, text_in, url_in
from tunecamp.daemon.discovery.service import DISCOVERY_KEY
from tunecamp.daemon.roles import PUBLIC, requires

MAX_AGE = 300
_CATALOG_CACHE: web.AppKey[dict[str, Any]] = web.AppKey("discovery_catalog_cache")
_SITES_CACHE: web.AppKey[dict[str, Any]] = web.AppKey("discovery_sites_cache")


def cached_json(request: web.Request, data: Any, max_age: int = MAX_AGE) -> web.Response:
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    headers = {
        "Access-Control-Allow-Origin": "*",
        "Cache-Control": f"public, max-age={max_age}, stale-while-revalidate={max_age * 12}",
        "ETag": etag,
        "Vary": "Accept-Encoding",
    }
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        return web.Response(status=304, headers=headers)
    return web.Response(body=body, content_type="application/json", headers=headers)


def _site_catalog(public_dir: Path, cache: dict[str, Any]) -> dict[str, Any]:
    """The built site's catalog.json (re-read when it changes), or {} without one."""
    path = public_dir / "catalog.json"
    try:
        st = path.stat()
        stamp = (st.st_mtime_ns, st.st_size)
        if cache.get("stamp") != stamp:
            data = json.loads(path.read_text(encoding="utf-8")) if st.st_size < 64 << 20 else {}
            cache.update(stamp=stamp, data=data if isinstance(data, dict) else {})
    except (OSError, ValueError):
        cache.update(stamp=None, data={})
    return cache["data"]


def own_instance(public_dir: Path, daemon_url: str, version: str, cache: dict[str, Any]) -> InstanceInfo:
    data = _site_catalog(public_dir, cache)
    raw = data.get("catalog")
    catalog: dict[str, Any] = raw if isinstance(raw, dict) else {}
    artists = [a for a in data.get("artists") or [] if isinstance(a, dict)]
    site = url_in(catalog.get("url"), daemon_url) or daemon_url
    solo = not catalog.get("label_mode") and len(artists) == 1
    cover = ""
    if artists and isinstance(artists[0].get("image"), dict):
        variants = artists[0]["image"].get("variants") or []
        cover = url_in(variants[0].get("url"), site) if variants and isinstance(variants[0], dict) else ""
    return InstanceInfo(
        name=text_in(catalog.get("title"), 200) or daemon_url.split("://", 1)[-1],
        description=text_in(catalog.get("description"), 1000),
        url=site,
        cover=cover,
        artist_name=text_in(artists[0].get("name"), 200) if solo else "",
        version=version,
        catalog_url=f"{site.rstrip('/')}/catalog.json" if data else "",
    )


@requires(PUBLIC)
async def instance(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    discovery = request.app[DISCOVERY_KEY]
    info = own_instance(config.public_dir, config.url, discovery.version, request.app[_CATALOG_CACHE])
    return cached_json(request, info.as_json(config.url))


@requires(PUBLIC)
async def peers(request: web.Request) -> web.Response:
    discovery = request.app[DISCOVERY_KEY]

    def listed(db: Any) -> tuple[list[dict[str, Any]], set[str]]:
        return store.instances(db, online_only=True), store.blocked(db)

    rows, blocked = await request.app[DB].run(listed)
    seeds = await discovery.seeds()
    origins = [o for o in dict.fromkeys([*seeds, *(r["origin"] for r in rows)]) if o not in blocked]
    return cached_json(request, origins)


@requires(PUBLIC)
async def community_sites(request: web.Request) -> web.Response:
    """Up to 1,000 instances with their releases: made once per export, not once per request."""
    kept, generation = request.app[_SITES_CACHE], request.app[DISCOVERY_KEY].generation
    if kept.get("generation") != generation:
        rows = await request.app[DB].run(lambda d: store.instances(d, online_only=True))
        kept.update(generation=generation, sites=sites(rows))
    return cached_json(request, kept["sites"])


def setup(app: web.Application) -> None:
    app[_CATALOG_CACHE] = {}
    app[_SITES_CACHE] = {}
    app.router.add_get("/api/community/instance", instance)
    app.router.add_get("/api/community/peers", peers)
    app.router.add_get("/api/community/sites", community_sites)
