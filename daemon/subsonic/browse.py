"""Browsing: folders (getIndexes, getMusicDirectory), ID3 (getArtists, getArtist, getAlbum,
getSong), genres, artist and album info, similar and top songs (lyrics: lyrics.py)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from tunecamp.daemon.subsonic.call import Call
from tunecamp.daemon.subsonic.elements import element
from tunecamp.daemon.subsonic.ids import album_id, artist_id
from tunecamp.daemon.subsonic.items import (
    IGNORED_ARTICLES,
    album_child,
    album_id3,
    album_with_songs,
    artist_entry,
    artist_id3,
    index_letter,
    song,
)
from tunecamp.daemon.subsonic.library import Artist, Track, View, fold
from tunecamp.daemon.subsonic.lookup import find_album, find_artist, find_track
from tunecamp.daemon.subsonic.render import MISSING_PARAMETER, NOT_FOUND, SubsonicError


def _indexed(artists: list[Artist]) -> dict[str, list[Artist]]:
    groups: dict[str, list[Artist]] = {}
    for artist in artists:
        groups.setdefault(index_letter(artist.name), []).append(artist)
    return dict(sorted(groups.items(), key=lambda kv: (kv[0] == "#", kv[0])))


def _last_modified(view: View) -> int:
    latest = max((a.created for a in view.albums.values()), default=None)
    if latest is None:
        return 0
    try:
        stamp = dt.datetime.fromisoformat(latest)
    except ValueError:
        return 0
    return int((stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)).timestamp() * 1000)


async def get_indexes(call: Call) -> dict[str, Any]:
    view = await call.view()
    notes = await call.notes()
    modified = _last_modified(view)
    since = call.integer("ifModifiedSince", 0) or 0
    body: dict[str, Any] = {"ignoredArticles": IGNORED_ARTICLES, "lastModified": modified}
    if not since or since < modified:
        body["index"] = [
            {"name": letter, "artist": [artist_entry(a, notes, view) for a in group]}
            for letter, group in _indexed(view.artists).items()
        ]
    return {"indexes": body}


async def get_music_directory(call: Call) -> dict[str, Any]:
    view = await call.view()
    item = call.item("id", "artist", "album")
    if item.kind == "artist":
        artist = find_artist(view, call)
        notes = await call.notes()
        return {
            "directory": {
                "id": artist_id(artist.id),
                "name": artist.name,
                "starred": notes.starred("artist", artist.id),
                "userRating": notes.rating("artist", artist.id),
                "child": [album_child(a, view, notes) for a in view.artist_albums[artist.id]],
            }
        }
    album = find_album(view, call)
    notes = await call.notes()
    count, _ = notes.album_plays(album)
    return {
        "directory": {
            "id": album_id(album.id),
            "parent": artist_id(album.artist_id) if album.artist_id else None,
            "name": album.title,
            "starred": notes.starred("album", album.id),
            "userRating": notes.rating("album", album.id),
            "playCount": count,
            "child": [song(t, view, notes) for t in view.album_tracks(album)],
        }
    }


async def get_artists(call: Call) -> dict[str, Any]:
    view = await call.view()
    notes = await call.notes()
    return {
        "artists": {
            "ignoredArticles": IGNORED_ARTICLES,
            "index": [
                {"name": letter, "artist": [artist_id3(a, view, notes) for a in group]}
                for letter, group in _indexed(view.artists).items()
            ],
        }
    }


async def get_artist(call: Call) -> dict[str, Any]:
    view = await call.view()
    artist = find_artist(view, call)
    albums = view.artist_albums[artist.id]
    notes = await call.notes()
    found = artist_id3(artist, view, notes)
    return {
        "artist": element(found.shared, {**found.own, "album": [album_id3(a, view, notes) for a in albums]})
    }


async def get_album(call: Call) -> dict[str, Any]:
    view = await call.view()
    album = find_album(view, call)
    return {"album": album_with_songs(album, view, await call.notes())}


async def get_song(call: Call) -> dict[str, Any]:
    view = await call.view()
    track = find_track(view, call)
    return {"song": song(track, view, await call.notes())}


async def get_genres(call: Call) -> dict[str, Any]:
    view = await call.view()
    genres = [
        {"value": name, "songCount": songs, "albumCount": albums}
        for name, (songs, albums) in view.genres.items()
    ]
    return {"genres": {"genre": genres} if genres else {}}


def _similar_artists(view: View, artist: Artist, count: int) -> list[Artist]:
    genres = {fold(g) for a in view.artist_albums.get(artist.id, ()) for g in a.genres}
    if not genres:
        return []
    found = [
        other
        for other in view.artists
        if other.id != artist.id
        and genres & {fold(g) for a in view.artist_albums.get(other.id, ()) for g in a.genres}
    ]
    return found[:count]


async def _artist_info(call: Call, id3: bool) -> dict[str, Any]:
    view = await call.view()
    artist = find_artist(view, call)
    count = call.integer("count", 20, low=0, high=500) or 0
    notes = await call.notes()
    similar = _similar_artists(view, artist, count)
    info: dict[str, Any] = {"biography": artist.summary or None}
    if (image := view.library.images.get(artist.id)) is not None:
        info |= {"smallImageUrl": image, "mediumImageUrl": image, "largeImageUrl": image}
    if similar:
        info["similarArtist"] = [
            artist_id3(a, view, notes) if id3 else artist_entry(a, notes, view) for a in similar
        ]
    return {("artistInfo2" if id3 else "artistInfo"): info}


async def get_artist_info(call: Call) -> dict[str, Any]:
    return await _artist_info(call, id3=False)


async def get_artist_info2(call: Call) -> dict[str, Any]:
    return await _artist_info(call, id3=True)


async def get_album_info(call: Call) -> dict[str, Any]:
    view = await call.view()
    item = call.item("id", "album", "track")
    album = view.albums.get(item.number) if item.kind == "album" else None
    if item.kind == "track" and item.number in view.tracks:
        album = view.albums[view.tracks[item.number].album_id]
    if album is None:
        raise SubsonicError(NOT_FOUND, f"album {item} not found")
    return {"albumInfo": {"notes": album.summary or None}}


def _similar_songs(view: View, seed: Track | None, artist: Artist | None, count: int) -> list[Track]:
    """Songs of the same artists first, then of the same genres, shuffled; never the seed itself."""
    artists = set(seed.artist_ids if seed else ()) | ({artist.id} if artist else set())
    genres = {fold(g) for g in view.track_genres(seed)} if seed else set()
    if artist:
        genres |= {fold(g) for a in view.artist_albums.get(artist.id, ()) for g in a.genres}
    same_artist = [t for t in view.tracks.values() if set(t.artist_ids) & artists]
    same_genre = [
        t
        for t in view.tracks.values()
        if not set(t.artist_ids) & artists and genres & {fold(g) for g in view.track_genres(t)}
    ]
    rng = random.Random()
    rng.shuffle(same_artist)
    rng.shuffle(same_genre)
    return [t for t in same_artist + same_genre if seed is None or t.id != seed.id][:count]


async def _similar(call: Call, key: str) -> dict[str, Any]:
    view = await call.view()
    item = call.item("id", "artist", "album", "track")
    count = call.integer("count", 50, low=0, high=500) or 0
    seed: Track | None = None
    artist: Artist | None = None
    if item.kind == "track" and item.number in view.tracks:
        seed = view.tracks[item.number]
    elif item.kind == "album" and item.number in view.albums:
        album = view.albums[item.number]
        artist = view.library.artists.get(album.artist_id or -1)
    elif item.kind == "artist" and item.number in view.artist_albums:
        artist = view.library.artists[item.number]
    else:
        raise SubsonicError(NOT_FOUND, f"{item} not found")
    tracks = _similar_songs(view, seed, artist, count)
    notes = await call.notes()
    return {key: {"song": [song(t, view, notes) for t in tracks]} if tracks else {}}


async def get_similar_songs(call: Call) -> dict[str, Any]:
    return await _similar(call, "similarSongs")


async def get_similar_songs2(call: Call) -> dict[str, Any]:
    return await _similar(call, "similarSongs2")


async def get_top_songs(call: Call) -> dict[str, Any]:
    from tunecamp.daemon.subsonic.listening import play_totals

    view = await call.view()
    count = call.integer("count", 50, low=0, high=500) or 0
    if call.text("id"):  # topSongsByArtistId: the ID wins over the name
        artist = find_artist(view, call)
        artist_ids, name = {artist.id}, artist.key
    elif call.text("artist"):
        name = fold(call.required("artist"))
        artist_ids = {a.id for a in view.artists if a.key == name}
    else:
        raise SubsonicError(MISSING_PARAMETER, "required parameter is missing: artist (or id)")
    tracks = [t for t in view.tracks.values() if set(t.artist_ids) & artist_ids or fold(t.artist) == name]
    totals = await call.db(play_totals)
    tracks.sort(key=lambda t: (-totals.get(t.id, 0), -(t.year or 0), t.album_id, t.disc, t.number))
    tracks = tracks[:count]
    notes = await call.notes()
    return {"topSongs": {"song": [song(t, view, notes) for t in tracks]} if tracks else {}}


ENDPOINTS = {
    "getIndexes": get_indexes,
    "getMusicDirectory": get_music_directory,
    "getArtists": get_artists,
    "getArtist": get_artist,
    "getAlbum": get_album,
    "getSong": get_song,
    "getGenres": get_genres,
    "getArtistInfo": get_artist_info,
    "getArtistInfo2": get_artist_info2,
    "getAlbumInfo": get_album_info,
    "getAlbumInfo2": get_album_info,
    "getSimilarSongs": get_similar_songs,
    "getSimilarSongs2": get_similar_songs2,
    "getTopSongs": get_top_songs,
}
