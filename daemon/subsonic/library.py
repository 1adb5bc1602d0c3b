"""The library as Subsonic apps see it: an in-memory snapshot of the catalog index.

Apps browse and sync constantly (Symfonium pages through every song at each sync), so the
catalog is read once into memory and every browse or search is answered from there; only
each user's own state (stars, ratings, plays) is read per request. library_cache.py reads the
snapshot and reloads it when a rebuild has committed.

Two views of one snapshot: listeners see published releases; Curators and above see every
release, drafts and unlisted ones included.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from tunecamp.daemon.subsonic.elements import Shared
from tunecamp.daemon.subsonic.search_index import WordIndex
from tunecamp.daemon.subsonic.site_info import SiteInfo

# What a fresh snapshot learns from the built site (the artists' pictures, catalog.json), set
# by feature.py when it loads; it runs on the database thread, beside the load.
Decorate = Callable[["Library"], None]


def fold(text: str) -> str:
    """For matching and sorting: case- and accent-insensitive."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True, slots=True)
class Artist:
    id: int
    name: str
    slug: str
    image: str | None
    summary: str
    key: str  # folded name


@dataclass(frozen=True, slots=True)
class Album:
    id: int
    title: str
    slug: str
    artist_ids: tuple[int, ...]
    artist_name: str
    status: str
    year: int | None
    date: str | None  # as written: "2021-05-01"
    genres: tuple[str, ...]
    track_ids: tuple[int, ...]
    duration: float
    cover: str | None
    cover_embedded: bool
    created: str
    download: str
    summary: str
    label: str | None
    explicit: bool
    key: str  # folded title and artist

    @property
    def artist_id(self) -> int | None:
        return self.artist_ids[0] if self.artist_ids else None


@dataclass(frozen=True, slots=True)
class Track:
    id: int
    album_id: int
    slug: str
    title: str
    artist: str
    artist_ids: tuple[int, ...]
    number: int
    disc: int
    duration: float
    size: int
    source_path: str
    suffix: str
    mime: str
    bitrate: int | None
    genres: tuple[str, ...]
    year: int | None
    codec: str
    sample_rate: int | None
    channels: int | None
    bits_per_sample: int | None
    created: str
    download: str | None  # None: no media row yet (treated as protected)
    streaming: str
    has_lyrics: bool
    isrc: str | None
    musicbrainz_id: str | None
    explicit: bool
    key: str  # folded title, artist and album
    bpm: int | None = None
    moods: tuple[str, ...] = ()
    release_types: tuple[str, ...] = ()
    original_date: str | None = None
    release_mbid: str | None = None
    album_artist_mbid: str | None = None
    disc_title: str | None = None


@dataclass
class View:
    """What one audience may see, with the orders the list endpoints need."""

    library: Library
    albums: dict[int, Album]
    tracks: dict[int, Track]
    # the parts of each rendered item that are the same for every user (items.py)
    memo: dict[tuple[str, int], Shared] = field(default_factory=dict)

    @cached_property
    def artists(self) -> list[Artist]:
        ids = {a for album in self.albums.values() for a in album.artist_ids}
        return sorted((self.library.artists[i] for i in ids), key=lambda a: (a.key, a.id))

    @cached_property
    def artist_albums(self) -> dict[int, list[Album]]:
        out: dict[int, list[Album]] = {}
        for album in sorted(self.albums.values(), key=lambda a: (a.year or 0, a.key, a.id)):
            for artist_id in album.artist_ids:
                out.setdefault(artist_id, []).append(album)
        return out

    @cached_property
    def albums_by_name(self) -> list[Album]:
        return sorted(self.albums.values(), key=lambda a: (fold(a.title), a.id))

    @cached_property
    def albums_by_artist(self) -> list[Album]:
        return sorted(
            self.albums.values(), key=lambda a: (fold(a.artist_name), a.year or 0, fold(a.title), a.id)
        )

    @cached_property
    def albums_newest(self) -> list[Album]:
        return sorted(self.albums.values(), key=lambda a: (a.created, a.id), reverse=True)

    @cached_property
    def albums_by_year(self) -> list[Album]:
        return sorted(self.albums.values(), key=lambda a: (a.year or 0, fold(a.title), a.id))

    @cached_property
    def songs(self) -> list[Track]:
        """Every visible track in ID order: stable pages for a full sync."""
        return sorted(self.tracks.values(), key=lambda t: t.id)

    def index_words(self) -> None:
        """Build the search indexes now: on the database thread beside the load, not in a request."""
        _ = self.artist_words, self.album_words, self.song_words

    @cached_property
    def artist_words(self) -> WordIndex:
        return WordIndex([a.key for a in self.artists])

    @cached_property
    def album_words(self) -> WordIndex:
        return WordIndex([a.key for a in self.albums_by_name])

    @cached_property
    def song_words(self) -> WordIndex:
        return WordIndex([t.key for t in self.songs])

    @cached_property
    def genres(self) -> dict[str, tuple[int, int]]:
        """genre -> (songs, albums), named as first written, sorted."""
        names: dict[str, str] = {}
        songs: dict[str, int] = {}
        albums: dict[str, set[int]] = {}
        for track in self.tracks.values():
            for genre in self.track_genres(track):
                key = fold(genre)
                names.setdefault(key, genre)
                songs[key] = songs.get(key, 0) + 1
                albums.setdefault(key, set()).add(track.album_id)
        return {names[k]: (songs[k], len(albums[k])) for k in sorted(names)}

    def track_genres(self, track: Track) -> tuple[str, ...]:
        return track.genres or self.albums[track.album_id].genres

    def album_tracks(self, album: Album) -> list[Track]:
        return [self.tracks[t] for t in album.track_ids if t in self.tracks]


@dataclass
class Library:
    artists: dict[int, Artist]
    albums: dict[int, Album]
    tracks: dict[int, Track]
    images: dict[int, str] = field(default_factory=dict)  # artist ID -> its picture on the static site
    site: SiteInfo = field(default_factory=SiteInfo)  # what the last build published (site_info.py)
    _views: dict[bool, View] = field(default_factory=dict)

    def view(self, drafts: bool) -> View:
        if drafts not in self._views:
            albums = {i: a for i, a in self.albums.items() if drafts or a.status == "published"}
            tracks = {i: t for i, t in self.tracks.items() if t.album_id in albums}
            self._views[drafts] = View(self, albums, tracks)
        return self._views[drafts]
