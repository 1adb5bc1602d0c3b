"""Playlists: getPlaylists, getPlaylist, createPlaylist, updatePlaylist, deletePlaylist.

A user's own playlists and everyone's public ones, in SQL in listening.py. Songs a caller may
not see (a draft's, for a listener) are left out of what it is shown, and kept in the playlist.
"""

from __future__ import annotations

from typing import Any

from tunecamp.daemon.roles import USERS_MANAGE, grant
from tunecamp.daemon.subsonic.call import Call
from tunecamp.daemon.subsonic.ids import album_id, playlist_id
from tunecamp.daemon.subsonic.items import Annotations, song
from tunecamp.daemon.subsonic.library import View
from tunecamp.daemon.subsonic.listening import (
    Playlist,
    PlaylistChange,
    create_playlist,
    delete_playlist,
    get_playlist,
    update_playlist,
    visible_playlists,
)
from tunecamp.daemon.subsonic.lookup import MAX_ITEMS, find_tracks
from tunecamp.daemon.subsonic.render import (
    GENERIC,
    MISSING_PARAMETER,
    NOT_AUTHORIZED,
    NOT_FOUND,
    SubsonicError,
    iso,
)

MAX_NAME = 200


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
    notes = await call.notes()
    return {"playlist": {**_playlist(found, view, notes)}}


async def get_playlist_songs(call: Call) -> dict[str, Any]:
    found = await _owned(call, "id", write=False)
    return await _with_songs(call, found.id)


def _name(raw: str) -> str:
    name = raw.strip()
    if not name:
        raise SubsonicError(MISSING_PARAMETER, "the playlist needs a name")
    return name[:MAX_NAME]


async def create(call: Call) -> dict[str, Any]:
    view = await call.view()
    tracks = find_tracks(view, call, "songId")
    if call.text("playlistId"):
        existing = await _owned(call, "playlistId", write=True)
        name = call.text("name")
        await call.db(
            lambda d: update_playlist(
                d, existing.id, PlaylistChange(name=_name(name) if name else None, track_ids=tracks)
            )
        )
        return await _with_songs(call, existing.id)
    name = _name(call.required("name"))
    user_id = call.user.id
    number = await call.db(lambda d: create_playlist(d, user_id, name, tracks))
    return await _with_songs(call, number)


async def update(call: Call) -> dict[str, Any]:
    view = await call.view()
    found = await _owned(call, "playlistId", write=True)
    adding = find_tracks(view, call, "songIdToAdd")
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
            PlaylistChange(
                name=_name(name) if name is not None else None,
                comment=comment[:1000] if comment is not None else None,
                public=public,
                track_ids=tracks,
            ),
        )
    )
    return {}


async def delete(call: Call) -> dict[str, Any]:
    found = await _owned(call, "id", write=True)
    await call.db(lambda d: delete_playlist(d, found.id))
    return {}


ENDPOINTS = {
    "getPlaylists": get_playlists,
    "getPlaylist": get_playlist_songs,
    "createPlaylist": create,
    "updatePlaylist": update,
    "deletePlaylist": delete,
}
