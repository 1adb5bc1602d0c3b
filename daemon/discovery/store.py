"""The discovery tables (schema.py): what a crawl found, written; what the pages show, read.

Plain functions of a sqlite-utils Database, run on the database thread (`Db.run`). Times are
Unix seconds from the service's clock, never read here, so a test can move time along.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from tunecamp.daemon.discovery.catalogs import artists_json, releases_json
from tunecamp.daemon.discovery.crawler import Known, Probe
from tunecamp.daemon.discovery.limits import Limits


@dataclass(frozen=True)
class Tally:
    reached: int = 0
    failures: int = 0
    dropped: int = 0


def known(db: Database) -> dict[str, Known]:
    return {
        r["origin"]: Known(
            r["catalog_url"], r["catalog_etag"], r["catalog_modified"], r["next_try"], r["depth"]
        )
        for r in db.query(
            "SELECT origin, catalog_url, catalog_etag, catalog_modified, next_try, depth FROM disc_instances"
        )
    }


def blocked(db: Database) -> set[str]:
    return {r["origin"] for r in db.query("SELECT origin FROM disc_blocks")}


def seeds(db: Database) -> list[dict[str, Any]]:
    return list(db.query("SELECT origin, added_by, added_at FROM disc_seeds ORDER BY added_at"))


def record(db: Database, probes: Iterable[Probe], now: float, limits: Limits) -> Tally:
    """Write one level's probes in one transaction."""
    reached = failures = dropped = 0
    with db.conn:
        count = db.execute("SELECT COUNT(*) FROM disc_instances").fetchone()[0]
        for probe in probes:
            if probe.outcome == "instance":
                count += _seen(db, probe, now, room=count < limits.max_instances)
                reached += 1
            elif probe.outcome == "not_tunecamp":
                dropped += db.execute("DELETE FROM disc_instances WHERE origin = ?", [probe.origin]).rowcount
            elif probe.outcome == "failed":
                failures += 1
                row = db.execute(
                    "SELECT failures FROM disc_instances WHERE origin = ?", [probe.origin]
                ).fetchone()
                if row is not None:
                    db.execute(
                        "UPDATE disc_instances SET failures = ?, last_error = ?, next_try = ? WHERE origin = ?",
                        [row[0] + 1, probe.error[:500], now + limits.backoff(row[0] + 1), probe.origin],
                    )
    return Tally(reached, failures, dropped)


def _seen(db: Database, probe: Probe, now: float, room: bool) -> int:
    """Insert or update a reachable instance; 1 when a row was added."""
    info, catalog = probe.info, probe.catalog
    fields: dict[str, Any] = {
        "name": info.name,
        "description": info.description,
        "url": info.url or probe.origin,
        "cover": info.cover,
        "artist_name": info.artist_name,
        "community_link": info.community_link,
        "software": probe.software.name,
        "version": probe.software.version or info.version,
        "depth": probe.depth,
        "last_seen": now,
        "failures": 0,
        "last_error": probe.error[:500],
        "next_try": 0,
        "offline_since": None,
    }
    if catalog is not None and catalog.state != "failed":
        fields |= {
            "catalog_url": catalog.url,
            "catalog_etag": catalog.etag,
            "catalog_modified": catalog.modified,
            "catalog_fetched_at": now,
        }
        if catalog.state == "fresh" and catalog.catalog is not None:
            fields["releases"] = json.dumps(releases_json(catalog.catalog.releases))
            fields["release_count"] = catalog.catalog.count
            fields["artists"] = json.dumps(artists_json(catalog.catalog.artists))
    exists = db.execute("SELECT 1 FROM disc_instances WHERE origin = ?", [probe.origin]).fetchone()
    if exists:
        sets = ", ".join(f"{k} = ?" for k in fields)
        db.execute(f"UPDATE disc_instances SET {sets} WHERE origin = ?", [*fields.values(), probe.origin])
        return 0
    if not room:
        return 0
    db.table("disc_instances").insert({"origin": probe.origin, "first_seen": now, **fields})
    return 1


def sweep(db: Database, now: float, limits: Limits) -> tuple[int, int]:
    """Instances unseen for a day go offline; those offline for 30 days are forgotten."""
    with db.conn:
        offline = db.execute(
            "UPDATE disc_instances SET offline_since = ? WHERE offline_since IS NULL AND last_seen < ?",
            [now, now - limits.offline_after],
        ).rowcount
        purged = db.execute(
            "DELETE FROM disc_instances WHERE offline_since IS NOT NULL AND offline_since < ?",
            [now - limits.purge_after],
        ).rowcount
    return offline, purged


def start_crawl(db: Database, trigger: str, now: float) -> int:
    with db.conn:
        cursor = db.execute("INSERT INTO disc_crawls (trigger, started_at) VALUES (?, ?)", [trigger, now])
        return int(cursor.lastrowid or 0)


def finish_crawl(db: Database, crawl: int, values: dict[str, Any]) -> None:
    with db.conn:
        db.table("disc_crawls").update(crawl, values)
        # the dashboard shows the last ones; a year of crawls every 6 h stays small, but not for ever
        db.execute("DELETE FROM disc_crawls WHERE id <= ?", [crawl - 200])


def crawls(db: Database, limit: int = 10) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM disc_crawls ORDER BY id DESC LIMIT ?", [limit]))


def instances(db: Database, *, online_only: bool = False) -> list[dict[str, Any]]:
    where = "WHERE offline_since IS NULL" if online_only else ""
    rows = list(db.query(f"SELECT * FROM disc_instances {where} ORDER BY lower(name), origin"))
    for row in rows:
        for column in ("releases", "artists"):
            try:
                row[column] = json.loads(row[column])
            except ValueError:
                row[column] = []
    return rows


def artists(db: Database, origin: str) -> list[dict[str, str]] | None:
    """The artists an instance's catalog listed (None: no such instance)."""
    row = db.execute("SELECT artists FROM disc_instances WHERE origin = ?", [origin]).fetchone()
    if row is None:
        return None
    try:
        found = json.loads(row[0])
    except ValueError:
        return []
    return [a for a in found if isinstance(a, dict) and isinstance(a.get("slug"), str)]


def add_seed(db: Database, origin: str, who: str | None, now: float) -> bool:
    with db.conn:
        return bool(
            db.execute(
                "INSERT OR IGNORE INTO disc_seeds (origin, added_by, added_at) VALUES (?, ?, ?)",
                [origin, who, now],
            ).rowcount
        )


def remove_seed(db: Database, origin: str) -> bool:
    with db.conn:
        return bool(db.execute("DELETE FROM disc_seeds WHERE origin = ?", [origin]).rowcount)


def block(db: Database, origin: str, reason: str, who: str | None, now: float) -> bool:
    """Block an origin: it is forgotten at once and never crawled, listed or served again."""
    with db.conn:
        db.execute("DELETE FROM disc_instances WHERE origin = ?", [origin])
        db.execute("DELETE FROM disc_seeds WHERE origin = ?", [origin])
        return bool(
            db.execute(
                "INSERT OR IGNORE INTO disc_blocks (origin, reason, created_by, created_at) VALUES (?, ?, ?, ?)",
                [origin, reason[:500], who, now],
            ).rowcount
        )


def unblock(db: Database, origin: str) -> bool:
    with db.conn:
        return bool(db.execute("DELETE FROM disc_blocks WHERE origin = ?", [origin]).rowcount)


def blocks(db: Database) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM disc_blocks ORDER BY created_at DESC"))
