"""The discovery feature's migration set, `tunecamp.discovery`: instance state, never rebuilt.

- disc_instances: the TuneCamp instances reached (one row per origin), what they say of
  themselves, when they were first and last seen, their catalog's validators and latest
  releases, and the failures that back them off and, after a day unseen, mark them offline;
- disc_seeds: origins the Owner added on the dashboard (the settings' seeds are not stored);
- disc_blocks: origins never crawled, listed or served;
- disc_crawls: one row per crawl, for the dashboard (last crawl, requests, failures);
- m002: disc_instances.artists, the artists its catalog lists (slug, name, page), whom the
  dashboard's "Follow artists" follows.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

MIGRATIONS = Migrations("tunecamp.discovery")


@MIGRATIONS(name="m001_discovery")
def m001_discovery(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE disc_instances (
            origin TEXT PRIMARY KEY,            -- scheme://host[:port], lower case, no path
            name TEXT NOT NULL DEFAULT '',
            description TEXT NOT NULL DEFAULT '',
            url TEXT NOT NULL DEFAULT '',       -- the site's home page, as the instance says
            cover TEXT NOT NULL DEFAULT '',
            artist_name TEXT NOT NULL DEFAULT '',
            community_link TEXT NOT NULL DEFAULT '',
            software TEXT NOT NULL DEFAULT 'tunecamp',
            version TEXT NOT NULL DEFAULT '',
            depth INTEGER NOT NULL DEFAULT 1,   -- hops from the seeds when last reached
            first_seen REAL NOT NULL,
            last_seen REAL NOT NULL,
            catalog_url TEXT NOT NULL DEFAULT '',
            catalog_etag TEXT NOT NULL DEFAULT '',
            catalog_modified TEXT NOT NULL DEFAULT '',
            catalog_fetched_at REAL,
            releases TEXT NOT NULL DEFAULT '[]', -- JSON: the latest releases, newest first
            release_count INTEGER NOT NULL DEFAULT 0,
            failures INTEGER NOT NULL DEFAULT 0, -- consecutive
            last_error TEXT NOT NULL DEFAULT '',
            next_try REAL NOT NULL DEFAULT 0,    -- backoff: not fetched before this time
            offline_since REAL
        );
        CREATE INDEX disc_instances_offline ON disc_instances(offline_since);
        CREATE TABLE disc_seeds (
            origin TEXT PRIMARY KEY,
            added_by TEXT,
            added_at REAL NOT NULL
        );
        CREATE TABLE disc_blocks (
            origin TEXT PRIMARY KEY,
            reason TEXT NOT NULL DEFAULT '',
            created_by TEXT,
            created_at REAL NOT NULL
        );
        CREATE TABLE disc_crawls (
            id INTEGER PRIMARY KEY,
            trigger TEXT NOT NULL,              -- schedule, dashboard, command
            started_at REAL NOT NULL,
            finished_at REAL,
            requests INTEGER NOT NULL DEFAULT 0,
            reached INTEGER NOT NULL DEFAULT 0,  -- TuneCamp instances answering
            failures INTEGER NOT NULL DEFAULT 0, -- origins that could not be read
            dropped INTEGER NOT NULL DEFAULT 0,  -- no longer TuneCamp
            purged INTEGER NOT NULL DEFAULT 0,
            error TEXT NOT NULL DEFAULT ''
        );
        """
    )


@MIGRATIONS(name="m002_instance_artists")
def m002_instance_artists(db: Database) -> None:
    db.execute("ALTER TABLE disc_instances ADD COLUMN artists TEXT NOT NULL DEFAULT '[]'")  # JSON
