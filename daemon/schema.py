"""The tables every feature shares: accounts (users) and the catalog index.

Migration functions only: the runner (migrations.py) registers them, with every feature's, under
the set and name each has always had. `m001_users` also made onboarding's `setup_tokens`: an
applied migration is never split, so that table stays here.
"""

from __future__ import annotations

from sqlite_utils import Database


def run_script(db: Database, sql: str) -> None:
    """Run `sql`'s statements one by one, inside the migration's transaction."""
    # Not executescript(): it commits first, which would break the migration's transaction.
    for statement in sql.split(";"):
        if statement.strip():
            db.execute(statement)


def m001_users(db: Database) -> None:
    run_script(
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


def m001_catalog_index(db: Database) -> None:
    # AUTOINCREMENT: an ID is never handed out twice, even after its row is deleted,
    # so a client holding an old ID can never be shown a different track.
    run_script(
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
