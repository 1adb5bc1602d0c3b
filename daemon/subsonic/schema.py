"""The Subsonic feature's tables: credentials, each user's listening state, the catalog's media rows.

Registered by the runner (migrations.py) under the set and name databases made before the
feature folders recorded: `m003_subsonic` in `tunecamp.instance` (precious state),
`m002_catalog_media` in `tunecamp.catalog` (rebuilt from content/ by media_rows.py). Anything
new goes into `MIGRATIONS`, this feature's own set.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from tunecamp.daemon.schema import run_script

MIGRATIONS = Migrations("tunecamp.subsonic")


@MIGRATIONS()
def m001_play_queue_index(db: Database) -> None:
    # Which entry of the saved queue is playing (indexBasedQueue): a queue may hold a song twice,
    # so the song's ID alone does not say which. A table of its own: play_queues is kept as it was.
    run_script(
        db,
        """
        CREATE TABLE play_queue_index (
            user_id INTEGER PRIMARY KEY REFERENCES play_queues(user_id) ON DELETE CASCADE,
            current_index INTEGER NOT NULL
        );
    """,
    )


@MIGRATIONS()
def m002_shares(db: Database) -> None:
    # Shares (shares.py): what a user shared, as (kind, catalog ID) pairs, and until when.
    run_script(
        db,
        """
        CREATE TABLE subsonic_shares (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            items TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            expires_at TEXT,
            last_visited TEXT,
            visit_count INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX subsonic_shares_user ON subsonic_shares(user_id);
    """,
    )


@MIGRATIONS()
def m003_track_tags(db: Database) -> None:
    # What the tags say beyond the index and the media rows (bpm, moods, release types, the original
    # date, the release's and album artist's MusicBrainz IDs), for the fields apps show; rebuilt from content/ with the media rows (media_rows.py).
    run_script(
        db,
        """
        CREATE TABLE catalog_track_tags (
            track_id INTEGER PRIMARY KEY,
            bpm INTEGER,
            moods TEXT NOT NULL DEFAULT '[]',
            release_types TEXT NOT NULL DEFAULT '[]',
            original_date TEXT,
            release_mbid TEXT,
            album_artist_mbid TEXT
        );
    """,
    )


@MIGRATIONS()
def m004_disc_titles(db: Database) -> None:
    # Each track's disc title (release.yaml `discs`, else DISCSUBTITLE/TSST): getAlbum's discTitles.
    run_script(db, "ALTER TABLE catalog_track_tags ADD COLUMN disc_title TEXT;")


def m003_subsonic(db: Database) -> None:
    # Subsonic credentials and each user's listening state (listening.py). Items are
    # (kind, catalog ID): catalog IDs survive rescans, so no foreign key ties this precious
    # state to the rebuildable index.
    run_script(
        db,
        """
        CREATE TABLE subsonic_passwords (
            user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            encrypted TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE api_keys (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            key_hash TEXT NOT NULL UNIQUE,
            label TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            last_used_at TEXT
        );
        CREATE TABLE stars (
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('artist', 'album', 'track')),
            item_id INTEGER NOT NULL,
            starred_at TEXT NOT NULL,
            PRIMARY KEY (user_id, kind, item_id)
        );
        CREATE TABLE ratings (
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('artist', 'album', 'track')),
            item_id INTEGER NOT NULL,
            rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
            PRIMARY KEY (user_id, kind, item_id)
        );
        CREATE TABLE plays (
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            track_id INTEGER NOT NULL,
            count INTEGER NOT NULL DEFAULT 0,
            last_played TEXT NOT NULL,
            PRIMARY KEY (user_id, track_id)
        );
        CREATE INDEX plays_track ON plays(track_id);
        CREATE TABLE playlists (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            comment TEXT NOT NULL DEFAULT '',
            public INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            changed_at TEXT NOT NULL
        );
        CREATE TABLE playlist_tracks (
            playlist_id INTEGER NOT NULL REFERENCES playlists(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            track_id INTEGER NOT NULL,
            PRIMARY KEY (playlist_id, position)
        );
        CREATE TABLE bookmarks (
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            track_id INTEGER NOT NULL,
            position_ms INTEGER NOT NULL,
            comment TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            changed_at TEXT NOT NULL,
            PRIMARY KEY (user_id, track_id)
        );
        CREATE TABLE play_queues (
            user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            current_track_id INTEGER,
            position_ms INTEGER NOT NULL DEFAULT 0,
            changed_at TEXT NOT NULL,
            changed_by TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE play_queue_tracks (
            user_id INTEGER NOT NULL REFERENCES play_queues(user_id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            track_id INTEGER NOT NULL,
            PRIMARY KEY (user_id, position)
        );
    """,
    )


def m002_catalog_media(db: Database) -> None:
    # What the Subsonic API needs beyond the index (policies, lyrics, cover source), one row
    # per indexed item, filled from the same scan by media_rows.refresh_media.
    run_script(
        db,
        """
        CREATE TABLE catalog_album_media (
            album_id INTEGER PRIMARY KEY,
            first_seen TEXT NOT NULL,
            download TEXT NOT NULL,
            cover_embedded INTEGER NOT NULL DEFAULT 0,
            label TEXT,
            summary TEXT NOT NULL DEFAULT '',
            explicit INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE catalog_track_media (
            track_id INTEGER PRIMARY KEY,
            first_seen TEXT NOT NULL,
            download TEXT NOT NULL,
            streaming TEXT NOT NULL,
            codec TEXT NOT NULL DEFAULT '',
            sample_rate INTEGER,
            channels INTEGER,
            bits_per_sample INTEGER,
            year INTEGER,
            lyrics TEXT,
            synced_lyrics TEXT,
            isrc TEXT,
            musicbrainz_id TEXT,
            explicit INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE catalog_artist_media (
            artist_id INTEGER PRIMARY KEY,
            image TEXT,
            summary TEXT NOT NULL DEFAULT ''
        );
    """,
    )
