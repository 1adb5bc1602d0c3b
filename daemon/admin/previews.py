"""Previews of releases as they will look, drafts included, under /admin/preview/<slug>/.

A preview is the release built alone (by the build worker, without transcoding) into
data/previews/<slug>/ with the preview URL as its base, so every link stays inside the
preview. It is rebuilt when content/ changed since, and only people who may see drafts
can open it.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from aiohttp import web

from tunecamp.daemon import catalog_index
from tunecamp.daemon.appkeys import CONFIG, DB
from tunecamp.daemon.builds import content_fingerprint, worker_command
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.errors import http_error
from tunecamp.daemon.roles import DRAFTS_VIEW, requires
from tunecamp.daemon.site_files import file_response, resolve, safe_relative
from tunecamp.generator.catalog.slugs import is_safe_slug

LOCKS = web.AppKey("preview_locks", dict)


def preview_dir(config: DaemonConfig, slug: str) -> Path:
    return config.data_dir / "previews" / slug


async def ensure_preview(app: web.Application, slug: str) -> Path:
    """The built preview of `slug`, building it first when missing or out of date."""
    config = app[CONFIG]
    out = preview_dir(config, slug)
    stamp = out.parent / f"{slug}.fingerprint"
    locks: dict[str, asyncio.Lock] = app[LOCKS]
    async with locks.setdefault(slug, asyncio.Lock()):
        fingerprint = await asyncio.to_thread(content_fingerprint, config.content_dir)
        if out.is_dir() and stamp.is_file() and stamp.read_text() == fingerprint:
            return out
        cmd = worker_command(
            config.content_dir,
            out,
            config.data_dir,
            "--preview",
            slug,
            "--base-url",
            f"{config.url}/admin/preview/{slug}",
        )
        process = await asyncio.create_subprocess_exec(
            *cmd,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            stdin=asyncio.subprocess.DEVNULL,
        )
        output, _ = await process.communicate()
        if process.returncode != 0:
            lines = output.decode("utf-8", "replace").splitlines()
            done: dict[str, Any] = next(
                (json.loads(x) for x in reversed(lines) if x.startswith('{"event": "done"')), {}
            )
            reason = done.get("error") or (lines[-1] if lines else "no output")
            status = 404 if "no release" in reason else 500
            raise http_error(status, f"the preview of {slug} could not be built: {reason}")
        stamp.write_text(fingerprint)
    return out


@requires(DRAFTS_VIEW)
async def serve_preview(request: web.Request) -> web.StreamResponse:
    slug = request.match_info["slug"]
    if not is_safe_slug(slug):
        raise http_error(404, "no such release")
    rel = safe_relative(request.match_info["path"])
    if rel is None:
        raise http_error(404, "no such file")
    if not await request.app[DB].run(lambda db: catalog_index.release_artists(db, slug)):
        raise http_error(404, f"no release {slug!r} in the catalog index (is a rebuild pending?)")
    root = (await ensure_preview(request.app, slug)).resolve()
    target = resolve(root, rel)
    if target is not None and target.is_dir():
        target, rel = target / "index.html", rel / "index.html"
    if target is None or not target.is_file():
        raise http_error(404, "no such file in the preview")
    response = file_response(target, rel)
    response.headers["Cache-Control"] = "no-store"
    return response


@requires(DRAFTS_VIEW)
async def preview_root(request: web.Request) -> web.StreamResponse:
    slug = request.match_info["slug"]
    raise web.HTTPFound(f"/admin/preview/{slug}/releases/{slug}/")


def setup(app: web.Application) -> None:
    app[LOCKS] = {}
    app.router.add_get("/admin/preview/{slug}", preview_root)
    app.router.add_get("/admin/preview/{slug}/{path:.*}", serve_preview)
