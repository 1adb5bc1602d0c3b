"""The unlock feature's tables (set `tunecamp.unlock`): codes, as keyed hashes, and their redemptions."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from tunecamp.daemon.schema import run_script

MIGRATIONS = Migrations("tunecamp.unlock")


@MIGRATIONS(name="m001_codes")
def m001_codes(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE unlock_codes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            release_slug TEXT NOT NULL,
            code_hash TEXT NOT NULL UNIQUE,
            max_uses INTEGER NOT NULL DEFAULT 1,
            uses INTEGER NOT NULL DEFAULT 0,
            expires_at TEXT,
            note TEXT NOT NULL DEFAULT '',
            batch TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            revoked_at TEXT
        );
        CREATE INDEX unlock_codes_release ON unlock_codes(release_slug);
        CREATE TABLE unlock_redemptions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            code_id INTEGER NOT NULL REFERENCES unlock_codes(id) ON DELETE CASCADE,
            release_slug TEXT NOT NULL,
            redeemed_at TEXT NOT NULL,
            user_id INTEGER REFERENCES users(id) ON DELETE SET NULL
        );
        CREATE INDEX unlock_redemptions_release ON unlock_redemptions(release_slug);
        """,
    )
