"""Media annotation: star, unstar, setRating, scrobble (SQL in listening.py).

Only `scrobble` with submission (the default) counts a play; without it, the song is what the
caller is playing now (now_playing.py).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from tunecamp.daemon.subsonic.call import Call
from tunecamp.daemon.subsonic.ids import ItemId
from tunecamp.daemon.subsonic.library import View
from tunecamp.daemon.subsonic.listening import scrobble, set_rating, star, unstar
from tunecamp.daemon.subsonic.lookup import MAX_ITEMS
from tunecamp.daemon.subsonic.now_playing import claim_play, mark_now_playing
from tunecamp.daemon.subsonic.render import GENERIC, MISSING_PARAMETER, NOT_FOUND, SubsonicError


def _visible(view: View, item: ItemId) -> bool:
    if item.kind == "artist":
        return item.number in view.artist_albums
    if item.kind == "album":
        return item.number in view.albums
    return item.kind == "track" and item.number in view.tracks


async def _star_items(call: Call) -> list[tuple[str, int]]:
    view = await call.view()
    items = [*call.items("id", "track", "album", "artist"), *call.items("albumId", "album")]
    items += call.items("artistId", "artist")
    if not items:
        raise SubsonicError(MISSING_PARAMETER, "required parameter is missing: id, albumId or artistId")
    for item in items:
        if not _visible(view, item):
            raise SubsonicError(NOT_FOUND, f"{item} not found")
    return [(i.kind, i.number) for i in items[:MAX_ITEMS]]


async def star_items(call: Call) -> dict[str, Any]:
    items, user_id = await _star_items(call), call.user.id
    await call.write_notes(lambda d: star(d, user_id, items))
    return {}


async def unstar_items(call: Call) -> dict[str, Any]:
    items, user_id = await _star_items(call), call.user.id
    await call.write_notes(lambda d: unstar(d, user_id, items))
    return {}


async def rate(call: Call) -> dict[str, Any]:
    view = await call.view()
    item = call.item("id", "track", "album", "artist")
    rating = call.integer("rating")
    if rating is None:
        raise SubsonicError(MISSING_PARAMETER, "required parameter is missing: rating")
    if not 0 <= rating <= 5:
        raise SubsonicError(GENERIC, "rating must be between 0 (no rating) and 5")
    if not _visible(view, item):
        raise SubsonicError(NOT_FOUND, f"{item} not found")
    user_id = call.user.id
    await call.write_notes(lambda d: set_rating(d, user_id, item.kind, item.number, rating))
    return {}


def _when(raw: str | None) -> str:
    stamp = time.time()
    if raw:
        try:
            stamp = int(raw) / 1000
        except ValueError:
            raise SubsonicError(GENERIC, f"time must be milliseconds since 1970, not {raw[:40]!r}") from None
    stamp = min(max(stamp, 0), time.time() + 86400)
    return dt.datetime.fromtimestamp(stamp, dt.UTC).isoformat(timespec="milliseconds")


async def scrobble_plays(call: Call) -> dict[str, Any]:
    """The only call that counts a play (submission=true); submission=false is "now playing"."""
    view = await call.view()
    ids = call.items("id", "track")
    if not ids:
        raise SubsonicError(MISSING_PARAMETER, "required parameter is missing: id")
    for item in ids:
        if item.number not in view.tracks:
            raise SubsonicError(NOT_FOUND, f"song {item} not found")
    times = call.all("time")
    if call.flag("submission", True):
        # a listen reportPlayback already counted is not counted again
        plays = [
            (item.number, _when(times[i] if i < len(times) else None))
            for i, item in enumerate(ids)
            if claim_play(call, item.number)
        ]
        user_id = call.user.id
        await call.write_notes(lambda d: scrobble(d, user_id, plays[:MAX_ITEMS]))
    else:
        mark_now_playing(call, view.tracks[ids[-1].number])
    return {}


ENDPOINTS = {"star": star_items, "unstar": unstar_items, "setRating": rate, "scrobble": scrobble_plays}
