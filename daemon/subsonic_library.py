"""Each user's own library: stars, ratings, scrobbles, now playing, playlists, bookmarks and
the play queue (SQL in subsonic_state.py), keyed by the catalog's stable IDs."""

from __future__ import annotations

import datetime as dt
import time
import zlib
from typing import Any

from tunecamp.daemon.roles import USERS_MANAGE, grant
from tunecamp.daemon.subsonic_browse import find_track
from tunecamp.daemon.subsonic_call import Call, NowPlayingEntry
from tunecamp.daemon.subsonic_catalog import Track, View
from tunecamp.daemon.subsonic_ids import ItemId, album_id, parse, playlist_id, track_id
from tunecamp.daemon.subsonic_items import Annotations, song
from tunecamp.daemon.subsonic_render import (
    GENERIC,
    MISSING_PARAMETER,
    NOT_AUTHORIZED,
    NOT_FOUND,
    SubsonicError,
    iso,
)
from tunecamp.daemon.subsonic_state import (
    Playlist,
    bookmarks,
    create_playlist,
    delete_bookmark,
    delete_playlist,
    get_playlist,
    play_queue,
    save_bookmark,
    save_play_queue,
    scrobble,
    set_rating,
    star,
    unstar,
    update_playlist,
    visible_playlists,
)

NOW_PLAYING_MINUTES = 30
MAX_NOW_PLAYING = 1000
MAX_NAME = 200
MAX_ITEMS = 5000


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
        plays = [(item.number, _when(times[i] if i < len(times) else None)) for i, item in enumerate(ids)]
        user_id = call.user.id
        await call.write_notes(lambda d: scrobble(d, user_id, plays[:MAX_ITEMS]))
    else:
        mark_now_playing(call, view.tracks[ids[-1].number])
    return {}


def mark_now_playing(call: Call, track: Track) -> None:
    """What getNowPlaying shows: one entry per user and app, replaced by the next song."""
    client = (call.text("c") or "unknown")[:100]
    if len(call.state.now_playing) >= MAX_NOW_PLAYING:  # bounded, whatever apps send as `c`
        oldest = min(call.state.now_playing, key=lambda k: call.state.now_playing[k].started)
        del call.state.now_playing[oldest]
    call.state.now_playing[(call.user.id, client)] = NowPlayingEntry(
        call.user.username, track.id, client, zlib.crc32(client.encode()) % 100_000, time.time()
    )


async def get_now_playing(call: Call) -> dict[str, Any]:
    view = await call.view()
    now = time.time()
    live = {k: e for k, e in call.state.now_playing.items() if now - e.started < NOW_PLAYING_MINUTES * 60}
    call.state.now_playing.clear()
    call.state.now_playing.update(live)
    entries = [e for e in live.values() if e.track_id in view.tracks]
    notes = await call.notes(e.track_id for e in entries)
    return {
        "nowPlaying": {
            "entry": [
                {
                    **song(view.tracks[e.track_id], view, notes),
                    "username": e.username,
                    "minutesAgo": int((now - e.started) // 60),
                    "playerId": e.player_id,
                    "playerName": e.player,
                }
                for e in sorted(entries, key=lambda e: -e.started)
            ]
        }
    }


# --- playlists ---------------------------------------------------------------------------


def _playlist(p: Playlist, view: View, notes: Annotations | None) -> dict[str, Any]:
    tracks = [view.tracks[t] for t in p.track_ids if t in view.tracks]
    body: dict[str, Any] = {
        "id": playlist_id(p.id),
        "name": p.name,
        "comment": p.comment or None,
        "owner": p.owner,
        "public": p.public,
        "songCount": len(tracks),
        "duration": round(sum(t.duration for t in tracks)),
        "created": iso(p.created),
        "changed": iso(p.changed),
        "coverArt": album_id(tracks[0].album_id) if tracks else playlist_id(p.id),
    }
    if notes is not None and tracks:
        body["entry"] = [song(t, view, notes) for t in tracks]
    return body


async def get_playlists(call: Call) -> dict[str, Any]:
    view = await call.view()
    wanted = call.text("username")
    me = call.user
    if wanted and wanted.casefold() != me.username.casefold() and grant(USERS_MANAGE, me.role) != "yes":
        raise SubsonicError(NOT_AUTHORIZED, "only managers and owners may list another user's playlists")
    found = await call.db(lambda d: visible_playlists(d, me.id))
    if wanted:
        found = [p for p in found if p.owner.casefold() == wanted.casefold()]
    return {"playlists": {"playlist": [_playlist(p, view, None) for p in found]} if found else {}}


async def _owned(call: Call, name: str, *, write: bool) -> Playlist:
    item = call.item(name, "playlist")
    found = await call.db(lambda d: get_playlist(d, item.number))
    me = call.user
    if found is None or (found.user_id != me.id and not found.public):
        raise SubsonicError(NOT_FOUND, f"playlist {item} not found")
    if write and found.user_id != me.id:
        raise SubsonicError(NOT_AUTHORIZED, "only its owner may change a playlist")
    return found


async def _with_songs(call: Call, number: int) -> dict[str, Any]:
    view = await call.view()
    found = await call.db(lambda d: get_playlist(d, number))
    assert found is not None
    notes = await call.notes(found.track_ids)
    return {"playlist": {**_playlist(found, view, notes)}}


async def get_playlist_songs(call: Call) -> dict[str, Any]:
    found = await _owned(call, "id", write=False)
    return await _with_songs(call, found.id)


def _track_ids(call: Call, view: View, name: str) -> list[int]:
    out = []
    for item in call.items(name, "track"):
        if item.number not in view.tracks:
            raise SubsonicError(NOT_FOUND, f"song {item} not found")
        out.append(item.number)
    if len(out) > MAX_ITEMS:
        raise SubsonicError(GENERIC, f"a playlist holds at most {MAX_ITEMS} songs")
    return out


def _name(raw: str) -> str:
    name = raw.strip()
    if not name:
        raise SubsonicError(MISSING_PARAMETER, "the playlist needs a name")
    return name[:MAX_NAME]


async def create(call: Call) -> dict[str, Any]:
    view = await call.view()
    tracks = _track_ids(call, view, "songId")
    if call.text("playlistId"):
        existing = await _owned(call, "playlistId", write=True)
        name = call.text("name")
        await call.db(
            lambda d: update_playlist(d, existing.id, name=_name(name) if name else None, track_ids=tracks)
        )
        return await _with_songs(call, existing.id)
    name = _name(call.required("name"))
    user_id = call.user.id
    number = await call.db(lambda d: create_playlist(d, user_id, name, tracks))
    return await _with_songs(call, number)


async def update(call: Call) -> dict[str, Any]:
    view = await call.view()
    found = await _owned(call, "playlistId", write=True)
    adding = _track_ids(call, view, "songIdToAdd")
    removing = set()
    for raw in call.all("songIndexToRemove"):
        try:
            removing.add(int(raw))
        except ValueError:
            raise SubsonicError(GENERIC, f"songIndexToRemove must be a number, not {raw[:40]!r}") from None
    tracks: list[int] | None = None
    if adding or removing:
        # indexes count the songs the client was shown: the ones it can see
        shown = [t for t in found.track_ids if t in view.tracks]
        hidden = [t for t in found.track_ids if t not in view.tracks]
        tracks = [t for i, t in enumerate(shown) if i not in removing] + adding + hidden
        if len(tracks) > MAX_ITEMS:
            raise SubsonicError(GENERIC, f"a playlist holds at most {MAX_ITEMS} songs")
    name = call.text("name")
    comment = call.text("comment")
    public = call.flag("public") if call.text("public") is not None else None
    await call.db(
        lambda d: update_playlist(
            d,
            found.id,
            name=_name(name) if name is not None else None,
            comment=comment[:1000] if comment is not None else None,
            public=public,
            track_ids=tracks,
        )
    )
    return {}


async def delete(call: Call) -> dict[str, Any]:
    found = await _owned(call, "id", write=True)
    await call.db(lambda d: delete_playlist(d, found.id))
    return {}


# --- bookmarks and the play queue ---------------------------------------------------------


async def get_bookmarks(call: Call) -> dict[str, Any]:
    view = await call.view()
    user = call.user
    rows = [r for r in await call.db(lambda d: bookmarks(d, user.id)) if r["track_id"] in view.tracks]
    notes = await call.notes(r["track_id"] for r in rows)
    marks = [
        {
            "position": r["position_ms"],
            "username": user.username,
            "comment": r["comment"] or None,
            "created": iso(r["created_at"]),
            "changed": iso(r["changed_at"]),
            "entry": song(view.tracks[r["track_id"]], view, notes),
        }
        for r in rows
    ]
    return {"bookmarks": {"bookmark": marks} if marks else {}}


async def create_bookmark(call: Call) -> dict[str, Any]:
    view = await call.view()
    track = find_track(view, call)
    position = call.integer("position")
    if position is None:
        raise SubsonicError(MISSING_PARAMETER, "required parameter is missing: position")
    comment = (call.text("comment") or "")[:1000]
    user_id = call.user.id
    await call.db(lambda d: save_bookmark(d, user_id, track.id, max(0, position), comment))
    return {}


async def remove_bookmark(call: Call) -> dict[str, Any]:
    item = call.item("id", "track")
    user_id = call.user.id
    await call.db(lambda d: delete_bookmark(d, user_id, item.number))
    return {}


async def get_play_queue(call: Call) -> dict[str, Any]:
    view = await call.view()
    user = call.user
    saved = await call.db(lambda d: play_queue(d, user.id))
    if saved is None:
        return {
            "playQueue": {"username": user.username, "changed": iso(dt.datetime.now(dt.UTC)), "changedBy": ""}
        }
    row, tracks = saved
    visible = [t for t in tracks if t in view.tracks]
    notes = await call.notes(visible)
    current = row["current_track_id"]
    return {
        "playQueue": {
            "current": track_id(current) if current in view.tracks else None,
            "position": row["position_ms"],
            "username": user.username,
            "changed": iso(row["changed_at"]),
            "changedBy": row["changed_by"],
            "entry": [song(view.tracks[t], view, notes) for t in visible] or None,
        }
    }


async def store_play_queue(call: Call) -> dict[str, Any]:
    view = await call.view()
    tracks = _track_ids(call, view, "id")
    current_raw = call.text("current")
    current = parse(current_raw, "track") if current_raw else None
    if current_raw and current is None:
        raise SubsonicError(NOT_FOUND, f"current: no song with ID {current_raw[:60]!r}")
    position = call.integer("position", 0, low=0) or 0
    user_id, client = call.user.id, (call.text("c") or "")[:100]
    number = current.number if current else None
    await call.db(lambda d: save_play_queue(d, user_id, tracks, number, position, client))
    return {}


ENDPOINTS = {
    "star": star_items,
    "unstar": unstar_items,
    "setRating": rate,
    "scrobble": scrobble_plays,
    "getNowPlaying": get_now_playing,
    "getPlaylists": get_playlists,
    "getPlaylist": get_playlist_songs,
    "createPlaylist": create,
    "updatePlaylist": update,
    "deletePlaylist": delete,
    "getBookmarks": get_bookmarks,
    "createBookmark": create_bookmark,
    "deleteBookmark": remove_bookmark,
    "getPlayQueue": get_play_queue,
    "savePlayQueue": store_play_queue,
}
