"""One RSA 2048 key per local actor (artist, label, instance actor), made on first use.

The private keys live only in the database (the instance state, in the 0700 data folder with
the 0600 secret beside it); the public ones are exported to data/federation/public-keys.json,
which the generator reads to write each actor's `publicKey` (the contract's format):
{"version": 1, "keys": {"<username>": {"id": "<actor id>#main-key", "pem": "..."}}}.
A key's id is its actor's id (from the site's manifest) with `#main-key`; an actor the manifest
does not list yet is not exported (it has no id, and no document to carry the key).

Parsed keys are cached in memory: signing and verifying are the inbox's and the delivery's hot
path, and loading a PEM costs about as much as a signature.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlite_utils import Database

from tunecamp.daemon.db import Db

PUBLIC_KEYS = Path("federation") / "public-keys.json"


@dataclass(frozen=True)
class ActorKey:
    username: str
    key_id: str  # "" while the actor's id is unknown (no manifest yet)
    private_pem: str = field(repr=False)
    public_pem: str

    @property
    def private_key(self) -> rsa.RSAPrivateKey:
        return _load_private(self.private_pem)


_PRIVATE_CACHE: dict[str, rsa.RSAPrivateKey] = {}


def _load_private(pem: str) -> rsa.RSAPrivateKey:
    key = _PRIVATE_CACHE.get(pem)
    if key is None:
        loaded = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise ValueError("not an RSA private key")
        key = _PRIVATE_CACHE[pem] = loaded
    return key


def generate() -> tuple[str, str]:
    """(private PEM, public PEM) of a new RSA 2048 key: ~50 ms of CPU, so off the event loop."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    _PRIVATE_CACHE[private] = key
    return private, public


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class KeyStore:
    """The local actors' keys: `ensure`, `rotate`, `export_public`. `actor_ids` maps username → actor id."""

    def __init__(self, db: Db, actor_ids: Mapping[str, str] | None = None) -> None:
        self.db = db
        self.actor_ids: dict[str, str] = dict(actor_ids or {})
        self._cache: dict[str, ActorKey] = {}
        self._lock = asyncio.Lock()

    def set_actor_ids(self, actor_ids: Mapping[str, str]) -> None:
        self.actor_ids = dict(actor_ids)
        self._cache.clear()

    def key_id(self, username: str) -> str:
        actor = self.actor_ids.get(username)
        return f"{actor}#main-key" if actor else ""

    def _key(self, row: Mapping[str, Any]) -> ActorKey:
        username = row["username"]
        return ActorKey(username, self.key_id(username), row["private_pem"], row["public_pem"])

    def cached(self, username: str) -> ActorKey | None:
        """The actor's key if it has been read since the last change, without the database."""
        return self._cache.get(username)

    async def get(self, username: str) -> ActorKey | None:
        """The actor's key, or None when it has none yet."""
        if username in self._cache:
            return self._cache[username]
        rows = await self.db.run(
            lambda db: list(db.query("SELECT * FROM fed_keys WHERE username = ?", [username]))
        )
        if not rows:
            return None
        key = self._cache[username] = self._key(rows[0])
        return key

    async def ensure(self, username: str) -> ActorKey:
        """The actor's key, made now if it has none."""
        key = await self.get(username)
        if key is not None:
            return key
        async with self._lock:  # two first uses at once make one key
            key = await self.get(username)
            if key is not None:
                return key
            private, public = await asyncio.to_thread(generate)

            def insert(db: Database) -> None:
                db.execute(
                    "INSERT OR IGNORE INTO fed_keys (username, private_pem, public_pem, created_at) VALUES (?, ?, ?, ?)",
                    [username, private, public, _now()],
                )
                db.conn.commit()

            await self.db.run(insert)
            self._cache.pop(username, None)
            made = await self.get(username)
            assert made is not None
            return made

    async def ensure_all(self, usernames: Iterable[str]) -> list[str]:
        """Make the keys missing for `usernames`; returns the usernames that got a new key."""
        made = []
        for username in dict.fromkeys(usernames):
            if await self.get(username) is None:
                await self.ensure(username)
                made.append(username)
        return made

    async def rotate(self, username: str) -> ActorKey:
        """Replace the actor's key (the old one is gone at once: remote servers re-fetch on failure)."""
        private, public = await asyncio.to_thread(generate)

        def replace(db: Database) -> None:
            db.execute(
                "INSERT OR REPLACE INTO fed_keys (username, private_pem, public_pem, created_at) VALUES (?, ?, ?, ?)",
                [username, private, public, _now()],
            )
            db.conn.commit()

        async with self._lock:
            await self.db.run(replace)
            self._cache.pop(username, None)
        key = await self.get(username)
        assert key is not None
        return key

    async def all(self) -> list[ActorKey]:
        rows = await self.db.run(lambda db: list(db.query("SELECT * FROM fed_keys ORDER BY username")))
        return [self._key(row) for row in rows]

    async def export_public(self, data_dir: Path) -> Path:
        """Write data/federation/public-keys.json atomically; returns its path."""
        await self.export_changes(data_dir)
        return data_dir / PUBLIC_KEYS

    async def export_changes(self, data_dir: Path) -> list[str]:
        """Write data/federation/public-keys.json when it changes; returns the usernames it newly lists.

        An actor whose id is not known yet (no manifest lists it) is left out: its document does
        not exist either, and the build after the one that lists it gets its key.
        """
        keys = [k for k in await self.all() if k.key_id]
        listed = {k.username: {"id": k.key_id, "pem": k.public_pem} for k in keys}
        document = {"version": 1, "keys": listed}
        path = data_dir / PUBLIC_KEYS
        try:
            before = json.loads(path.read_text(encoding="utf-8")).get("keys", {})
        except (OSError, ValueError, AttributeError):
            before = {}
        if before == listed and path.exists():
            return []
        await asyncio.to_thread(write_json_atomically, path, document)
        return [name for name, entry in listed.items() if before.get(name) != entry]


def write_json_atomically(path: Path, document: Any) -> None:
    """Write `document` to `path` through a temporary file and a rename: a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(document, f, indent=1, sort_keys=True, ensure_ascii=False)
            f.write("\n")
        os.chmod(temporary, 0o644)  # public keys and public interactions: the site publishes them
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
