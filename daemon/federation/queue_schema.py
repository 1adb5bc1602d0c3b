"""The delivery side's tables: the outgoing activities and what each note was last delivered as.

Migration functions only, appended to the federation set (schema.py registers them):
- `fed_activities`: each outgoing activity once (its JSON and the local actor whose key signs it);
  since m301 also the outbox (outbox.py): `inboxes` until the fan-out has been handed to the
  jobs engine, `queued_at` when a hand-over took it;
- `fed_deliveries`: the queue before deliveries became jobs (issue 20); m301 leaves it in place
  because its pending rows can only be handed to the engine by a running daemon (the engine may
  be Redis), which does so once at start-up and empties it. A later release drops it;
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


def m301_deliveries_as_jobs(db: Database) -> None:
    """fed_activities becomes the outbox: what was queued before this was handed over already."""
    run_script(
        db,
        """
        ALTER TABLE fed_activities ADD COLUMN inboxes TEXT;
        ALTER TABLE fed_activities ADD COLUMN queued_at REAL;
        UPDATE fed_activities SET queued_at = created_at;
        CREATE INDEX fed_activities_unqueued ON fed_activities (created_at) WHERE inboxes IS NOT NULL;
        CREATE INDEX fed_activities_queued ON fed_activities (queued_at)
    """,
    )


# After m201_following, in this order.
JOBS_MIGRATIONS = (("m301_deliveries_as_jobs", m301_deliveries_as_jobs),)
