"""Bookmarks and the play queue: getBookmarks, createBookmark, deleteBookmark, getPlayQueue,
savePlayQueue (SQL in listening.py). Both keep where a user stopped, so another app goes on from there."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tunecamp.daemon.subsonic.call import Call
from tunecamp.daemon.subsonic.ids import parse, track_id
from tunecamp.daemon.subsonic.items import song
from tunecamp.daemon.subsonic.listening import (
    PlayQueue,
    bookmarks,
    delete_bookmark,
    play_queue,
    save_bookmark,
    save_play_queue,
)
from tunecamp.daemon.subsonic.lookup import find_track, find_tracks
from tunecamp.daemon.subsonic.render import GENERIC, MISSING_PARAMETER, NOT_FOUND, SubsonicError, iso

MAX_POSITION_MS = 10**12  # 31 years into a song: positions past it are a client's garbage, kept in range


async def get_bookmarks(call: Call) -> dict[str, Any]:
    view = await call.view()
    user = call.user
    rows = [r for r in await call.db(lambda d: bookmarks(d, user.id)) if r["track_id"] in view.tracks]
    notes = await call.notes()
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
    position = call.integer("position", high=MAX_POSITION_MS)
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
    notes = await call.notes()
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


async def get_play_queue_by_index(call: Call) -> dict[str, Any]:
    """The saved queue with the playing entry by its place (a song may be in it twice)."""
    view = await call.view()
    user = call.user
    saved = await call.db(lambda d: play_queue(d, user.id))
    if saved is None:
        now = iso(dt.datetime.now(dt.UTC))
        return {"playQueueByIndex": {"username": user.username, "changed": now, "changedBy": ""}}
    row, tracks = saved
    stored = row["current_index"]
    current = None
    if stored is not None and 0 <= stored < len(tracks) and tracks[stored] in view.tracks:
        current = sum(1 for t in tracks[:stored] if t in view.tracks)  # its place among what is shown
    visible = [t for t in tracks if t in view.tracks]
    notes = await call.notes()
    return {
        "playQueueByIndex": {
            "currentIndex": current,
            "position": row["position_ms"] if current is not None else None,
            "username": user.username,
            "changed": iso(row["changed_at"]),
            "changedBy": row["changed_by"],
            "entry": [song(view.tracks[t], view, notes) for t in visible] or None,
        }
    }


async def store_play_queue_by_index(call: Call) -> dict[str, Any]:
    view = await call.view()
    tracks = find_tracks(view, call, "id")
    index = call.integer("currentIndex")
    if index is not None and not 0 <= index < len(tracks):
        raise SubsonicError(GENERIC, f"currentIndex must be between 0 and {max(0, len(tracks) - 1)}")
    if index is None and call.text("position"):
        raise SubsonicError(MISSING_PARAMETER, "required parameter is missing: currentIndex (with position)")
    position = call.integer("position", 0, low=0, high=MAX_POSITION_MS) or 0
    user_id, client = call.user.id, (call.text("c") or "")[:100]
    queue = PlayQueue(tracks, tracks[index] if index is not None else None, position, client, index)
    await call.db(lambda d: save_play_queue(d, user_id, queue))
    return {}


async def store_play_queue(call: Call) -> dict[str, Any]:
    view = await call.view()
    tracks = find_tracks(view, call, "id")
    current_raw = call.text("current")
    current = parse(current_raw, "track") if current_raw else None
    if current_raw and current is None:
        raise SubsonicError(NOT_FOUND, f"current: no song with ID {current_raw[:60]!r}")
    position = call.integer("position", 0, low=0, high=MAX_POSITION_MS) or 0
    user_id, client = call.user.id, (call.text("c") or "")[:100]
    number = current.number if current else None
    queue = PlayQueue(tracks, number, position, client)
    await call.db(lambda d: save_play_queue(d, user_id, queue))
    return {}


ENDPOINTS = {
    "getBookmarks": get_bookmarks,
    "createBookmark": create_bookmark,
    "deleteBookmark": remove_bookmark,
    "getPlayQueue": get_play_queue,
    "savePlayQueue": store_play_queue,
    "getPlayQueueByIndex": get_play_queue_by_index,
    "savePlayQueueByIndex": store_play_queue_by_index,
}
