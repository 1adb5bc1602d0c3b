"""Library items as Subsonic elements: songs (Child), albums, artists, with the user's state.

Pure functions from the snapshot and the caller's annotations to response dicts. Values
that are unknown are None (left out by the renderer); IDs are strings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tunecamp.daemon.subsonic.elements import NOT_PLAYED, Element, Shared, element
from tunecamp.daemon.subsonic.ids import album_id, artist_id, track_id
from tunecamp.daemon.subsonic.library import Album, Artist, Track, View
from tunecamp.daemon.subsonic.render import iso


@dataclass(frozen=True)
class Annotations:
    """One user's stars, ratings and plays for the items of one response."""

    stars: dict[tuple[str, int], str] = field(default_factory=dict)
    ratings: dict[tuple[str, int], int] = field(default_factory=dict)
    plays: dict[int, tuple[int, str]] = field(default_factory=dict)  # track -> (count, last played)

    def starred(self, kind: str, number: int) -> str | None:
        return iso(self.stars.get((kind, number)))

    def rating(self, kind: str, number: int) -> int | None:
        return self.ratings.get((kind, number))

    # an album's songs -> their plays, summed once: these annotations live until the user's next
    # change (keyed by the songs, not the album ID, so a rebuild that changes them is not missed)
    _album_totals: dict[tuple[int, ...], tuple[int, str | None]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def album_plays(self, album: Album) -> tuple[int, str | None]:
        if not self.plays:  # nothing played yet (hashing the album's song IDs costs more than this)
            return 0, None
        found = self._album_totals.get(album.track_ids)
        if found is None:
            counts = [self.plays[t] for t in album.track_ids if t in self.plays]
            found = sum(c for c, _ in counts), max((last for _, last in counts), default=None)
            self._album_totals[album.track_ids] = found
        return found

    def untouched(self, album: Album) -> bool:
        """Whether the album and each of its songs are unplayed, unstarred and unrated."""
        plays, stars, ratings = self.plays, self.stars, self.ratings
        if not (plays or stars or ratings):
            return True
        if ("album", album.id) in stars or ("album", album.id) in ratings:
            return False
        return not any(
            t in plays or ("track", t) in stars or ("track", t) in ratings for t in album.track_ids
        )


NO_ANNOTATIONS = Annotations()


def _safe(part: str) -> str:
    return part.replace("/", "_").replace("\\", "_").strip() or "_"


def _artist_refs(view: View, ids: tuple[int, ...]) -> list[dict[str, Any]]:
    artists = view.library.artists
    return [{"id": artist_id(i), "name": artists[i].name} for i in ids if i in artists]


def _compact(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if v is not None}


def _song_base(track: Track, view: View) -> dict[str, Any]:
    album = view.library.albums[track.album_id]
    genres = view.track_genres(track)
    number = f"{track.number:02d} - " if track.number else ""
    return _compact(
        {
            "id": track_id(track.id),
            "parent": album_id(album.id),
            "isDir": False,
            "title": track.title,
            "album": album.title,
            "artist": track.artist,
            "track": track.number or None,
            "year": track.year,
            "genre": genres[0] if genres else None,
            "coverArt": album_id(album.id),
            "size": track.size,
            "contentType": track.mime,
            "suffix": track.suffix,
            "duration": round(track.duration),
            "bitRate": round(track.bitrate / 1000) if track.bitrate else None,
            "bitDepth": track.bits_per_sample,
            "samplingRate": track.sample_rate,
            "channelCount": track.channels,
            "path": f"{_safe(album.artist_name)}/{_safe(album.title)}/{number}{_safe(track.title)}.{track.suffix}",
            "isVideo": False,
            "discNumber": track.disc,
            "created": track.created,
            "albumId": album_id(album.id),
            "artistId": artist_id(track.artist_ids[0]) if track.artist_ids else None,
            "type": "music",
            "mediaType": "song",
            "musicBrainzId": track.musicbrainz_id,
            "isrc": [track.isrc] if track.isrc else None,
            "genres": [{"name": g} for g in genres],
            "artists": _artist_refs(view, track.artist_ids),
            "displayArtist": track.artist,
            "sortName": sort_name(track.title),
            "albumArtists": _artist_refs(view, album.artist_ids),
            "displayAlbumArtist": album.artist_name,
            "explicitStatus": "explicit" if track.explicit else None,
            "replayGain": view.library.site.gains.get((album.slug, track.slug)),
            "bpm": track.bpm,
            "moods": list(track.moods) or None,
        }
    )


def _shared(view: View, kind: str, number: int, make: Callable[[], dict[str, Any]]) -> Shared:
    shared = view.memo.get((kind, number))
    if shared is None:
        shared = view.memo[(kind, number)] = Shared(make())
    return shared


def song(track: Track, view: View, notes: Annotations = NO_ANNOTATIONS) -> Element:
    shared = _shared(view, "song", track.id, lambda: _song_base(track, view))
    count, last = notes.plays.get(track.id, (0, None))
    return element(shared, _own(notes, "track", track.id, count, last))


def _own(notes: Annotations, kind: str, number: int, count: int, last: str | None) -> Mapping[str, Any]:
    """The caller's own part of a song or album: its plays, star and rating (NOT_PLAYED if none)."""
    starred = iso(notes.stars.get((kind, number))) if notes.stars else None
    rating = notes.ratings.get((kind, number)) if notes.ratings else None
    if count == 0 and last is None and starred is None and rating is None:
        return NOT_PLAYED
    own: dict[str, Any] = {"playCount": count}
    if (played := iso(last)) is not None:
        own["played"] = played
    if starred is not None:
        own["starred"] = starred
    if rating is not None:
        own["userRating"] = rating
    return own


def release_date(date: str) -> dict[str, int] | None:
    """An ItemDate from "2021-05-01" (or "2021"): the parts known."""
    parts = date.split("-")[:3]
    if not all(p.isdigit() for p in parts):
        return None
    return dict(zip(("year", "month", "day"), (int(p) for p in parts), strict=False))


def _album_base(album: Album, view: View) -> dict[str, Any]:
    tracks = view.album_tracks(album)
    first = tracks[0] if tracks else None  # release-level tags (types, original date) ride on each track
    return _compact(
        {
            "id": album_id(album.id),
            "name": album.title,
            "artist": album.artist_name,
            "artistId": artist_id(album.artist_id) if album.artist_id else None,
            "coverArt": album_id(album.id),
            "songCount": len(tracks),
            "duration": round(sum(t.duration for t in tracks)),
            "created": album.created,
            "year": album.year,
            "genre": album.genres[0] if album.genres else None,
            "genres": [{"name": g} for g in album.genres],
            "artists": _artist_refs(view, album.artist_ids),
            "displayArtist": album.artist_name,
            "recordLabels": [{"name": album.label}] if album.label else None,
            "releaseDate": release_date(album.date) if album.date else None,
            "originalReleaseDate": release_date(first.original_date)
            if first and first.original_date
            else None,
            "releaseTypes": list(first.release_types) or None if first else None,
            "moods": sorted({m for t in tracks for m in t.moods}) or None,
            "discTitles": disc_titles(tracks) or None,
            "musicBrainzId": first.release_mbid if first else None,
            "sortName": sort_name(album.title),
            "explicitStatus": "explicit" if album.explicit else None,
            "isCompilation": False,
        }
    )


def album_id3(album: Album, view: View, notes: Annotations = NO_ANNOTATIONS) -> Element:
    shared = _shared(view, "album", album.id, lambda: _album_base(album, view))
    count, last = notes.album_plays(album)
    return element(shared, _own(notes, "album", album.id, count, last))


def album_with_songs(album: Album, view: View, notes: Annotations = NO_ANNOTATIONS) -> Element:
    """getAlbum's album, its songs inside.

    A caller who never played, starred or rated the album or any of its songs (most albums, for
    most callers) gets the same answer as every other such caller: that whole element is written
    once per snapshot, songs and all, rather than one song element per call."""
    if notes.untouched(album):
        return element(_shared(view, "album+songs", album.id, lambda: _with_songs(album, view)), {})
    found = album_id3(album, view, notes)
    return element(
        found.shared, {**found.own, "song": [song(t, view, notes) for t in view.album_tracks(album)]}
    )


def _with_songs(album: Album, view: View) -> dict[str, Any]:
    """Everyone's part and the untouched own part of the album and its songs, in the same order."""
    found = album_id3(album, view)
    return {**found.shared.fields, **found.own, "song": [song(t, view) for t in view.album_tracks(album)]}


def album_child(album: Album, view: View, notes: Annotations = NO_ANNOTATIONS) -> dict[str, Any]:
    """An album as a directory entry (getAlbumList, getMusicDirectory, search2)."""
    count, last = notes.album_plays(album)
    return {
        "id": album_id(album.id),
        "parent": artist_id(album.artist_id) if album.artist_id else None,
        "isDir": True,
        "title": album.title,
        "album": album.title,
        "artist": album.artist_name,
        "year": album.year,
        "genre": album.genres[0] if album.genres else None,
        "coverArt": album_id(album.id),
        "duration": round(sum(t.duration for t in view.album_tracks(album))),
        "playCount": count,
        "played": iso(last),
        "created": album.created,
        "starred": notes.starred("album", album.id),
        "userRating": notes.rating("album", album.id),
        "albumId": album_id(album.id),
        "artistId": artist_id(album.artist_id) if album.artist_id else None,
        "mediaType": "album",
    }


def disc_titles(tracks: Sequence[Track]) -> list[dict[str, Any]]:
    """OpenSubsonic DiscTitle items: each titled disc once, the first title its songs give."""
    titles: dict[int, str] = {}
    for track in tracks:
        if track.disc_title:
            titles.setdefault(track.disc, track.disc_title)
    return [{"disc": disc, "title": title} for disc, title in sorted(titles.items())]


def sort_name(name: str) -> str:
    """The name as it sorts: a leading article moves to the end ("Beatles, The")."""
    words = name.split(maxsplit=1)
    if len(words) == 2 and words[0] in IGNORED_ARTICLES.split():
        return f"{words[1]}, {words[0]}"
    return name


def _artist_mbid(artist: Artist, view: View) -> str | None:
    """The MusicBrainz ID the album-artist tag of one of the artist's own albums gives."""
    for album in view.artist_albums.get(artist.id, ()):
        tracks = view.album_tracks(album) if len(album.artist_ids) == 1 else []
        if tracks and tracks[0].album_artist_mbid:
            return tracks[0].album_artist_mbid
    return None


def _artist_base(artist: Artist, view: View) -> dict[str, Any]:
    # coverArt only for an artist with a picture of its own: apps then use their own artist art
    # (a placeholder here would hide it)
    return _compact(
        {
            "id": artist_id(artist.id),
            "name": artist.name,
            "coverArt": artist_id(artist.id) if artist.image else None,
            "artistImageUrl": view.library.images.get(artist.id),
            "albumCount": len(view.artist_albums.get(artist.id, ())),
            "sortName": sort_name(artist.name),
            "musicBrainzId": _artist_mbid(artist, view),
        }
    )


def artist_id3(artist: Artist, view: View, notes: Annotations = NO_ANNOTATIONS) -> Element:
    shared = _shared(view, "artist", artist.id, lambda: _artist_base(artist, view))
    own: dict[str, Any] = {}
    if (starred := iso(notes.stars.get(("artist", artist.id)))) is not None:
        own["starred"] = starred
    if (rating := notes.ratings.get(("artist", artist.id))) is not None:
        own["userRating"] = rating
    return element(shared, own)


def artist_entry(
    artist: Artist, notes: Annotations = NO_ANNOTATIONS, view: View | None = None
) -> dict[str, Any]:
    """An artist as a folder (getIndexes, search2, getStarred)."""
    return {
        "id": artist_id(artist.id),
        "name": artist.name,
        "artistImageUrl": view.library.images.get(artist.id) if view else None,
        "starred": notes.starred("artist", artist.id),
        "userRating": notes.rating("artist", artist.id),
    }


@dataclass(frozen=True)
class Found:
    """What a search or the starred list found."""

    artists: Sequence[Artist]
    albums: Sequence[Album]
    songs: Sequence[Track]


def found_items(view: View, found: Found, notes: Annotations, *, id3: bool) -> dict[str, Any]:
    """The artists, albums and songs of a search or starred answer, each left out when there are none.

    `id3` picks the ID3 elements (search3, getStarred2) over the folder ones (search2, getStarred).
    """
    body: dict[str, Any] = {}
    if found.artists:
        body["artist"] = [
            artist_id3(a, view, notes) if id3 else artist_entry(a, notes, view) for a in found.artists
        ]
    if found.albums:
        body["album"] = [(album_id3 if id3 else album_child)(a, view, notes) for a in found.albums]
    if found.songs:
        body["song"] = [song(t, view, notes) for t in found.songs]
    return body


IGNORED_ARTICLES = "The El La Los Las Le Les"


def index_letter(name: str) -> str:
    words = name.split(maxsplit=1)
    if len(words) == 2 and words[0] in IGNORED_ARTICLES.split():
        name = words[1]
    first = name[:1].upper()
    return first if first.isalpha() else "#"
