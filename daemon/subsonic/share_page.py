"""The daemon's share page: /share/{token} lists a share's songs, /share/{token}/{song} plays one.

A share link names what it holds and nothing else: the songs are those of the share (drafts
included, since sharing a draft with reviewers is what the link is for), each played in the
site's stream quality (the built stream file; for a draft, which has none, the original when it
is a modest lossy file, else an MP3 made by ffmpeg within the transcode cap), never the lossless
original of a sold or code-locked release. Expired, deleted or forged links answer 404/410 and
say so; every visit of the page counts in visitCount.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from tunecamp.daemon.appkeys import DB, SECRET
from tunecamp.daemon.html import render, translate
from tunecamp.daemon.roles import PUBLIC, requires
from tunecamp.daemon.subsonic.call import SUBSONIC, Call
from tunecamp.daemon.subsonic.ids import parse, track_id
from tunecamp.daemon.subsonic.library import Track, View
from tunecamp.daemon.subsonic.media import Transcode, built_stream, busy, target_for, transcode
from tunecamp.daemon.subsonic.render import Format
from tunecamp.daemon.subsonic.shares import share_number, shared_tracks
from tunecamp.daemon.subsonic.sources import file_response
from tunecamp.generator.media.formats import stream_formats

LOSSY = frozenset({"mp3", "opus", "vorbis", "aac"})
MODEST_BPS = 192_000
SHARE_KBPS = 128


async def _share(request: web.Request) -> tuple[dict[str, Any], View, list[Track]]:
    number = share_number(request.app[SECRET].value, request.match_info["token"])
    if number is None:
        raise web.HTTPNotFound(
            text=translate(request, "No such share: the link is wrong or was never made here.")
        )
    row = await request.app[DB].run(
        lambda d: next(
            iter(
                d.query(
                    "SELECT s.*, u.username FROM subsonic_shares s JOIN users u ON u.id = s.user_id WHERE s.id = ?",
                    [number],
                )
            ),
            None,
        )
    )
    if row is None:
        raise web.HTTPGone(text="This share was deleted by the person who made it.")
    if row["expires_at"] and dt.datetime.fromisoformat(row["expires_at"]) <= dt.datetime.now(dt.UTC):
        raise web.HTTPGone(text="This share has expired; ask for a new link.")
    library = await request.app[SUBSONIC].library.get()
    view = library.view(True)  # a share may hold drafts: the link is the permission
    return row, view, shared_tracks(view, json.loads(row["items"]))


@requires(PUBLIC)
async def share_page(request: web.Request) -> web.Response:
    row, view, tracks = await _share(request)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    number = row["id"]
    await request.app[DB].run(
        lambda d: d.execute(
            "UPDATE subsonic_shares SET visit_count = visit_count + 1, last_visited = ? WHERE id = ?",
            [now, number],
        )
    )
    items = [
        {"id": track_id(t.id), "title": t.title, "artist": t.artist, "album": view.albums[t.album_id].title}
        for t in tracks
    ]
    title = row["description"] or (items[0]["album"] if items else "Shared music")
    return render(
        request,
        "subsonic/share.html",
        title=title,
        description=row["description"] if row["description"] != title else "",
        username=row["username"],
        expires=row["expires_at"],
        tracks=items,
        base=f"/share/{request.match_info['token']}",
    )


def _original_fits(track: Track) -> bool:
    return track.codec in LOSSY and track.bitrate is not None and track.bitrate <= MODEST_BPS


@requires(PUBLIC)
async def share_audio(request: web.Request) -> web.StreamResponse:
    _, view, tracks = await _share(request)
    item = parse(request.match_info["song"], "track")
    track = next((t for t in tracks if item is not None and t.id == item.number), None)
    if track is None:
        raise web.HTTPNotFound(text="This song is not part of the share.")
    state = request.app[SUBSONIC]
    call = Call(request, MultiDictProxy(MultiDict()), Format(), None, state)
    built = built_stream(call, view, track, None, 0)
    if built is not None:
        return file_response(*built)
    source = (call.config.content_dir / track.source_path).resolve()
    if not source.is_file():
        raise web.HTTPNotFound(text="The audio file of this song is missing.")
    if _original_fits(track) and any(f.codec == track.codec for f in stream_formats(track.streaming)):
        return file_response(source, track.mime)
    slot = -int(request.match_info["token"].partition("-")[0])  # the share's own slot, not a user's
    if not state.slots.take(slot) and not await state.slots.take_soon(slot):
        return busy(call)
    try:
        return await transcode(
            call, source, track, Transcode(target_for("mp3", SHARE_KBPS), SHARE_KBPS, 0.0, False)
        )
    finally:
        state.slots.give_back(slot)


def setup(app: web.Application) -> None:
    app.router.add_get("/share/{token}", share_page)
    app.router.add_get("/share/{token}/{song}", share_audio)
