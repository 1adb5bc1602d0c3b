"""The delivery side's tables: the outgoing queue and what each note was last delivered as.

Migration functions only, appended at the end of the federation set (schema.py registers them):
- `fed_activities`: each outgoing activity once (its JSON and the local actor whose key signs it);
- `fed_deliveries`: one row per (activity, inbox), the unique key that makes enqueueing idempotent;
  a claim writes a lease, so a daemon killed mid-send delivers again after the lease runs out,
  and an acknowledged row (state 'done') is never sent again;
- `fed_published`: per note, the hash last delivered (publishing.py compares the manifest with it).
"""

from __future__ import annotations

from sqlite_utils import Database

from tunecamp.daemon.schema import run_script


def m101_delivery_queue(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE fed_activities (
            id TEXT PRIMARY KEY,
            actor TEXT NOT NULL,
            type TEXT NOT NULL,
            body TEXT NOT NULL,
            created_at REAL NOT NULL
        );
        CREATE TABLE fed_deliveries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            activity_id TEXT NOT NULL REFERENCES fed_activities(id) ON DELETE CASCADE,
            inbox TEXT NOT NULL,
            host TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dead')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_at REAL NOT NULL,
            lease_until REAL,
            lease_owner TEXT,
            last_status INTEGER,
            last_error TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            UNIQUE (activity_id, inbox)
        );
        CREATE INDEX fed_deliveries_due ON fed_deliveries (state, next_at);
        CREATE TABLE fed_published (
            note_id TEXT PRIMARY KEY,
            release TEXT NOT NULL,
            actor TEXT NOT NULL,                -- the artist's username (its key signs)
            actor_id TEXT NOT NULL,
            label TEXT,                         -- the label's username, whose followers got the Announce
            hash TEXT NOT NULL,
            create_id TEXT NOT NULL,
            announce_id TEXT,
            state TEXT NOT NULL CHECK (state IN ('live', 'deleted')),
            updated_at REAL NOT NULL
        );
    """,
    )


# (name, function) in the order they join the end of the federation set.
QUEUE_MIGRATIONS = (("m101_delivery_queue", m101_delivery_queue),)
