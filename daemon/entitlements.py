"""What an account may download because it redeemed a code or bought a release.

Shared because two features record entitlements (unlock/ when a signed-in listener redeems a
code, payments/ when a purchase is verified) and the protected downloads read them: a buyer
signed in downloads again later without a new grant. Precious instance state, in its own
migration set (`tunecamp.entitlements`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlite_utils import Database, Migrations

from tunecamp.daemon.schema import run_script

MIGRATIONS = Migrations("tunecamp.entitlements")


@MIGRATIONS(name="m001_entitlements")
def m001_entitlements(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE entitlements (
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            release_slug TEXT NOT NULL,
            source TEXT NOT NULL,
            reference TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (user_id, release_slug, source, reference)
        );
        """,
    )


def record(db: Database, user_id: int, release: str, source: str, reference: str) -> None:
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with db.atomic():
        db.execute(
            "INSERT OR IGNORE INTO entitlements (user_id, release_slug, source, reference, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [user_id, release, source, reference, now],
        )


def holds(db: Database, user_id: int, release: str) -> bool:
    row = db.execute(
        "SELECT 1 FROM entitlements WHERE user_id = ? AND release_slug = ? LIMIT 1", [user_id, release]
    ).fetchone()
    return row is not None


def of_user(db: Database, user_id: int) -> list[dict[str, Any]]:
    return list(
        db.query(
            "SELECT release_slug, source, reference, created_at FROM entitlements WHERE user_id = ? "
            "ORDER BY created_at DESC",
            [user_id],
        )
    )


def releases_of(db: Database, user_id: int) -> set[str]:
    """The slugs of the releases an account holds."""
    return {
        r[0]
        for r in db.execute("SELECT DISTINCT release_slug FROM entitlements WHERE user_id = ?", [user_id])
    }
