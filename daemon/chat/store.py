"""The chat's SQL: messages and their history pages, sanctions, reports. Runs on the database thread."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from typing import Any, Literal

from sqlite_utils import Database

Kind = Literal["mute", "ban"]
_MESSAGE = "SELECT id, room, user_id, author, text, at FROM chat_messages"


def iso(seconds: float) -> str:
    return (
        dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


@dataclass(frozen=True)
class Message:
    id: int
    room: str
    user_id: int | None  # None: a guest
    author: str
    text: str
    at: float

    def event(self) -> dict[str, Any]:
        """The message as the protocol sends it (docs/community.md); never the author's address."""
        return {
            "type": "message",
            "id": self.id,
            "room": self.room,
            "user": self.author,
            "guest": self.user_id is None,
            "text": self.text,
            "at": iso(self.at),
        }


@dataclass(frozen=True)
class NewMessage:
    room: str
    user_id: int | None
    author: str
    address: str
    text: str
    at: float


def _message(row: dict[str, Any]) -> Message:
    return Message(row["id"], row["room"], row["user_id"], row["author"], row["text"], row["at"])


def add_message(db: Database, new: NewMessage) -> Message:
    with db.atomic():
        cursor = db.execute(
            "INSERT INTO chat_messages (room, user_id, author, address, text, at) VALUES (?, ?, ?, ?, ?, ?)",
            [new.room, new.user_id, new.author, new.address, new.text, new.at],
        )
    assert cursor.lastrowid is not None
    return Message(cursor.lastrowid, new.room, new.user_id, new.author, new.text, new.at)


def history(
    db: Database, room: str, *, limit: int, before: int | None = None, after: int | None = None
) -> list[Message]:
    """A page of the room's messages, oldest first: the latest `limit` before `before`, or the
    first `limit` after `after` (a reconnecting client's resume), or the latest `limit`."""
    where = "room = ? AND deleted_at IS NULL"
    params: list[Any] = [room]
    if after is not None:
        rows = db.query(f"{_MESSAGE} WHERE {where} AND id > ? ORDER BY id LIMIT ?", [*params, after, limit])
        return [_message(r) for r in rows]
    if before is not None:
        where, params = f"{where} AND id < ?", [*params, before]
    rows = db.query(f"{_MESSAGE} WHERE {where} ORDER BY id DESC LIMIT ?", [*params, limit])
    return [_message(r) for r in reversed(list(rows))]


def get_message(db: Database, message_id: int) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM chat_messages WHERE id = ?", [message_id]))
    return rows[0] if rows else None


def delete_message(db: Database, message_id: int, by: int | None, now: float) -> str | None:
    """Mark the message deleted; its room, or None when there was no such (undeleted) message."""
    with db.atomic():
        found = get_message(db, message_id)
        if found is None or found["deleted_at"] is not None:
            return None
        db.execute(
            "UPDATE chat_messages SET deleted_at = ?, deleted_by = ? WHERE id = ?", [now, by, message_id]
        )
        db.execute(
            "UPDATE chat_reports SET resolved_at = ?, resolved_by = ? WHERE message_id = ? AND resolved_at IS NULL",
            [now, by, message_id],
        )
    return str(found["room"])


def recent(db: Database, limit: int = 100) -> list[dict[str, Any]]:
    """The latest messages of every room, deleted ones too, with addresses: the moderators' view."""
    return list(
        db.query(
            "SELECT m.*, u.username AS deleted_by_name FROM chat_messages m "
            "LEFT JOIN users u ON u.id = m.deleted_by ORDER BY m.id DESC LIMIT ?",
            [limit],
        )
    )


# --- sanctions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sanction:
    kind: Kind
    user_id: int | None
    address: str | None
    reason: str
    created_at: float
    created_by: int | None
    until: float | None  # None: until lifted


def add_sanction(db: Database, s: Sanction) -> int:
    with db.atomic():
        cursor = db.execute(
            "INSERT INTO chat_sanctions (kind, user_id, address, reason, created_at, created_by, until) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [s.kind, s.user_id, s.address, s.reason, s.created_at, s.created_by, s.until],
        )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def active_sanctions(db: Database, user_id: int | None, address: str, now: float) -> list[dict[str, Any]]:
    """The mutes and bans that hold now for this account or this address, the longest first."""
    return list(
        db.query(
            "SELECT id, kind, until FROM chat_sanctions WHERE lifted_at IS NULL "
            "AND (until IS NULL OR until > ?) AND (user_id = ? OR address = ?) "
            "ORDER BY until IS NULL DESC, until DESC",
            [now, user_id, address],
        )
    )


def lift_sanction(db: Database, sanction_id: int, now: float) -> bool:
    with db.atomic():
        cursor = db.execute(
            "UPDATE chat_sanctions SET lifted_at = ? WHERE id = ? AND lifted_at IS NULL", [now, sanction_id]
        )
    return cursor.rowcount > 0


def sanctions(db: Database, now: float) -> list[dict[str, Any]]:
    """The sanctions in force, with the account's name."""
    return list(
        db.query(
            "SELECT s.*, u.username FROM chat_sanctions s LEFT JOIN users u ON u.id = s.user_id "
            "WHERE s.lifted_at IS NULL AND (s.until IS NULL OR s.until > ?) ORDER BY s.id DESC",
            [now],
        )
    )


# --- reports ---------------------------------------------------------------------------------


def add_report(db: Database, message_id: int, reporter: str, reason: str, now: float) -> bool:
    """Queue a report; False when this reporter already reported this message."""
    try:
        with db.atomic():
            db.execute(
                "INSERT INTO chat_reports (message_id, reporter, reason, at) VALUES (?, ?, ?, ?)",
                [message_id, reporter, reason, now],
            )
    except sqlite3.IntegrityError:
        return False
    return True


def open_reports(db: Database) -> list[dict[str, Any]]:
    return list(
        db.query(
            "SELECT r.id, r.message_id, r.reporter, r.reason, r.at, m.room, m.author, m.user_id, "
            "m.address, m.text FROM chat_reports r JOIN chat_messages m ON m.id = r.message_id "
            "WHERE r.resolved_at IS NULL ORDER BY r.id"
        )
    )


def resolve_report(db: Database, report_id: int, by: int | None, now: float) -> bool:
    with db.atomic():
        cursor = db.execute(
            "UPDATE chat_reports SET resolved_at = ?, resolved_by = ? WHERE id = ? AND resolved_at IS NULL",
            [now, by, report_id],
        )
    return cursor.rowcount > 0
