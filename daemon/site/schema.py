"""The site feature's tables: the `builds` it records (runs.py, build_rows.py).

`m002_builds` and `m003_builds_skipped` are registered by the runner (migrations.py) in the set
`tunecamp.instance`, where databases made before the feature folders recorded them. Anything new
goes into `MIGRATIONS`, this feature's own set.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from tunecamp.daemon.schema import run_script

MIGRATIONS = Migrations("tunecamp.site")


def m002_builds(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE builds (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            reason TEXT NOT NULL,
            requested_by TEXT,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            state TEXT NOT NULL CHECK (state IN ('running', 'ok', 'failed')),
            published INTEGER NOT NULL DEFAULT 0,
            problems TEXT NOT NULL DEFAULT '[]',
            log TEXT NOT NULL DEFAULT ''
        );
    """,
    )


def m003_builds_skipped(db: Database) -> None:
    # a build the watcher asked for can end without work ("skipped"); SQLite cannot alter a
    # CHECK constraint, so the table is rebuilt, rows kept
    run_script(
        db,
        """
        CREATE TABLE builds_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            reason TEXT NOT NULL,
            requested_by TEXT,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            state TEXT NOT NULL CHECK (state IN ('running', 'ok', 'failed', 'skipped')),
            published INTEGER NOT NULL DEFAULT 0,
            problems TEXT NOT NULL DEFAULT '[]',
            log TEXT NOT NULL DEFAULT ''
        );
        INSERT INTO builds_new SELECT * FROM builds;
        DROP TABLE builds;
        ALTER TABLE builds_new RENAME TO builds
    """,
    )


@MIGRATIONS(name="m004_builds_queued")
def m004_builds_queued(db: Database) -> None:
    # A rebuild request is a row before it is a build (rebuild_job.py): `queued` with what it asks
    # for, then `running` with the process running it and that process's heartbeat, its log
    # written as it grows, so any process can show it; `error` is kept with the outcome.
    run_script(
        db,
        """
        CREATE TABLE builds_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            reason TEXT NOT NULL,
            requested_by TEXT,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'ok', 'failed', 'skipped')),
            published INTEGER NOT NULL DEFAULT 0,
            problems TEXT NOT NULL DEFAULT '[]',
            log TEXT NOT NULL DEFAULT '',
            index_only INTEGER NOT NULL DEFAULT 0,
            if_changed INTEGER NOT NULL DEFAULT 0,
            owner TEXT,
            heartbeat_at REAL,
            error TEXT
        );
        INSERT INTO builds_new (id, reason, requested_by, started_at, finished_at, state, published, problems, log)
            SELECT id, reason, requested_by, started_at, finished_at, state, published, problems, log FROM builds;
        DROP TABLE builds;
        ALTER TABLE builds_new RENAME TO builds;
        CREATE INDEX builds_state ON builds (state)
    """,
    )
