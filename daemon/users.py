"""Accounts: the users table, roles, artist assignments and password hashes; who is calling.

Shared by every feature: accounts signs people in (accounts/), the admin manages them, the
Subsonic API checks its own credentials against them. The SQL functions take a sqlite-utils
Database and run on the database thread (through `Db.run`); hashing is slow on purpose, so it
runs in a worker thread of its own and never on the event loop or the database thread.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import re
import sqlite3
from dataclasses import dataclass
from typing import Any

import bcrypt
from aiohttp import web
from sqlite_utils import Database

from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.db import row_id
from tunecamp.daemon.errors import http_error
from tunecamp.generator.catalog.slugs import is_safe_slug

ROLES = ("owner", "manager", "curator", "listener")  # most to least powerful
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
_USER_KEY = web.RequestKey("user", object)


class UserError(ValueError):
    """A username, password or role that cannot be used; the message says why."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    token_generation: int
    artists: tuple[str, ...] = ()

    def outranks(self, role: str) -> bool:
        return ROLES.index(self.role) < ROLES.index(role)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.username, "role": self.role, "artists": list(self.artists)}


def current_user(request: web.Request) -> User | None:
    user = request.get(_USER_KEY)
    return user if isinstance(user, User) else None


def set_current_user(request: web.Request, user: User | None) -> None:
    request[_USER_KEY] = user


async def target_user(request: web.Request) -> User:
    """The account a route's `{user_id}` names (the admin's and the Subsonic credentials' routes), or a 404."""
    user_id = row_id(request.match_info["user_id"])
    if user_id is None:
        raise http_error(404, "no such user")
    user = await request.app[DB].run(lambda db: get_user(db, user_id))
    if user is None:
        raise http_error(404, "no such user")
    return user


# --- checks ---------------------------------------------------------------


def check_username(username: str) -> str:
    if not USERNAME.match(username):
        raise UserError(
            "a username is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    return username


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise UserError(f"a password has at most {MAX_PASSWORD} characters")
    return password


def check_artists(artist_slugs: list[str]) -> list[str]:
    """Artist slugs as the generator makes them: a slug is also a folder name under public/."""
    for slug in artist_slugs:
        if not is_safe_slug(slug):
            raise UserError(
                f"{slug[:80]!r} is not an artist slug (lower-case letters, digits and '-', "
                "like 'aurora-lane': the name in the artist's URL)"
            )
    return artist_slugs


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"{role!r} is not a role; one of: {', '.join(ROLES)}")
    return role


# --- hashing --------------------------------------------------------------


def _prehash(password: str) -> bytes:
    # bcrypt reads at most 72 bytes (and bcrypt>=5 refuses more): hashing first keeps every
    # character of a long passphrase significant.
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


def hash_password_sync(password: str, rounds: int) -> str:
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds)).decode("ascii")


def verify_password_sync(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(_prehash(password), hashed.encode("ascii"))
    except ValueError:
        return False


async def hash_password(password: str, rounds: int) -> str:
    return await asyncio.to_thread(hash_password_sync, password, rounds)


async def verify_password(password: str, hashed: str | None, rounds: int = 12) -> bool:
    """The same work whether or not the account exists (`hashed` None)."""
    return await asyncio.to_thread(verify_password_sync, password, hashed or _dummy_hash(rounds))


def _dummy_hash(rounds: int) -> str:
    # well-formed, and no password hashes to it: a login for a missing account costs the same
    return f"$2b${rounds:02d}$" + "." * 53


# --- SQL (database thread) --------------------------------------------------


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _user(db: Database, row: dict[str, Any]) -> User:
    artists = tuple(
        r[0]
        for r in db.execute(
            "SELECT artist_slug FROM user_artists WHERE user_id = ? ORDER BY artist_slug", [row["id"]]
        ).fetchall()
    )
    return User(row["id"], row["username"], row["role"], row["token_generation"], artists)


def _row(db: Database, where: str, args: list[Any]) -> dict[str, Any] | None:
    rows = list(db.query(f"SELECT * FROM users WHERE {where}", args))
    return rows[0] if rows else None


def count_users(db: Database) -> int:
    return int(db.execute("SELECT count(*) FROM users").fetchone()[0])


def create_user(db: Database, username: str, password_hash: str, role: str) -> User:
    check_username(username)
    check_role(role)
    now = _now()
    try:
        with db.atomic():
            db.execute(
                "INSERT INTO users (username, password_hash, role, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [username, password_hash, role, now, now],
            )
    except sqlite3.IntegrityError:
        raise UserError(f"the username {username!r} is taken") from None
    user = get_user_by_name(db, username)
    assert user is not None
    return user


def get_user(db: Database, user_id: int) -> User | None:
    row = _row(db, "id = ?", [user_id])
    return _user(db, row) if row else None


def get_user_by_name(db: Database, username: str) -> User | None:
    row = _row(db, "username = ?", [username])
    return _user(db, row) if row else None


def credentials(db: Database, username: str) -> tuple[User, str] | None:
    """The user and their password hash, for a login."""
    row = _row(db, "username = ?", [username])
    return (_user(db, row), row["password_hash"]) if row else None


def list_users(db: Database) -> list[User]:
    return [_user(db, row) for row in db.query("SELECT * FROM users ORDER BY username COLLATE NOCASE")]


def set_role(db: Database, user_id: int, role: str) -> None:
    check_role(role)
    with db.atomic():
        # a new role takes effect at once: the tokens that carried the old one stop working
        db.execute(
            "UPDATE users SET role = ?, token_generation = token_generation + 1, updated_at = ? WHERE id = ?",
            [role, _now(), user_id],
        )


def set_password_hash(db: Database, user_id: int, password_hash: str) -> None:
    """New password; every token issued before it is revoked."""
    with db.atomic():
        db.execute(
            "UPDATE users SET password_hash = ?, token_generation = token_generation + 1, updated_at = ? "
            "WHERE id = ?",
            [password_hash, _now(), user_id],
        )


def revoke_tokens(db: Database, user_id: int) -> None:
    with db.atomic():
        db.execute(
            "UPDATE users SET token_generation = token_generation + 1, updated_at = ? WHERE id = ?",
            [_now(), user_id],
        )


def set_artists(db: Database, user_id: int, artist_slugs: list[str]) -> None:
    check_artists(artist_slugs)
    with db.atomic():
        db.execute("DELETE FROM user_artists WHERE user_id = ?", [user_id])
        for slug in dict.fromkeys(artist_slugs):
            db.execute("INSERT INTO user_artists (user_id, artist_slug) VALUES (?, ?)", [user_id, slug])


def delete_user(db: Database, user_id: int) -> None:
    with db.atomic():
        db.execute("DELETE FROM users WHERE id = ?", [user_id])


def count_owners(db: Database) -> int:
    return int(db.execute("SELECT count(*) FROM users WHERE role = 'owner'").fetchone()[0])
