"""What the Subsonic API needs beyond the catalog index, filled from the same scan.

The catalog index (catalog_index.py) holds what every feature shares; the Subsonic API also needs
each track's download and streaming policy (to honour them in `download` and `stream`),
lyrics, the year, sample rate and bit depth, and where each cover comes from. One row per
indexed item, keyed by the index's stable IDs; `first_seen` is kept across refreshes so
"newest" means new to this library, not re-scanned. `refresh_media` runs after each build,
right after the catalog index: `create_app` hands it to the site's build manager.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlite_utils import Database

from tunecamp.daemon.catalog_index import RelativePaths, relative_path
from tunecamp.generator.catalog.model import Catalog, LyricLine


def _synced_line(line: LyricLine) -> list[Any]:
    """[start, text] or, with word timings, [start, text, [[start, end, word]...], end] (seconds)."""
    if not line.words:
        return [line.start, line.text]
    return [line.start, line.text, [[w.start, w.end, w.text] for w in line.words], line.end]


def refresh_media(db: Database, catalog: Catalog) -> int:
    """Upsert the media rows of every indexed item of `catalog`; returns how many tracks."""
    root = catalog.content_dir.resolve()
    paths = RelativePaths(root)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    albums = {r[1]: r[0] for r in db.execute("SELECT id, slug FROM catalog_albums WHERE missing = 0")}
    tracks = {r[1]: r[0] for r in db.execute("SELECT id, source_path FROM catalog_tracks WHERE missing = 0")}
    artists = {r[1]: r[0] for r in db.execute("SELECT id, slug FROM catalog_artists WHERE missing = 0")}
    count = 0
    with db.atomic():
        for artist in catalog.artists:
            artist_id = artists.get(artist.slug)
            if artist_id is None:
                continue
            db.execute(
                "INSERT INTO catalog_artist_media (artist_id, image, summary) VALUES (?, ?, ?) "
                "ON CONFLICT(artist_id) DO UPDATE SET image = excluded.image, summary = excluded.summary",
                [
                    artist_id,
                    relative_path(artist.image.source, root) if artist.image else None,
                    artist.summary,
                ],
            )
        for release in catalog.releases:
            album_id = albums.get(release.slug)
            if album_id is None:
                continue
            embedded = bool(release.cover and release.cover.embedded_in is not None)
            db.execute(
                "INSERT INTO catalog_album_media "
                "(album_id, first_seen, download, cover_embedded, label, summary, explicit) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(album_id) DO UPDATE SET "
                "download = excluded.download, cover_embedded = excluded.cover_embedded, "
                "label = excluded.label, summary = excluded.summary, explicit = excluded.explicit",
                [
                    album_id,
                    now,
                    release.settings.download,
                    int(embedded),
                    release.label,
                    release.summary,
                    int(release.settings.explicit),
                ],
            )
            for track in release.tracks:
                track_id = tracks.get(paths(track.source) or "")
                if track_id is None:
                    continue
                date = track.date or release.date
                lyrics = track.lyrics
                synced = [_synced_line(line) for line in lyrics.synced] if lyrics else []
                db.execute(
                    "INSERT INTO catalog_track_media (track_id, first_seen, download, streaming, codec, "
                    "sample_rate, channels, bits_per_sample, year, lyrics, synced_lyrics, isrc, "
                    "musicbrainz_id, explicit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT(track_id) DO UPDATE SET download = excluded.download, "
                    "streaming = excluded.streaming, codec = excluded.codec, "
                    "sample_rate = excluded.sample_rate, channels = excluded.channels, "
                    "bits_per_sample = excluded.bits_per_sample, year = excluded.year, "
                    "lyrics = excluded.lyrics, synced_lyrics = excluded.synced_lyrics, isrc = excluded.isrc, "
                    "musicbrainz_id = excluded.musicbrainz_id, explicit = excluded.explicit",
                    [
                        track_id,
                        now,
                        track.settings.download,
                        track.settings.streaming,
                        track.audio.codec,
                        track.audio.sample_rate,
                        track.audio.channels,
                        track.audio.bits_per_sample,
                        date.year if date else None,
                        lyrics.text if lyrics and lyrics.text else None,
                        json.dumps(synced) if synced else None,
                        track.isrc,
                        track.musicbrainz.get("recording"),
                        int(track.settings.explicit),
                    ],
                )
                db.execute(
                    "INSERT INTO catalog_track_tags (track_id, bpm, moods, release_types, original_date, "
                    "release_mbid, album_artist_mbid, disc_title) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT(track_id) DO UPDATE "
                    "SET bpm = excluded.bpm, moods = excluded.moods, release_types = excluded.release_types, "
                    "original_date = excluded.original_date, release_mbid = excluded.release_mbid, "
                    "album_artist_mbid = excluded.album_artist_mbid, disc_title = excluded.disc_title",
                    [
                        track_id,
                        track.bpm,
                        json.dumps(list(track.moods)),
                        json.dumps(list(track.release_types)),
                        track.original_date,
                        track.musicbrainz.get("release"),
                        track.musicbrainz.get("album_artist"),
                        track.disc_title,
                    ],
                )
                count += 1
    return count
