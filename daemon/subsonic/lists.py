"""Lists: getAlbumList(2) of every type, random songs, songs by genre, starred items, now playing."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from typing import Any

from tunecamp.daemon.subsonic.call import Call
from tunecamp.daemon.subsonic.items import Annotations, Found, album_child, album_id3, found_items, song
from tunecamp.daemon.subsonic.library import Album, Track, View, fold
from tunecamp.daemon.subsonic.listening import starred
from tunecamp.daemon.subsonic.now_playing import live
from tunecamp.daemon.subsonic.render import GENERIC, MISSING_PARAMETER, SubsonicError

MAX_SIZE = 500
LIST_TYPES = (
    "random",
    "newest",
    "highest",
    "frequent",
    "recent",
    "alphabeticalByName",
    "alphabeticalByArtist",
    "starred",
    "byYear",
    "byGenre",
)


async def _albums(call: Call, view: View) -> list[Album]:
    """Every album of the requested list type, in order (paged by the caller)."""
    kind = call.text("type")
    if not kind:
        raise SubsonicError(MISSING_PARAMETER, "required parameter is missing: type")
    if kind == "random":
        albums = list(view.albums.values())
        return random.sample(albums, len(albums))
    if kind == "newest":
        return view.albums_newest
    if kind == "alphabeticalByName":
        return view.albums_by_name
    if kind == "alphabeticalByArtist":
        return view.albums_by_artist
    if kind == "byYear":
        low = call.integer("fromYear")
        high = call.integer("toYear")
        if low is None or high is None:
            raise SubsonicError(MISSING_PARAMETER, "byYear needs fromYear and toYear")
        lo, hi = min(low, high), max(low, high)
        found = [a for a in view.albums_by_year if a.year is not None and lo <= a.year <= hi]
        return found if low <= high else found[::-1]
    if kind == "byGenre":
        genre = fold(call.required("genre"))
        return [a for a in view.albums_by_name if genre in {fold(g) for g in _album_genres(view, a)}]
    if kind in ("frequent", "recent"):
        plays = (await call.notes()).plays
        totals: dict[int, tuple[int, str]] = {}
        for track_id, (count, last) in plays.items():
            track = view.tracks.get(track_id)
            if track is None:
                continue
            old = totals.get(track.album_id, (0, ""))
            totals[track.album_id] = (old[0] + count, max(old[1], last))
        index = 0 if kind == "frequent" else 1
        ordered = sorted(totals, key=lambda a: (totals[a][index], a), reverse=True)
        return [view.albums[a] for a in ordered]
    if kind in ("starred", "highest"):
        notes = await call.notes()
        if kind == "starred":
            ids = sorted(
                (n for (k, n) in notes.stars if k == "album" and n in view.albums),
                key=lambda n: notes.stars[("album", n)],
                reverse=True,
            )
        else:
            ids = sorted(
                (n for (k, n) in notes.ratings if k == "album" and n in view.albums),
                key=lambda n: (-notes.ratings[("album", n)], fold(view.albums[n].title)),
            )
        return [view.albums[n] for n in ids]
    raise SubsonicError(GENERIC, f"unknown list type {kind[:40]!r}; one of {', '.join(LIST_TYPES)}")


def _album_genres(view: View, album: Album) -> set[str]:
    return set(album.genres) | {g for t in view.album_tracks(album) for g in t.genres}


async def _album_list(
    call: Call, key: str, render: Callable[[Album, View, Annotations], Mapping[str, Any]]
) -> dict[str, Any]:
    view = await call.view()
    size = call.integer("size", 10, low=0, high=MAX_SIZE) or 0
    offset = call.integer("offset", 0, low=0) or 0
    page = (await _albums(call, view))[offset : offset + size]
    notes = await call.notes()
    return {key: {"album": [render(a, view, notes) for a in page]} if page else {}}


async def get_album_list(call: Call) -> dict[str, Any]:
    return await _album_list(call, "albumList", album_child)


async def get_album_list2(call: Call) -> dict[str, Any]:
    return await _album_list(call, "albumList2", album_id3)


async def _songs(call: Call, key: str, tracks: list[Track], view: View) -> dict[str, Any]:
    notes = await call.notes()
    return {key: {"song": [song(t, view, notes) for t in tracks]} if tracks else {}}


async def get_random_songs(call: Call) -> dict[str, Any]:
    view = await call.view()
    size = call.integer("size", 10, low=0, high=MAX_SIZE) or 0
    genre = fold(call.text("genre") or "")
    low, high = call.integer("fromYear"), call.integer("toYear")
    pool = [
        t
        for t in view.tracks.values()
        if (not genre or genre in {fold(g) for g in view.track_genres(t)})
        and (low is None or (t.year is not None and t.year >= low))
        and (high is None or (t.year is not None and t.year <= high))
    ]
    return await _songs(call, "randomSongs", random.sample(pool, min(size, len(pool))), view)


async def get_songs_by_genre(call: Call) -> dict[str, Any]:
    view = await call.view()
    genre = fold(call.required("genre"))
    count = call.integer("count", 10, low=0, high=MAX_SIZE) or 0
    offset = call.integer("offset", 0, low=0) or 0
    found = [t for t in view.songs if genre in {fold(g) for g in view.track_genres(t)}]
    return await _songs(call, "songsByGenre", found[offset : offset + count], view)


async def _starred(call: Call, key: str, id3: bool) -> dict[str, Any]:
    view = await call.view()
    user_id = call.user.id
    rows = await call.db(lambda d: starred(d, user_id))
    artist_ids = [n for k, n, _ in rows if k == "artist" and n in view.artist_albums]
    albums = [view.albums[n] for k, n, _ in rows if k == "album" and n in view.albums]
    tracks = [view.tracks[n] for k, n, _ in rows if k == "track" and n in view.tracks]
    notes = await call.notes()
    artists = [view.library.artists[n] for n in artist_ids]
    return {key: found_items(view, Found(artists, albums, tracks), notes, id3=id3)}


async def get_starred(call: Call) -> dict[str, Any]:
    return await _starred(call, "starred", id3=False)


async def get_starred2(call: Call) -> dict[str, Any]:
    return await _starred(call, "starred2", id3=True)


async def get_now_playing(call: Call) -> dict[str, Any]:
    view = await call.view()
    now = time.time()
    entries = [e for e in live(call.state, now) if e.track_id in view.tracks]
    notes = await call.notes()
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


ENDPOINTS = {
    "getAlbumList": get_album_list,
    "getAlbumList2": get_album_list2,
    "getRandomSongs": get_random_songs,
    "getSongsByGenre": get_songs_by_genre,
    "getStarred": get_starred,
    "getStarred2": get_starred2,
    "getNowPlaying": get_now_playing,
}
