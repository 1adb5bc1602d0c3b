"""The enrichment tables: runs, and the last diff per release (schema.py has their columns)."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from tunecamp.daemon.enrich.fetch import Counters
from tunecamp.daemon.enrich.model import Diff

KEEP_RUNS = 200


def start_run(db: Database, trigger: str, slugs: list[str], now: float) -> int:
    cursor = db.execute(
        "INSERT INTO enrich_runs (trigger, started_at, releases) VALUES (?, ?, ?)",
        [trigger, now, json.dumps(slugs)],
    )
    db.execute("DELETE FROM enrich_runs WHERE id <= (SELECT MAX(id) FROM enrich_runs) - ?", [KEEP_RUNS])
    db.conn.commit()
    return int(cursor.lastrowid or 0)


def finish_run(db: Database, run_id: int, counters: Counters, proposals: int, now: float) -> None:
    db.execute(
        "UPDATE enrich_runs SET finished_at = ?, requests = ?, cached = ?, answered = ?, failures = ?,"
        " proposals = ? WHERE id = ?",
        [
            now,
            counters.requests,
            counters.cached,
            json.dumps(sorted(counters.answered)),
            json.dumps(counters.failures),
            proposals,
            run_id,
        ],
    )
    db.conn.commit()


def add_applied(db: Database, run_id: int, count: int) -> None:
    db.execute("UPDATE enrich_runs SET applied = applied + ? WHERE id = ?", [count, run_id])
    db.conn.commit()


def runs(db: Database, limit: int = 50) -> list[dict[str, Any]]:
    rows = list(db.query("SELECT * FROM enrich_runs ORDER BY id DESC LIMIT ?", [limit]))
    for row in rows:
        for key in ("releases", "answered", "failures"):
            row[key] = json.loads(row[key])
    return rows


def save_diff(db: Database, diff: Diff, run_id: int, now: float) -> None:
    db["enrich_proposals"].upsert(  # type: ignore[union-attr]
        {"slug": diff.slug, "run_id": run_id, "diff": json.dumps(diff.to_json()), "created_at": now},
        pk="slug",
    )


def load_diff(db: Database, slug: str) -> tuple[Diff, int, float] | None:
    row = db.execute(
        "SELECT diff, run_id, created_at FROM enrich_proposals WHERE slug = ?", [slug]
    ).fetchone()
    return (Diff.from_json(json.loads(row[0])), int(row[1] or 0), float(row[2])) if row else None


def prune_cache(db: Database, before: float) -> int:
    """Forget the answers older than the TTL; returns how many."""
    cursor = db.execute("DELETE FROM enrich_cache WHERE fetched_at < ?", [before])
    db.conn.commit()
    return cursor.rowcount


PENDING = ("queued", "running", "retrying")


def lookup_queued(db: Database, slug: str, now: float) -> None:
    """Mark a look-up queued, unless one is pending already (its job is what runs)."""
    db.execute(
        "INSERT INTO enrich_lookups (slug, state, error, updated_at) VALUES (?, 'queued', '', ?)"
        " ON CONFLICT (slug) DO UPDATE SET state = 'queued', error = '', updated_at = excluded.updated_at"
        " WHERE state = 'failed'",
        [slug, now],
    )
    db.conn.commit()


def lookup_state(db: Database, slug: str, state: str, error: str, now: float) -> None:
    db.execute(
        "INSERT INTO enrich_lookups (slug, state, error, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (slug) DO UPDATE SET state = excluded.state, error = excluded.error,"
        " updated_at = excluded.updated_at",
        [slug, state, error[:500], now],
    )
    db.conn.commit()


def lookup_done(db: Database, slug: str) -> None:
    db.execute("DELETE FROM enrich_lookups WHERE slug = ?", [slug])
    db.conn.commit()


def lookup(db: Database, slug: str) -> dict[str, Any] | None:
    row = db.execute("SELECT state, error, updated_at FROM enrich_lookups WHERE slug = ?", [slug]).fetchone()
    return {"state": row[0], "error": row[1], "updated_at": float(row[2])} if row else None
