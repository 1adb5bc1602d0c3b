"""A song's source file, and a file as the answer of `stream` or `download` (with Range).

The source lies in content/ under the path the catalog index recorded; a file that went
missing since the last scan is error 70, with what fixes it.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from tunecamp.daemon.subsonic.call import Call
from tunecamp.daemon.subsonic.library import Track
from tunecamp.daemon.subsonic.render import NOT_FOUND, SubsonicError


def source_path(call: Call, track: Track) -> Path:
    path = (call.config.content_dir / track.source_path).resolve()
    if not path.is_file():
        raise SubsonicError(
            NOT_FOUND, f"the audio file of song tr-{track.id} is missing; a rescan will fix it"
        )
    return path


def file_response(path: Path, mime: str, **headers: str) -> web.FileResponse:
    return web.FileResponse(
        path, headers={"Content-Type": mime, "Accept-Ranges": "bytes", "Cache-Control": "private", **headers}
    )
