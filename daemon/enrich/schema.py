"""The enrichment feature's migration set, `tunecamp.enrich`: instance state, never rebuilt.

- enrich_cache: the public databases' answers, by URL, kept `TUNECAMP_ENRICH_CACHE_DAYS`
  (a 404 "no match" is an answer too; failures are not kept);
- enrich_runs: one row per look-up (command or dashboard): what was looked up, which providers
  answered, what failed, for the dashboard's list;
- enrich_proposals: the last diff per release, which the dashboard's form applies from (the form
  sends which fields, never values);
- enrich_lookups: the dashboard's look-up of a release while it is queued, running or waiting to
  be tried again, or why it failed; gone once its diff is saved.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

MIGRATIONS = Migrations("tunecamp.enrich")


@MIGRATIONS(name="m001_enrich")
def m001_enrich(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE enrich_cache (
            key TEXT PRIMARY KEY,               -- the URL asked (and whether it was asked with a token)
            provider TEXT NOT NULL,
            status INTEGER NOT NULL,            -- 200, or 404 for "no match"
            body BLOB NOT NULL,
            fetched_at REAL NOT NULL
        );
        CREATE INDEX enrich_cache_fetched ON enrich_cache(fetched_at);
        CREATE TABLE enrich_runs (
            id INTEGER PRIMARY KEY,
            trigger TEXT NOT NULL,              -- command, dashboard
            started_at REAL NOT NULL,
            finished_at REAL,
            releases TEXT NOT NULL DEFAULT '[]', -- JSON: the slugs looked up
            requests INTEGER NOT NULL DEFAULT 0, -- sent over the network
            cached INTEGER NOT NULL DEFAULT 0,   -- answered from enrich_cache
            answered TEXT NOT NULL DEFAULT '[]', -- JSON: providers that answered
            failures TEXT NOT NULL DEFAULT '[]', -- JSON: "provider: why" lines
            proposals INTEGER NOT NULL DEFAULT 0,
            applied INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE enrich_proposals (
            slug TEXT PRIMARY KEY,
            run_id INTEGER,
            diff TEXT NOT NULL,                 -- JSON: the proposals, see model.py
            created_at REAL NOT NULL
        );
        """
    )


@MIGRATIONS(name="m002_enrich_lookups")
def m002_enrich_lookups(db: Database) -> None:
    # a look-up is a background job (lookup_job.py): the page shows it pending, or why it failed,
    # whichever process runs it and whichever queue backend holds it
    db.executescript(
        """
        CREATE TABLE enrich_lookups (
            slug TEXT PRIMARY KEY,
            state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'retrying', 'failed')),
            error TEXT NOT NULL DEFAULT '',
            updated_at REAL NOT NULL
        );
        """
    )
