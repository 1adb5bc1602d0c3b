"""The chat feature's tables (set `tunecamp.chat`): messages, sanctions (mutes and bans), reports.

Times are Unix seconds (REAL) from the feature's clock, so a test moves time instead of waiting.
A deleted message keeps its row (who deleted it, when) for the moderation log; history skips it.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from tunecamp.daemon.schema import run_script

MIGRATIONS = Migrations("tunecamp.chat")


@MIGRATIONS(name="m001_chat")
def m001_chat(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE chat_messages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            room TEXT NOT NULL,
            user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            author TEXT NOT NULL,
            address TEXT NOT NULL,
            text TEXT NOT NULL,
            at REAL NOT NULL,
            deleted_at REAL,
            deleted_by INTEGER REFERENCES users(id) ON DELETE SET NULL
        );
        CREATE INDEX chat_messages_room ON chat_messages(room, id);
        CREATE TABLE chat_sanctions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL CHECK (kind IN ('mute', 'ban')),
            user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
            address TEXT,
            reason TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL,
            created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            until REAL,
            lifted_at REAL,
            CHECK ((user_id IS NULL) <> (address IS NULL))
        );
        CREATE INDEX chat_sanctions_user ON chat_sanctions(user_id);
        CREATE INDEX chat_sanctions_address ON chat_sanctions(address);
        CREATE TABLE chat_reports (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            message_id INTEGER NOT NULL REFERENCES chat_messages(id) ON DELETE CASCADE,
            reporter TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            at REAL NOT NULL,
            resolved_at REAL,
            resolved_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            UNIQUE (message_id, reporter)
        );
        CREATE INDEX chat_reports_open ON chat_reports(resolved_at);
        """,
    )
