"""The snapshot read from the catalog index, and kept current: reloaded when another connection
has committed (a rebuild by the build worker: SQLite's `data_version`), checked at most once a
second. Only the request that finds the snapshot due waits for the check."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from sqlite_utils import Database

from tunecamp.daemon.db import Db
from tunecamp.daemon.subsonic.library import Album, Artist, Decorate, Library, Track, fold
from tunecamp.daemon.subsonic.render import iso

CHECK_INTERVAL = 1.0


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
        "g.release_mbid, g.album_artist_mbid, g.disc_title "
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
                disc_title=t["disc_title"],
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
        self._checking: asyncio.Future[Library] | None = None

    def invalidate(self) -> None:
        self._library, self._version = None, None

    async def get(self) -> Library:
        library = self._library
        if library is not None and time.monotonic() - self._checked < CHECK_INTERVAL:
            return library
        if self._checking is None:
            # The request that finds the snapshot due starts the check and waits for it: after a
            # quiet spell, the next request sees every commit made before it.
            self._checking = asyncio.ensure_future(self._check())
            self._checking.add_done_callback(_retrieved)
            return await asyncio.shield(self._checking)
        if library is not None:
            # Those that come while the check runs take the snapshot as it is (checked a second
            # or so ago). When they waited for the check too, every request in flight (30 or more
            # at 32 clients) stalled 50-100 ms once a second, a share of every browsing call's p99.
            return library
        return await asyncio.shield(self._checking)

    async def _check(self) -> Library:
        try:
            known, cached = self._version, self._library

            def check(db: Database) -> tuple[int, Library | None]:
                version = int(db.execute("PRAGMA data_version").fetchone()[0])
                if cached is not None and version == known:
                    return version, None
                library = load(db)
                if self.decorate is not None:
                    self.decorate(library)
                library.view(drafts=False).index_words()
                return version, library

            version, fresh = await self.db.run(check)
            if fresh is not None:
                self._library = fresh
            self._version, self._checked = version, time.monotonic()
            assert self._library is not None
            return self._library
        finally:
            self._checking = None


def _retrieved(check: asyncio.Future[Library]) -> None:
    """A failed check whose every waiter went away (cancelled) is not "never retrieved"."""
    if not check.cancelled():
        check.exception()
