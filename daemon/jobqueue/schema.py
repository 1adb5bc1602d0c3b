"""The job queue's migration set, `tunecamp.jobqueue`: the SQLite backend's tables.

- jobs: one row per job. `state` is queued, running, done or dead; `attempts` counts the failed
  attempts (a lapsed heartbeat counts as one); a queued job runs from `next_at`; a running one is
  `owner`'s (a consumer's id) while its `heartbeat_at` is fresh. One live job per (kind, key):
  the partial unique index covers queued and running rows only, so a finished (done or dead)
  job's key may be queued again — what the Redis backend (SAQ) does too.
- job_workers: the consumers' sign of life (one row per process), for the dashboard.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

MIGRATIONS = Migrations("tunecamp.jobqueue")


@MIGRATIONS(name="m001_jobs")
def m001_jobs(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE jobs (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            payload TEXT NOT NULL,              -- JSON
            state TEXT NOT NULL,                -- queued, running, done, dead
            attempts INTEGER NOT NULL DEFAULT 0, -- failed attempts
            next_at REAL NOT NULL,              -- queued: not before
            heartbeat_at REAL,                  -- running: the last sign of life
            owner TEXT,                         -- running: the consumer's id
            last_error TEXT NOT NULL DEFAULT '',
            created REAL NOT NULL,
            updated REAL NOT NULL
        );
        CREATE UNIQUE INDEX jobs_live ON jobs(kind, key) WHERE state IN ('queued', 'running');
        CREATE INDEX jobs_due ON jobs(kind, next_at) WHERE state = 'queued';
        CREATE INDEX jobs_running ON jobs(kind, heartbeat_at) WHERE state = 'running';
        CREATE INDEX jobs_finished ON jobs(state, updated) WHERE state IN ('done', 'dead');
        CREATE TABLE job_workers (
            id TEXT PRIMARY KEY,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            kinds TEXT NOT NULL,                -- JSON list
            in_serve INTEGER NOT NULL,
            started_at REAL NOT NULL,
            seen_at REAL NOT NULL
        );
        """
    )
