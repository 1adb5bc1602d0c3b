"""GET /health: is the database answering, is there disk space, is ffmpeg there, how went the last build.

Registered before every other route and depending on none of them, so it answers even
when a feature is broken. 503 when the daemon cannot do its job (no database, disk
full); a missing ffmpeg or a failed build is reported but leaves the site served.
"""

from __future__ import annotations

import asyncio
import functools
import shutil
from typing import Any

from aiohttp import web

from tunecamp.daemon.appkeys import BUILDS, CONFIG, DB
from tunecamp.daemon.roles import PUBLIC, requires

CHECK_TIMEOUT = 2.0


async def check_database(app: web.Application) -> dict[str, Any]:
    db = app[DB]
    try:
        tables = await asyncio.wait_for(
            db.run(lambda d: d.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]), CHECK_TIMEOUT
        )
    except TimeoutError:
        return {"ok": False, "error": f"no answer within {CHECK_TIMEOUT:g} s"}
    except Exception as exc:
        return {"ok": False, "error": str(exc) or type(exc).__name__}
    return {"ok": True, "tables": tables}


def check_disk(app: web.Application) -> dict[str, Any]:
    config = app[CONFIG]
    minimum = config.min_free_disk_mb * 1024 * 1024
    try:
        free = shutil.disk_usage(config.data_dir if config.data_dir.exists() else ".").free
    except OSError as exc:
        return {"ok": False, "error": str(exc)}
    return {"ok": free >= minimum, "free_mb": free // (1024 * 1024), "minimum_mb": config.min_free_disk_mb}


@functools.cache
def _ffmpeg() -> dict[str, Any]:
    from tunecamp.generator.media.ffmpeg import FFmpegNotFound, ffmpeg_path

    try:
        return {"ok": True, "path": ffmpeg_path()}
    except FFmpegNotFound as exc:
        return {"ok": False, "error": str(exc)}


def build_status(app: web.Application) -> dict[str, Any]:
    builds = app.get(BUILDS)
    if builds is None:
        return {"state": "disabled"}
    return builds.summary()


@requires(PUBLIC)
async def health(request: web.Request) -> web.Response:
    app = request.app
    database = await check_database(app)
    # the first call runs `ffmpeg -version` (in a thread); later ones read the cache
    ffmpeg = _ffmpeg() if _ffmpeg.cache_info().currsize else await asyncio.to_thread(_ffmpeg)
    body: dict[str, Any] = {
        "database": database,
        "disk": check_disk(app),
        "ffmpeg": ffmpeg,
        "build": build_status(app),
    }
    ok = database["ok"] and body["disk"]["ok"]
    body = {"status": "ok" if ok else "unavailable", **body}  # status first, for people reading it
    return web.json_response(body, status=200 if ok else 503, headers={"Cache-Control": "no-store"})


def setup(app: web.Application) -> None:
    app.router.add_get("/health", health)
