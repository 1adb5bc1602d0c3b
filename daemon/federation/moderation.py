"""The store of what the inbox keeps, and the moderation calls the dashboard makes.

Followers (accepted, or pending when the artist approves them by hand), likes and boosts per
release, replies awaiting moderation, blocks (a domain or an actor, for the whole instance or
for one local actor), reports (Flag). The SQL functions run on the database thread
(`Db.run`); `Blocks` keeps the block list in memory too, since the inbox checks it for every
POST before doing anything else.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# ---- blocks ------------------------------------------------------------------------------


@dataclass
class Blocks:
    """The blocks, in memory: (domain or actor, '' for everyone or a local username)."""

    domains: set[tuple[str, str]] = field(default_factory=set)
    actors: set[tuple[str, str]] = field(default_factory=set)

    @classmethod
    def load(cls, db: Database) -> Blocks:
        blocks = cls()
        for row in db.query("SELECT kind, value, username FROM fed_blocks"):
            target = blocks.domains if row["kind"] == "domain" else blocks.actors
            target.add((row["value"], row["username"]))
        return blocks

    def blocked(self, host: str, actor: str, username: str = "") -> bool:
        """Whether `actor` (on `host`) is blocked for the instance, or for `username` when given."""
        host = _hostname(host)
        scopes = ("", username) if username else ("",)
        for scope in scopes:
            if (actor, scope) in self.actors:
                return True
            parts = host.split(".")
            # a block of example.social covers its subdomains too
            if any((".".join(parts[i:]), scope) in self.domains for i in range(len(parts) - 1)):
                return True
            if (host, scope) in self.domains:
                return True
        return False


def _hostname(netloc: str) -> str:
    """A host without its port: a domain block covers every port."""
    host = netloc.lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def add_block(
    db: Database, kind: str, value: str, username: str = "", reason: str = "", by: str | None = None
) -> None:
    if kind not in ("domain", "actor"):
        raise ValueError("kind: domain or actor")
    value = value.strip().lower() if kind == "domain" else value.strip()
    if not value:
        raise ValueError("value: a domain or an actor URL is required")
    db.execute(
        "INSERT OR REPLACE INTO fed_blocks (kind, value, username, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        [kind, value, username, reason, by, now_iso()],
    )
    # blocking removes what the blocked already left here
    if kind == "domain":
        pattern = [f"%{sep}{value}{end}%" for sep in ("://", ".") for end in ("/", ":")]
        where = "(actor LIKE ? OR actor LIKE ? OR actor LIKE ? OR actor LIKE ?)"
    else:
        pattern, where = [value], "actor = ?"
    scope, scope_args = ("AND username = ?", [username]) if username else ("", [])
    db.execute(f"DELETE FROM fed_followers WHERE {where} {scope}", [*pattern, *scope_args])
    if not username:
        db.execute(f"DELETE FROM fed_reactions WHERE {where}", pattern)
        db.execute(f"UPDATE fed_comments SET status = 'rejected' WHERE {where}", pattern)
    db.conn.commit()


def remove_block(db: Database, kind: str, value: str, username: str = "") -> bool:
    cursor = db.execute(
        "DELETE FROM fed_blocks WHERE kind = ? AND value = ? AND username = ?", [kind, value, username]
    )
    db.conn.commit()
    return cursor.rowcount > 0


def list_blocks(db: Database) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM fed_blocks ORDER BY created_at DESC"))


# ---- followers ---------------------------------------------------------------------------


def add_follower(
    db: Database,
    username: str,
    actor: str,
    inboxes: tuple[str, str | None],
    follow: dict[str, Any],
    state: str,
) -> None:
    db.execute(
        """INSERT INTO fed_followers (username, actor, inbox, shared_inbox, follow_id, follow, state, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (username, actor) DO UPDATE SET inbox = excluded.inbox, shared_inbox = excluded.shared_inbox,
             follow_id = excluded.follow_id, follow = excluded.follow,
             state = CASE WHEN fed_followers.state = 'accepted' THEN 'accepted' ELSE excluded.state END""",
        [
            username,
            actor,
            inboxes[0],
            inboxes[1],
            str(follow.get("id", "")),
            json.dumps(follow),
            state,
            now_iso(),
        ],
    )
    db.conn.commit()


def follower(db: Database, username: str, actor: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM fed_followers WHERE username = ? AND actor = ?", [username, actor]))
    return rows[0] if rows else None


def set_follower_state(db: Database, username: str, actor: str, state: str) -> None:
    db.execute(
        "UPDATE fed_followers SET state = ? WHERE username = ? AND actor = ?", [state, username, actor]
    )
    db.conn.commit()


def remove_follower(db: Database, username: str | None, actor: str, follow_id: str | None = None) -> int:
    if follow_id:
        cursor = db.execute("DELETE FROM fed_followers WHERE actor = ? AND follow_id = ?", [actor, follow_id])
    elif username:
        cursor = db.execute("DELETE FROM fed_followers WHERE actor = ? AND username = ?", [actor, username])
    else:
        cursor = db.execute("DELETE FROM fed_followers WHERE actor = ?", [actor])
    db.conn.commit()
    return cursor.rowcount


def followers(db: Database, username: str, state: str = "accepted") -> list[dict[str, Any]]:
    return list(
        db.query(
            "SELECT * FROM fed_followers WHERE username = ? AND state = ? ORDER BY created_at DESC",
            [username, state],
        )
    )


def follower_count(db: Database, username: str) -> int:
    row = next(
        db.query(
            "SELECT count(*) AS n FROM fed_followers WHERE username = ? AND state = 'accepted'", [username]
        )
    )
    return int(row["n"])


# ---- likes and boosts --------------------------------------------------------------------


def add_reaction(db: Database, activity_id: str, kind: str, actor: str, obj: str, release: str) -> bool:
    cursor = db.execute(
        "INSERT OR IGNORE INTO fed_reactions (activity_id, kind, actor, object, release, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        [activity_id, kind, actor, obj, release, now_iso()],
    )
    db.conn.commit()
    return cursor.rowcount > 0


def remove_reaction(
    db: Database, actor: str, activity_id: str | None, kind: str | None = None, obj: str | None = None
) -> bool:
    if activity_id:
        cursor = db.execute(
            "DELETE FROM fed_reactions WHERE activity_id = ? AND actor = ?", [activity_id, actor]
        )
        if cursor.rowcount:
            db.conn.commit()
            return True
    if kind and obj:
        cursor = db.execute(
            "DELETE FROM fed_reactions WHERE kind = ? AND actor = ? AND object = ?", [kind, actor, obj]
        )
        db.conn.commit()
        return cursor.rowcount > 0
    return False


def reaction_counts(db: Database) -> dict[str, dict[str, int]]:
    """release -> {"likes": n, "boosts": n}"""
    counts: dict[str, dict[str, int]] = {}
    for row in db.query("SELECT release, kind, count(*) AS n FROM fed_reactions GROUP BY release, kind"):
        entry = counts.setdefault(row["release"], {"likes": 0, "boosts": 0})
        entry["likes" if row["kind"] == "like" else "boosts"] = int(row["n"])
    return counts


# ---- comments (replies to releases) ------------------------------------------------------


def add_comment(db: Database, row: dict[str, Any]) -> bool:
    """Keep a reply awaiting moderation; a reply already known keeps its decision, with the new text."""
    existing = list(db.query("SELECT status FROM fed_comments WHERE id = ?", [row["id"]]))
    if existing:
        db.execute(
            "UPDATE fed_comments SET content_html = ?, text = ? WHERE id = ? AND actor = ?",
            [row["content_html"], row["text"], row["id"], row["actor"]],
        )
    else:
        db["fed_comments"].insert({**row, "status": "pending", "received_at": now_iso()})  # type: ignore[union-attr]
    db.conn.commit()
    return not existing


def comments(
    db: Database, status: str | None = "pending", release: str | None = None
) -> list[dict[str, Any]]:
    clauses, args = [], []
    if status:
        clauses.append("status = ?")
        args.append(status)
    if release:
        clauses.append("release = ?")
        args.append(release)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    return list(db.query(f"SELECT * FROM fed_comments {where} ORDER BY published", args))


def decide_comment(db: Database, comment_id: str, status: str, by: str | None) -> bool:
    """Approve or reject a reply; returns whether it exists."""
    if status not in ("approved", "rejected", "pending"):
        raise ValueError("status: approved, rejected or pending")
    cursor = db.execute(
        "UPDATE fed_comments SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?",
        [status, by, now_iso(), comment_id],
    )
    db.conn.commit()
    return cursor.rowcount > 0


def remove_comment(db: Database, comment_id: str, actor: str) -> bool:
    cursor = db.execute("DELETE FROM fed_comments WHERE id = ? AND actor = ?", [comment_id, actor])
    db.conn.commit()
    return cursor.rowcount > 0


# ---- an actor that is gone -----------------------------------------------------------------


def forget_actor(db: Database, actor: str) -> dict[str, int]:
    """Remove a deleted actor's follows (both ways), likes, boosts and comments; returns what went."""
    gone = {}
    for table in ("fed_followers", "fed_following", "fed_reactions", "fed_comments"):
        gone[table] = db.execute(f"DELETE FROM {table} WHERE actor = ?", [actor]).rowcount
    db.conn.commit()
    return gone


# ---- reports -----------------------------------------------------------------------------


def add_flag(db: Database, flag_id: str, actor: str, objects: Iterable[str], content: str) -> None:
    db.execute(
        "INSERT OR IGNORE INTO fed_flags (id, actor, objects, content, received_at) VALUES (?, ?, ?, ?, ?)",
        [flag_id, actor, json.dumps(list(objects)), content[:5000], now_iso()],
    )
    db.conn.commit()


def flags(db: Database, status: str = "open") -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM fed_flags WHERE status = ? ORDER BY received_at DESC", [status]))


def resolve_flag(db: Database, flag_id: str) -> bool:
    cursor = db.execute("UPDATE fed_flags SET status = 'resolved' WHERE id = ?", [flag_id])
    db.conn.commit()
    return cursor.rowcount > 0


# ---- de-duplication ----------------------------------------------------------------------


def seen(db: Database, activity_id: str) -> bool:
    return bool(list(db.query("SELECT 1 FROM fed_seen WHERE id = ?", [activity_id])))


def mark_seen(db: Database, activity_id: str, when: float) -> bool:
    """Record an activity id; False when it was already there (a duplicate)."""
    cursor = db.execute("INSERT OR IGNORE INTO fed_seen (id, received_at) VALUES (?, ?)", [activity_id, when])
    return cursor.rowcount > 0


def prune_seen(db: Database, before: float) -> int:
    cursor = db.execute("DELETE FROM fed_seen WHERE received_at < ?", [before])
    db.conn.commit()
    return cursor.rowcount
