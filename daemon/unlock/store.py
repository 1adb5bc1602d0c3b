"""The codes in the database: making a batch, listing, revoking, redeeming, the redemption log.

Redeeming is one UPDATE that checks everything at once (release, not revoked, not expired, uses
left) and takes a use, on the database's one thread: two listeners racing for the last use of
a code cannot both get it. Times are UTC ISO text (`2025-05-01T12:00:00+00:00`), so SQLite
compares them as text.
"""

from __future__ import annotations

import datetime as dt
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from tunecamp.daemon.unlock.codes import CodeHasher, Issued, new_code, normalise

MAX_BATCH = 10_000
MAX_USES = 1_000_000


class CodeError(ValueError):
    """A request for codes the daemon cannot make (the message names the field)."""


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def now_iso() -> str:
    return iso(dt.datetime.now(dt.UTC))


def parse_expiry(text: str) -> str:
    """`--expires`: a date (valid through that day, UTC) or an ISO date and time."""
    text = text.strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            return iso(dt.datetime.combine(day, dt.time(23, 59, 59), dt.UTC))
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CodeError(f"expires: {text!r} is not a date (2025-12-31) or a date and time") from None
    return iso(moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC))


@dataclass(frozen=True)
class Batch:
    release: str
    count: int
    uses: int = 1
    expires_at: str | None = None
    note: str = ""
    created_by: int | None = None

    def check(self) -> None:
        if not 1 <= self.count <= MAX_BATCH:
            raise CodeError(f"count: 1 to {MAX_BATCH} codes at a time")
        if not 1 <= self.uses <= MAX_USES:
            raise CodeError(f"uses: 1 to {MAX_USES} per code")
        if len(self.note) > 200:
            raise CodeError("note: at most 200 characters")
        if self.expires_at is not None and self.expires_at <= now_iso():
            raise CodeError(f"expires: {self.expires_at} has already passed")


def generate(db: Database, hasher: CodeHasher, batch: Batch) -> list[Issued]:
    """Make the batch's codes; they are returned once, and only their hashes are kept."""
    batch.check()
    batch_id, created = secrets.token_hex(4), now_iso()
    issued: list[Issued] = []
    with db.atomic():
        while len(issued) < batch.count:
            code = new_code()
            symbols = normalise(code)
            assert symbols is not None
            try:
                db.execute(
                    "INSERT INTO unlock_codes (release_slug, code_hash, max_uses, expires_at, note, batch, "
                    "created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        batch.release,
                        hasher.hash(symbols),
                        batch.uses,
                        batch.expires_at,
                        batch.note,
                        batch_id,
                        created,
                        batch.created_by,
                    ],
                )
            except sqlite3.IntegrityError:  # the same 60 bits twice: make another
                continue
            issued.append(Issued(code, batch.release, batch.uses, batch.expires_at, batch.note))
    return issued


def codes_of(db: Database, release: str) -> list[dict[str, Any]]:
    now = now_iso()
    rows = db.query(
        "SELECT id, release_slug, max_uses, uses, expires_at, note, batch, created_at, revoked_at "
        "FROM unlock_codes WHERE release_slug = ? ORDER BY id",
        [release],
    )
    return [{**r, "state": state(r, now)} for r in rows]


def state(row: dict[str, Any], now: str) -> str:
    if row["revoked_at"]:
        return "revoked"
    if row["expires_at"] and row["expires_at"] <= now:
        return "expired"
    if row["uses"] >= row["max_uses"]:
        return "used"
    return "active"


def summary(db: Database) -> dict[str, dict[str, int]]:
    """Per release: how many codes, how many still usable, how many redemptions."""
    now = now_iso()
    out: dict[str, dict[str, int]] = {}
    for r in db.query("SELECT release_slug, max_uses, uses, expires_at, revoked_at FROM unlock_codes"):
        s = out.setdefault(r["release_slug"], {"codes": 0, "active": 0, "redeemed": 0})
        s["codes"] += 1
        s["active"] += state(r, now) == "active"
        s["redeemed"] += r["uses"]
    return out


def revoke(db: Database, hasher: CodeHasher, typed: str) -> dict[str, Any] | None:
    """Revoke the code as typed; its row (with its release), or None when there is no such code."""
    symbols = normalise(typed)
    if symbols is None:
        return None
    digest = hasher.hash(symbols)
    with db.atomic():
        db.execute(
            "UPDATE unlock_codes SET revoked_at = ? WHERE code_hash = ? AND revoked_at IS NULL",
            [now_iso(), digest],
        )
    rows = list(
        db.query("SELECT id, release_slug, revoked_at FROM unlock_codes WHERE code_hash = ?", [digest])
    )
    return rows[0] if rows else None


def revoke_id(db: Database, release: str, code_id: int) -> bool:
    with db.atomic():
        cursor = db.execute(
            "UPDATE unlock_codes SET revoked_at = ? WHERE id = ? AND release_slug = ? AND revoked_at IS NULL",
            [now_iso(), code_id, release],
        )
    return cursor.rowcount == 1


def redeem(db: Database, hasher: CodeHasher, release: str, typed: str, user_id: int | None) -> int | None:
    """Take one use of the code for `release`: the code's ID, or None (wrong, used up, expired, revoked)."""
    symbols = normalise(typed)
    if symbols is None:
        return None
    now = now_iso()
    with db.atomic():
        row = db.execute(
            "UPDATE unlock_codes SET uses = uses + 1 WHERE code_hash = ? AND release_slug = ? "
            "AND revoked_at IS NULL AND uses < max_uses AND (expires_at IS NULL OR expires_at > ?) "
            "RETURNING id",
            [hasher.hash(symbols), release, now],
        ).fetchone()
        if row is None:
            return None
        db.execute(
            "INSERT INTO unlock_redemptions (code_id, release_slug, redeemed_at, user_id) VALUES (?, ?, ?, ?)",
            [row[0], release, now, user_id],
        )
    return int(row[0])


def redemptions(db: Database, release: str, limit: int = 500) -> list[dict[str, Any]]:
    return list(
        db.query(
            "SELECT r.redeemed_at, r.code_id, c.note, c.batch, u.username FROM unlock_redemptions r "
            "JOIN unlock_codes c ON c.id = r.code_id LEFT JOIN users u ON u.id = r.user_id "
            "WHERE r.release_slug = ? ORDER BY r.id DESC LIMIT ?",
            [release, limit],
        )
    )
