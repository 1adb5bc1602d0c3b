"""The database schema, as migrations applied at every start (sqlite-utils `Migrations`).

Two sets, kept apart on purpose: `instance` holds what only the daemon knows (accounts,
builds; later codes, payments, followers...) and is never rebuilt; `catalog` is the index
derived from content/, whose rows keep their IDs across rescans (see catalog_index.py).
A later feature adds its own set (or appends to these) and lists it in `SETS`; an applied
migration is never edited, only followed by a new one.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

instance = Migrations("tunecamp.instance")
catalog = Migrations("tunecamp.catalog")


@instance()
def m001_users(db: Database) -> None:
    _script(
        db,
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('owner', 'manager', 'curator', 'listener')),
            token_generation INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE user_artists (
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            artist_slug TEXT NOT NULL,
            PRIMARY KEY (user_id, artist_slug)
        );
        CREATE TABLE setup_tokens (
            token_hash TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            expires_at REAL NOT NULL,
            used_at TEXT
        );
    """,
    )


@instance()
def m002_builds(db: Database) -> None:
    _script(
        db,
        """
        CREATE TABLE builds (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            reason TEXT NOT NULL,
            requested_by TEXT,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            state TEXT NOT NULL CHECK (state IN ('running', 'ok', 'failed')),
            published INTEGER NOT NULL DEFAULT 0,
            problems TEXT NOT NULL DEFAULT '[]',
            log TEXT NOT NULL DEFAULT ''
        );
    """,
    )


@instance()
def m003_builds_skipped(db: Database) -> None:
    # a build the watcher asked for can end without work ("skipped"); SQLite cannot alter a
    # CHECK constraint, so the table is rebuilt, rows kept
    _script(
        db,
        """
        CREATE TABLE builds_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            reason TEXT NOT NULL,
            requested_by TEXT,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            state TEXT NOT NULL CHECK (state IN ('running', 'ok', 'failed', 'skipped')),
            published INTEGER NOT NULL DEFAULT 0,
            problems TEXT NOT NULL DEFAULT '[]',
            log TEXT NOT NULL DEFAULT ''
        );
        INSERT INTO builds_new SELECT * FROM builds;
        DROP TABLE builds;
        ALTER TABLE builds_new RENAME TO builds
    """,
    )


@catalog()
def m001_catalog_index(db: Database) -> None:
    # AUTOINCREMENT: an ID is never handed out twice, even after its row is deleted,
    # so a client holding an old ID can never be shown a different track.
    _script(
        db,
        """
        CREATE TABLE catalog_artists (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            slug TEXT NOT NULL,
            name TEXT NOT NULL,
            source_dir TEXT,
            missing INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX catalog_artists_slug ON catalog_artists(slug);
        CREATE TABLE catalog_albums (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            slug TEXT NOT NULL,
            title TEXT NOT NULL,
            artist_id INTEGER REFERENCES catalog_artists(id),
            artist_slugs TEXT NOT NULL DEFAULT '[]',
            status TEXT NOT NULL,
            source_dir TEXT NOT NULL,
            metadata_file TEXT,
            date TEXT,
            genres TEXT NOT NULL DEFAULT '[]',
            track_count INTEGER NOT NULL DEFAULT 0,
            duration REAL NOT NULL DEFAULT 0,
            cover TEXT,
            missing INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX catalog_albums_slug ON catalog_albums(slug);
        CREATE INDEX catalog_albums_artist ON catalog_albums(artist_id);
        CREATE TABLE catalog_tracks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            album_id INTEGER REFERENCES catalog_albums(id),
            slug TEXT NOT NULL,
            title TEXT NOT NULL,
            artist TEXT NOT NULL DEFAULT '',
            number INTEGER NOT NULL DEFAULT 0,
            disc INTEGER NOT NULL DEFAULT 1,
            duration REAL NOT NULL DEFAULT 0,
            size INTEGER NOT NULL DEFAULT 0,
            source_path TEXT NOT NULL,
            format TEXT NOT NULL DEFAULT '',
            mime TEXT NOT NULL DEFAULT '',
            bitrate INTEGER,
            genres TEXT NOT NULL DEFAULT '[]',
            missing INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX catalog_tracks_album ON catalog_tracks(album_id);
        CREATE INDEX catalog_tracks_source ON catalog_tracks(source_path);
    """,
    )


@instance()
def m003_subsonic(db: Database) -> None:
    # Subsonic credentials and each user's listening state (subsonic_library.py). Items are
    # (kind, catalog ID): catalog IDs survive rescans, so no foreign key ties this precious
    # state to the rebuildable index.
    _script(
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


@catalog()
def m002_catalog_media(db: Database) -> None:
    # What the Subsonic API needs beyond the index (policies, lyrics, cover source), one row
    # per indexed item, filled from the same scan by subsonic_index.refresh_media.
    _script(
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


def _script(db: Database, sql: str) -> None:
    # Not executescript(): it commits first, which would break the migration's transaction.
    for statement in sql.split(";"):
        if statement.strip():
            db.execute(statement)


SETS: tuple[Migrations, ...] = (instance, catalog)


def apply_migrations(db: Database, sets: tuple[Migrations, ...] = SETS) -> list[str]:
    """Apply every pending migration; returns the names applied ("set:name")."""
    applied = []
    for migrations in sets:
        pending = [m.name for m in migrations.pending(db)]
        migrations.apply(db)
        applied += [f"{migrations.name}:{name}" for name in pending]
    return applied
