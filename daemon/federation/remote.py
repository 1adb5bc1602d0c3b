"""Remote actors and their keys: fetched through the guarded outbound client, cached with a TTL.

A key id (`https://remote/users/fan#main-key`) is fetched without its fragment; the answer is
the actor with its `publicKey`, or a key document naming its `owner` (whose actor is then
fetched too). A document is only believed about its own origin: its id must be on the host it
was fetched from, and a key must name an owner on that host. Cached in memory (parsed keys:
the inbox's hot path) and in fed_remote_actors (a restart does not re-fetch every follower);
`refresh=True` fetches again (the sender rotated its key, or sent Update{Person}). Concurrent
fetches of one URL share one request.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urldefrag, urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa
from sqlite_utils import Database

from tunecamp.daemon.db import Db
from tunecamp.daemon.federation.signatures import KeyGone, SignatureError, load_public
from tunecamp.daemon.outbound import Outbound, OutboundError

TTL = 24 * 3600.0
MAX_CACHED = 50_000  # actors and keys kept in memory (the database keeps them all)
AS_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
ACTOR_TYPES = {"Person", "Service", "Group", "Application", "Organization"}


class RemoteError(Exception):
    """A remote actor that cannot be fetched or makes no sense; `gone` when it answered 404/410."""

    def __init__(self, reason: str, gone: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.gone = gone


@dataclass(frozen=True)
class RemoteActor:
    id: str
    host: str
    type: str
    preferred_username: str
    name: str
    url: str
    icon: str | None
    inbox: str
    shared_inbox: str | None
    key_id: str | None
    public_pem: str | None
    fetched_at: float
    # (id, publicKeyMultibase) of the Ed25519 Multikeys in assertionMethod: what FEP-8b32 proofs are signed with
    assertion_keys: tuple[tuple[str, str], ...] = ()

    @property
    def handle(self) -> str:
        return f"@{self.preferred_username or 'unknown'}@{self.host}"

    @property
    def delivery_inbox(self) -> str:
        return self.shared_inbox or self.inbox

    def row(self, document: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self.id,
            "host": self.host,
            "type": self.type,
            "preferred_username": self.preferred_username,
            "name": self.name,
            "url": self.url,
            "icon": self.icon,
            "inbox": self.inbox,
            "shared_inbox": self.shared_inbox,
            "key_id": self.key_id,
            "public_pem": self.public_pem,
            "document": json.dumps(document)[:65536],
            "fetched_at": self.fetched_at,
        }


@dataclass(frozen=True)
class RemoteKey:
    key_id: str
    owner: str
    key: rsa.RSAPublicKey
    fetched_at: float


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _url(value: Any) -> str | None:
    """A link that may be a string, an object with href/url, or a list of them."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("href") or value.get("url")
        return _url(value)
    return value if isinstance(value, str) and value.startswith(("http://", "https://")) else None


def host_of(url: str) -> str:
    return urlsplit(url).netloc.lower()


def parse_actor(document: Any, fetched_from: str, now: float) -> RemoteActor:
    if not isinstance(document, dict):
        raise RemoteError("the actor is not a JSON object")
    actor_id = _text(document.get("id"))
    if not actor_id or host_of(actor_id) != host_of(fetched_from):
        raise RemoteError(f"the actor's id {actor_id[:200]!r} is not on {host_of(fetched_from)}")
    kind = document.get("type")
    kind = next((k for k in kind if k in ACTOR_TYPES), "") if isinstance(kind, list) else _text(kind)
    if kind not in ACTOR_TYPES:
        raise RemoteError(f"{actor_id} is a {kind or 'thing without a type'}, not an actor")
    inbox = _url(document.get("inbox"))
    if not inbox:
        raise RemoteError(f"{actor_id} has no inbox")
    endpoints = document.get("endpoints")
    shared = _url(endpoints.get("sharedInbox")) if isinstance(endpoints, dict) else None
    key_id, pem = None, None
    keys = document.get("publicKey")
    for key in keys if isinstance(keys, list) else [keys]:
        if isinstance(key, dict) and isinstance(key.get("publicKeyPem"), str):
            owner = _text(key.get("owner")) or actor_id
            if owner == actor_id:
                key_id, pem = _text(key.get("id")) or f"{actor_id}#main-key", key["publicKeyPem"]
                break
    return RemoteActor(
        assertion_keys=assertion_keys(document, actor_id),
        id=actor_id,
        host=host_of(actor_id),
        type=kind,
        preferred_username=_text(document.get("preferredUsername"))[:200],
        name=_text(document.get("name"))[:500],
        url=_url(document.get("url")) or actor_id,
        icon=_url(document.get("icon")),
        inbox=inbox,
        shared_inbox=shared,
        key_id=key_id,
        public_pem=pem,
        fetched_at=now,
    )


def assertion_keys(document: dict[str, Any], actor_id: str) -> tuple[tuple[str, str], ...]:
    found = []
    methods = document.get("assertionMethod")
    for method in methods if isinstance(methods, list) else [methods]:
        if not isinstance(method, dict) or method.get("type") != "Multikey":
            continue
        key_id, value = _text(method.get("id")), _text(method.get("publicKeyMultibase"))
        if key_id and value and (_text(method.get("controller")) or actor_id) == actor_id:
            found.append((key_id, value))
    return tuple(found)


class RemoteActors:
    """The cache of remote actors and keys; `key` is what signature verification resolves with."""

    def __init__(
        self, db: Db, outbound: Outbound, ttl: float = TTL, clock: Callable[[], float] = time.time
    ) -> None:
        self.db = db
        self.outbound = outbound
        self.ttl = ttl
        self.clock = clock
        self._actors: dict[str, RemoteActor] = {}
        self._keys: dict[str, RemoteKey] = {}
        self._inflight: dict[str, asyncio.Future[RemoteActor]] = {}

    def _fresh(self, fetched_at: float) -> bool:
        return self.clock() - fetched_at < self.ttl

    async def actor(self, actor_id: str, refresh: bool = False) -> RemoteActor:
        """The actor, from the cache while fresh, else fetched (raises RemoteError)."""
        actor_id = urldefrag(actor_id)[0]
        if not refresh:
            cached = self._actors.get(actor_id) or await self._stored(actor_id)
            if cached is not None and self._fresh(cached.fetched_at):
                self._remember(cached)
                return cached
        return await self._shared_fetch(actor_id)

    async def cached(self, actor_id: str) -> RemoteActor | None:
        """The actor as last fetched, however old, without fetching."""
        return self._actors.get(actor_id) or await self._stored(actor_id)

    async def key(self, key_id: str, refresh: bool = False) -> RemoteKey:
        """The public key `key_id` names, and its owner (raises SignatureError / KeyGone)."""
        if not refresh:
            known = self._keys.get(key_id)
            if known is not None and self._fresh(known.fetched_at):
                return known
        url = urldefrag(key_id)[0]
        try:
            actor = await self.actor(url, refresh=refresh)
        except RemoteError as exc:
            if not exc.gone and "is a " in exc.reason:  # a key document, not an actor
                return await self._key_document(key_id, url)
            raise (KeyGone if exc.gone else SignatureError)(
                f"cannot get the key {key_id}: {exc.reason}", key_id
            ) from None
        if actor.public_pem is None or key_id not in (actor.key_id, actor.id):
            raise SignatureError(f"{actor.id} has no key {key_id}", key_id)
        return self._remember_key(key_id, actor.id, actor.public_pem, actor.fetched_at)

    async def _key_document(self, key_id: str, url: str) -> RemoteKey:
        try:
            document = (await self.outbound.get(url, accept=AS_ACCEPT)).json()
        except (OutboundError, ValueError) as exc:
            raise SignatureError(f"cannot get the key {key_id}: {exc}", key_id) from None
        owner = _text(document.get("owner")) if isinstance(document, dict) else ""
        pem = document.get("publicKeyPem") if isinstance(document, dict) else None
        if not owner or host_of(owner) != host_of(url) or not isinstance(pem, str):
            raise SignatureError(f"{key_id}: not a key with an owner on {host_of(url)}", key_id)
        return self._remember_key(key_id, owner, pem, self.clock())

    def _remember_key(self, key_id: str, owner: str, pem: str, fetched_at: float) -> RemoteKey:
        try:
            public = load_public(pem)
        except ValueError as exc:
            raise SignatureError(f"{key_id}: unusable public key ({exc})", key_id) from None
        key = self._keys[key_id] = RemoteKey(key_id, owner, public, fetched_at)
        if len(self._keys) > MAX_CACHED:
            self._keys.pop(next(iter(self._keys)))
        return key

    def _remember(self, actor: RemoteActor) -> None:
        self._actors[actor.id] = actor
        if len(self._actors) > MAX_CACHED:
            self._actors.pop(next(iter(self._actors)))

    async def _shared_fetch(self, actor_id: str) -> RemoteActor:
        running = self._inflight.get(actor_id)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[RemoteActor] = asyncio.get_running_loop().create_future()
        self._inflight[actor_id] = future
        try:
            actor = await self._fetch(actor_id)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody else waits
            raise
        finally:
            self._inflight.pop(actor_id, None)
        future.set_result(actor)
        return actor

    async def _fetch(self, actor_id: str) -> RemoteActor:
        try:
            answer = await self.outbound.get(actor_id, accept=AS_ACCEPT)
            document = answer.json()
        except OutboundError as exc:
            raise RemoteError(exc.reason, gone=exc.status in (404, 410)) from None
        except ValueError:
            raise RemoteError(f"{actor_id}: the answer is not JSON") from None
        if isinstance(document, dict) and document.get("type") == "Tombstone":
            raise RemoteError(f"{actor_id} was deleted", gone=True)
        actor = parse_actor(document, answer.url, self.clock())
        row = actor.row(document)
        await self.db.run(lambda db: _upsert(db, row))
        self._remember(actor)
        self._keys = {k: v for k, v in self._keys.items() if v.owner != actor.id}
        return actor

    async def _stored(self, actor_id: str) -> RemoteActor | None:
        rows = await self.db.run(
            lambda db: list(db.query("SELECT * FROM fed_remote_actors WHERE id = ?", [actor_id]))
        )
        if not rows:
            return None
        row = rows[0]
        try:
            document = json.loads(row.pop("document") or "{}")
        except ValueError:
            document = {}
        keys = assertion_keys(document, row["id"]) if isinstance(document, dict) else ()
        return RemoteActor(**row, assertion_keys=keys)

    async def forget(self, actor_id: str) -> None:
        self._actors.pop(actor_id, None)
        self._keys = {k: v for k, v in self._keys.items() if v.owner != actor_id}
        await self.db.run(lambda db: _delete(db, actor_id))


def _upsert(db: Database, row: dict[str, Any]) -> None:
    db["fed_remote_actors"].upsert(row, pk="id")  # type: ignore[union-attr]


def _delete(db: Database, actor_id: str) -> None:
    db.execute("DELETE FROM fed_remote_actors WHERE id = ?", [actor_id])
    db.conn.commit()
