"""The federation feature's migration set, `tunecamp.federation`: instance state, never rebuilt.

m001 holds what the inbox keeps: the local actors' keys, the remote actors and keys it has
fetched, followers (accepted or awaiting the artist), likes and boosts per release, replies
awaiting moderation, blocks, reports (Flag) and the activity ids already seen. The delivery
queue's tables are appended after it (queue_schema.py), in this same set, then m201: the
follows this instance sends (fed_following: whom the label follows, and whether they accepted).
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from tunecamp.daemon.federation.queue_schema import JOBS_MIGRATIONS, QUEUE_MIGRATIONS

MIGRATIONS = Migrations("tunecamp.federation")


@MIGRATIONS(name="m001_federation")
def m001_federation(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE fed_keys (
            username TEXT PRIMARY KEY,          -- a local actor: artist slug, label or instance name
            private_pem TEXT NOT NULL,
            public_pem TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE fed_remote_actors (
            id TEXT PRIMARY KEY,                -- the actor's URL
            host TEXT NOT NULL,
            type TEXT NOT NULL DEFAULT '',
            preferred_username TEXT NOT NULL DEFAULT '',
            name TEXT NOT NULL DEFAULT '',
            url TEXT NOT NULL DEFAULT '',
            icon TEXT,
            inbox TEXT NOT NULL DEFAULT '',
            shared_inbox TEXT,
            key_id TEXT,
            public_pem TEXT,
            document TEXT NOT NULL DEFAULT '{}',
            fetched_at REAL NOT NULL
        );
        CREATE INDEX fed_remote_actors_key ON fed_remote_actors(key_id);
        CREATE TABLE fed_followers (
            username TEXT NOT NULL,             -- the local actor followed
            actor TEXT NOT NULL,                -- the remote follower
            inbox TEXT NOT NULL,
            shared_inbox TEXT,
            follow_id TEXT NOT NULL,
            follow TEXT NOT NULL,               -- the Follow as received, embedded in the Accept
            state TEXT NOT NULL CHECK (state IN ('accepted', 'pending')),
            created_at TEXT NOT NULL,
            PRIMARY KEY (username, actor)
        );
        CREATE INDEX fed_followers_actor ON fed_followers(actor);
        CREATE TABLE fed_reactions (
            activity_id TEXT PRIMARY KEY,       -- the Like or Announce
            kind TEXT NOT NULL CHECK (kind IN ('like', 'announce')),
            actor TEXT NOT NULL,
            object TEXT NOT NULL,               -- the note's id
            release TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (kind, actor, object)
        );
        CREATE INDEX fed_reactions_release ON fed_reactions(release);
        CREATE TABLE fed_comments (
            id TEXT PRIMARY KEY,                -- the remote Note's id
            release TEXT NOT NULL,
            actor TEXT NOT NULL,
            in_reply_to TEXT NOT NULL,
            url TEXT NOT NULL,
            published TEXT NOT NULL,
            content_html TEXT NOT NULL,         -- sanitised (nh3)
            text TEXT NOT NULL,                 -- plain text, what the static page shows
            author_name TEXT NOT NULL,
            author_handle TEXT NOT NULL,
            author_url TEXT NOT NULL,
            author_avatar TEXT,
            status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
            received_at TEXT NOT NULL,
            decided_by TEXT,
            decided_at TEXT
        );
        CREATE INDEX fed_comments_release ON fed_comments(release, status);
        CREATE INDEX fed_comments_actor ON fed_comments(actor);
        CREATE TABLE fed_blocks (
            kind TEXT NOT NULL CHECK (kind IN ('domain', 'actor')),
            value TEXT NOT NULL,                -- a host name, or an actor's URL
            username TEXT NOT NULL DEFAULT '',  -- '' blocks for the whole instance, else for one local actor
            reason TEXT NOT NULL DEFAULT '',
            created_by TEXT,
            created_at TEXT NOT NULL,
            PRIMARY KEY (kind, value, username)
        );
        CREATE TABLE fed_flags (
            id TEXT PRIMARY KEY,                -- the Flag activity's id
            actor TEXT NOT NULL,
            objects TEXT NOT NULL,              -- JSON list of the reported URLs
            content TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
            received_at TEXT NOT NULL
        );
        CREATE TABLE fed_seen (
            id TEXT PRIMARY KEY,                -- an activity id already handled (de-duplication)
            received_at REAL NOT NULL
        );
        CREATE INDEX fed_seen_time ON fed_seen(received_at);
        """
    )


# The delivery queue's migrations (D2's queue_schema.py), at the end of this set, in their order.
for _name, _migration in QUEUE_MIGRATIONS:
    MIGRATIONS(name=_name)(_migration)


@MIGRATIONS(name="m201_following")
def m201_following(db: Database) -> None:
    """Outgoing follows: the remote actors a local actor (the label) follows, and how they answered."""
    db.executescript(
        """
        CREATE TABLE fed_following (
            username TEXT NOT NULL,             -- the local actor following (the label)
            actor TEXT NOT NULL,                -- the remote actor followed
            handle TEXT NOT NULL DEFAULT '',    -- @name@host, for the dashboard
            inbox TEXT NOT NULL,                -- where the Follow and the Undo go
            shared_inbox TEXT,
            via TEXT NOT NULL DEFAULT '',       -- the discovered instance it was followed from
            follow_id TEXT NOT NULL UNIQUE,     -- our Follow's id: what an Accept or Reject must name
            follow TEXT NOT NULL,               -- our Follow as sent, embedded in the Undo
            state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected')),
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            PRIMARY KEY (username, actor)
        );
        CREATE INDEX fed_following_via ON fed_following(via, state);
        """
    )


# Deliveries as jobs (issue 20): the outbox columns, after m201.
for _name, _migration in JOBS_MIGRATIONS:
    MIGRATIONS(name=_name)(_migration)
