"""Subsonic credentials: one app password per user, and any number of API keys.

Subsonic's token auth sends md5(password + salt), so the server must know the password
itself: account passwords are bcrypt and cannot be used. Each user therefore has a
separate app password, kept encrypted (AES-GCM, key derived with HKDF from the instance
secret, bound to the user's ID so a row copied to another user does not decrypt). API keys
are shown once and stored only as their SHA-256: they are long and random, so a fast hash
is enough.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlite_utils import Database

from tunecamp.daemon.users import User, UserError, get_user

API_KEY_PREFIX = "tcs_"
MAX_APP_PASSWORD = 256
_INFO = b"tunecamp subsonic app password v1"


class CredentialError(ValueError):
    """A stored app password that no longer decrypts (the instance secret changed)."""


@dataclass(frozen=True)
class PasswordBox:
    """Encrypts app passwords with a key derived from the instance secret."""

    key: bytes

    @classmethod
    def from_secret(cls, secret: bytes) -> PasswordBox:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"tunecamp", info=_INFO)
        return cls(hkdf.derive(secret))

    def seal(self, user_id: int, password: str) -> str:
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(self.key).encrypt(nonce, password.encode("utf-8"), _aad(user_id))
        return "v1:" + base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, user_id: int, stored: str) -> str:
        version, _, payload = stored.partition(":")
        try:
            if version != "v1":
                raise ValueError(version)
            raw = base64.b64decode(payload, validate=True)
            return AESGCM(self.key).decrypt(raw[:12], raw[12:], _aad(user_id)).decode("utf-8")
        except (ValueError, InvalidTag) as exc:
            raise CredentialError("the stored Subsonic password cannot be decrypted; set it again") from exc


def _aad(user_id: int) -> bytes:
    return f"user:{user_id}".encode()


def check_app_password(password: str) -> str:
    if len(password) < 8:
        raise UserError("a Subsonic password needs at least 8 characters")
    if len(password) > MAX_APP_PASSWORD:
        raise UserError(f"a Subsonic password has at most {MAX_APP_PASSWORD} characters")
    if any(ord(c) < 32 for c in password):
        raise UserError("a Subsonic password cannot contain control characters")
    return password


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# --- SQL (database thread) --------------------------------------------------


def set_app_password(db: Database, box: PasswordBox, user_id: int, password: str) -> None:
    check_app_password(password)
    with db.atomic():
        db.execute(
            "INSERT INTO subsonic_passwords (user_id, encrypted, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET encrypted = excluded.encrypted, updated_at = excluded.updated_at",
            [user_id, box.seal(user_id, password), _now()],
        )


def clear_app_password(db: Database, user_id: int) -> bool:
    with db.atomic():
        cursor = db.execute("DELETE FROM subsonic_passwords WHERE user_id = ?", [user_id])
    return cursor.rowcount > 0


def app_password(db: Database, username: str) -> tuple[User, str | None] | None:
    """The user and their sealed app password (None when unset); None for no such user."""
    row = db.execute(
        "SELECT u.id, p.encrypted FROM users u LEFT JOIN subsonic_passwords p ON p.user_id = u.id "
        "WHERE u.username = ?",
        [username],
    ).fetchone()
    if row is None:
        return None
    user = get_user(db, row[0])
    return (user, row[1]) if user else None


def has_app_password(db: Database, user_id: int) -> bool:
    return db.execute("SELECT 1 FROM subsonic_passwords WHERE user_id = ?", [user_id]).fetchone() is not None


def create_api_key(db: Database, user_id: int, label: str = "") -> tuple[int, str]:
    """(key id, the key): the key itself is never stored, so this is the only time it is seen."""
    key = new_api_key()
    with db.atomic():
        cursor = db.execute(
            "INSERT INTO api_keys (user_id, key_hash, label, created_at) VALUES (?, ?, ?, ?)",
            [user_id, hash_api_key(key), label[:100], _now()],
        )
    assert cursor.lastrowid is not None
    return int(cursor.lastrowid), key


def user_for_api_key(db: Database, key: str) -> User | None:
    """The key's user; notes when the key was last used (at most once an hour: it is a write)."""
    row = db.execute(
        "SELECT id, user_id, last_used_at FROM api_keys WHERE key_hash = ?", [hash_api_key(key)]
    ).fetchone()
    if row is None:
        return None
    stamp = _now()
    if row[2] is None or row[2][:13] != stamp[:13]:
        with db.atomic():
            db.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", [stamp, row[0]])
    return get_user(db, row[1])


def list_api_keys(db: Database, user_id: int) -> list[dict[str, Any]]:
    return list(
        db.query(
            "SELECT id, label, created_at, last_used_at FROM api_keys WHERE user_id = ? ORDER BY id",
            [user_id],
        )
    )


def delete_api_key(db: Database, user_id: int, key_id: int) -> bool:
    with db.atomic():
        cursor = db.execute("DELETE FROM api_keys WHERE id = ? AND user_id = ?", [key_id, user_id])
    return cursor.rowcount > 0
