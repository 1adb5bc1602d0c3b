"""The library as Subsonic apps see it: an in-memory snapshot of the catalog index.

Apps browse and sync constantly (Symfonium pages through every song at each sync), so the
catalog is read once into memory and every browse or search is answered from there; only
each user's own state (stars, ratings, plays) is read per request. The snapshot reloads
when another connection has committed (a rebuild by the build worker: SQLite's
`data_version`), checked at most once a second.

Two views of one snapshot: listeners see published releases; Curators and above see every
release, drafts and unlisted ones included.
"""

from __future__ import annotations

import asyncio
import json
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlite_utils import Database

from tunecamp.daemon.db import Db
from tunecamp.daemon.subsonic.render import iso
from tunecamp.daemon.subsonic.site_info import SiteInfo

CHECK_INTERVAL = 1.0
# What a fresh snapshot learns from the built site (the artists' pictures, catalog.json), set
# by feature.py when it loads; it runs on the database thread, beside the load.
Decorate = Callable[["Library"], None]


def fold(text: str) -> str:
    """For matching and sorting: case- and accent-insensitive."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def joined(keys: Sequence[str]) -> tuple[str, list[int]]:
    """The keys in one string (NUL between them) and where each starts: str.find scans it in C."""
    starts, at = [], 0
    for key in keys:
        starts.append(at)
        at += len(key) + 1
    return "\0".join(keys), starts


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


@dataclass
class View:
    """What one audience may see, with the orders the list endpoints need."""

    library: Library
    albums: dict[int, Album]
    tracks: dict[int, Track]
    # the parts of each rendered item that are the same for every user (items.py)
    memo: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)

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

    @cached_property
    def album_keys(self) -> list[str]:
        return [a.key for a in self.albums_by_name]

    @cached_property
    def song_keys(self) -> list[str]:
        return [t.key for t in self.songs]

    @cached_property
    def song_blob(self) -> tuple[str, list[int]]:
        return joined(self.song_keys)

    @cached_property
    def album_blob(self) -> tuple[str, list[int]]:
        return joined(self.album_keys)

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


def load(db: Database) -> Library:
    """Read the whole index (items marked missing left out); runs on the database thread."""
    artists = {
        r["id"]: Artist(r["id"], r["name"], r["slug"], r["image"], r["summary"] or "", fold(r["name"]))
        for r in db.query(
            "SELECT a.id, a.name, a.slug, m.image, m.summary FROM catalog_artists a "
            "LEFT JOIN catalog_artist_media m ON m.artist_id = a.id WHERE a.missing = 0"
        )
    }
    by_slug = {a.slug: a.id for a in artists.values()}
    by_name = {a.key: a.id for a in artists.values()}
    track_rows: dict[int, list[dict[str, Any]]] = {}
    for r in db.query(
        "SELECT t.*, m.first_seen, m.download AS policy, m.streaming, m.codec, m.sample_rate, m.channels, "
        "m.bits_per_sample, m.year, m.lyrics IS NOT NULL OR m.synced_lyrics IS NOT NULL AS has_lyrics, "
        "m.isrc, m.musicbrainz_id, m.explicit, g.bpm, g.moods, g.release_types, g.original_date, "
        "g.release_mbid, g.album_artist_mbid "
        "FROM catalog_tracks t LEFT JOIN catalog_track_media m ON m.track_id = t.id "
        "LEFT JOIN catalog_track_tags g ON g.track_id = t.id WHERE t.missing = 0 "
        "ORDER BY t.album_id, t.disc, t.number, t.id"
    ):
        track_rows.setdefault(r["album_id"], []).append(r)
    albums: dict[int, Album] = {}
    tracks: dict[int, Track] = {}
    for r in db.query(
        "SELECT a.*, m.first_seen, m.download AS policy, m.cover_embedded, m.label, m.summary, m.explicit "
        "FROM catalog_albums a LEFT JOIN catalog_album_media m ON m.album_id = a.id WHERE a.missing = 0"
    ):
        artist_ids = tuple(by_slug[s] for s in json.loads(r["artist_slugs"]) if s in by_slug)
        if not artist_ids and r["artist_id"] in artists:
            artist_ids = (r["artist_id"],)
        artist_name = ", ".join(artists[i].name for i in artist_ids) or "Unknown Artist"
        rows = track_rows.get(r["id"], [])
        year = int(r["date"][:4]) if r["date"] and r["date"][:4].isdigit() else None
        album = Album(
            id=r["id"],
            title=r["title"],
            slug=r["slug"],
            artist_ids=artist_ids,
            artist_name=artist_name,
            status=r["status"],
            year=year,
            date=r["date"],
            genres=tuple(json.loads(r["genres"])),
            track_ids=tuple(t["id"] for t in rows),
            duration=sum(t["duration"] for t in rows),
            cover=r["cover"],
            cover_embedded=bool(r["cover_embedded"]),
            created=iso(r["first_seen"] or r["updated_at"]) or "",
            download=r["policy"] or "none",
            summary=r["summary"] or "",
            label=r["label"],
            explicit=bool(r["explicit"]),
            key=fold(f"{r['title']} {artist_name}"),
        )
        albums[album.id] = album
        for t in rows:
            names = [n.strip() for n in (t["artist"] or "").split(",") if n.strip()]
            ids = tuple(dict.fromkeys(by_name[fold(n)] for n in names if fold(n) in by_name)) or artist_ids
            suffix = t["source_path"].rsplit(".", 1)[-1].lower() if "." in t["source_path"] else t["format"]
            tracks[t["id"]] = Track(
                id=t["id"],
                album_id=album.id,
                slug=t["slug"],
                title=t["title"],
                artist=t["artist"] or artist_name,
                artist_ids=ids,
                number=t["number"],
                disc=t["disc"],
                duration=t["duration"],
                size=t["size"],
                source_path=t["source_path"],
                suffix=suffix,
                mime=t["mime"] or "application/octet-stream",
                bitrate=t["bitrate"],
                genres=tuple(json.loads(t["genres"])),
                year=t["year"] or year,
                codec=t["codec"] or t["format"],
                sample_rate=t["sample_rate"],
                channels=t["channels"],
                bits_per_sample=t["bits_per_sample"],
                created=iso(t["first_seen"] or t["updated_at"]) or "",
                download=t["policy"],
                streaming=t["streaming"] or "standard",
                has_lyrics=bool(t["has_lyrics"]),
                isrc=t["isrc"],
                musicbrainz_id=t["musicbrainz_id"],
                explicit=bool(t["explicit"]),
                key=fold(f"{t['title']} {t['artist']} {r['title']}"),
                bpm=t["bpm"],
                moods=tuple(json.loads(t["moods"])) if t["moods"] else (),
                release_types=tuple(json.loads(t["release_types"])) if t["release_types"] else (),
                original_date=t["original_date"],
                release_mbid=t["release_mbid"],
                album_artist_mbid=t["album_artist_mbid"],
            )
    return Library(artists, albums, tracks)


class LibraryCache:
    """The current snapshot; reloaded when the index changed (checked at most once a second)."""

    def __init__(self, db: Db, decorate: Decorate | None = None) -> None:
        self.db = db
        self.decorate = decorate
        self._library: Library | None = None
        self._version: int | None = None
        self._checked = 0.0
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        self._library, self._version = None, None

    async def get(self) -> Library:
        if self._library is not None and time.monotonic() - self._checked < CHECK_INTERVAL:
            return self._library
        async with self._lock:
            if self._library is not None and time.monotonic() - self._checked < CHECK_INTERVAL:
                return self._library
            known, cached = self._version, self._library

            def check(db: Database) -> tuple[int, Library | None]:
                version = int(db.execute("PRAGMA data_version").fetchone()[0])
                if cached is not None and version == known:
                    return version, None
                library = load(db)
                if self.decorate is not None:
                    self.decorate(library)
                return version, library

            version, fresh = await self.db.run(check)
            if fresh is not None:
                self._library = fresh
            self._version, self._checked = version, time.monotonic()
            assert self._library is not None
            return self._library
