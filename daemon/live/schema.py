"""The live feature's table (set `tunecamp.live`): every broadcast, for the dashboard and after a restart.

The segments and the playlist live in memory and in the data folder only while a session runs;
this row is what remains: who broadcast what, when, why it ended, the most listeners at once
and the draft release its recording became.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from tunecamp.daemon.schema import run_script

MIGRATIONS = Migrations("tunecamp.live")


@MIGRATIONS(name="m001_sessions")
def m001_sessions(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE live_sessions (
            id TEXT PRIMARY KEY,
            artist_slug TEXT NOT NULL,
            user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            title TEXT NOT NULL,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            end_reason TEXT,
            peak_listeners INTEGER NOT NULL DEFAULT 0,
            release_slug TEXT
        );
        CREATE INDEX live_sessions_artist ON live_sessions(artist_slug, started_at);
        """,
    )
