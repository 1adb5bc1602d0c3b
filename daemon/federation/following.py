"""Outgoing follows: the site's label actor follows remote artists, as a Mastodon or Funkwhale account does.

- `resolve`: a handle (`acct:name@host`) or an URL to the remote actor: WebFinger on the origin
  given (a discovered instance) or the handle's host, then the actor itself (remote.py), every
  request through the guarded outbound client;
- `follow`: a `Follow` from the label to the actor's own inbox, through the delivery jobs (signed
  with the label's key when it goes out); the row waits as `pending`;
- `answered`: an `Accept{Follow}` or `Reject{Follow}` from the remote. It must name one of our
  Follow ids (embedded or by id) and come from the actor that Follow went to: the inbox has
  verified who signed it, so another server cannot accept (or refuse) for someone else;
- `unfollow`: an `Undo` embedding the whole Follow, and the row goes.

`ArtistFollowing` is what create_app hands to discovery as `appkeys.FOLLOWS`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web
from sqlite_utils import Database

from tunecamp.daemon.appkeys import FollowOutcome, FollowTarget
from tunecamp.daemon.federation.manifest import Manifest
from tunecamp.daemon.federation.remote import RemoteActor, RemoteError
from tunecamp.daemon.federation.service import AS_CONTEXT, FEDERATION, Federation
from tunecamp.daemon.outbound import OutboundError

log = logging.getLogger("tunecamp.federation")
JRD_ACCEPT = "application/jrd+json, application/json"
WEBFINGER_BYTES = 256 * 1024
AS_TYPES = ("application/activity+json", "application/ld+json")
CONCURRENCY = 4  # actors resolved at once (one instance's artists: its server, as politely as a crawl)
MAX_TARGETS = 200


class FollowError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def self_link(document: Any) -> str:
    """The ActivityPub actor a WebFinger answer links to ("" when none)."""
    links = document.get("links") if isinstance(document, dict) else None
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict) or link.get("rel") != "self":
            continue
        kind, href = str(link.get("type") or ""), link.get("href")
        if kind.startswith(AS_TYPES) and isinstance(href, str) and href.startswith(("https://", "http://")):
            return href
    return ""


async def webfinger(fed: Federation, origin: str, resource: str) -> str:
    url = f"{origin}/.well-known/webfinger?{urlencode({'resource': resource})}"
    try:
        answer = await fed.remote.outbound.get(url, accept=JRD_ACCEPT, max_bytes=WEBFINGER_BYTES)
        href = self_link(answer.json())
    except OutboundError as exc:
        raise FollowError(f"WebFinger {resource}: {exc.reason}") from None
    except ValueError:
        raise FollowError(f"WebFinger {resource}: the answer is not JSON") from None
    if not href:
        raise FollowError(f"WebFinger {resource}: no ActivityPub actor linked")
    return href


async def _resolve_one(fed: Federation, reference: str, origin: str) -> RemoteActor:
    if reference.startswith(("https://", "http://")):
        try:
            return await fed.remote.actor(reference)
        except RemoteError:  # a profile page rather than the actor: its server's WebFinger knows
            href = await webfinger(fed, origin or _origin(reference), reference)
    else:
        name, at, host = reference.removeprefix("acct:").lstrip("@").partition("@")
        if not name or not at or not host or "/" in host or "@" in host:
            raise FollowError(f"{reference[:200]!r}: a handle is name@host")
        href = await webfinger(fed, origin or f"https://{host}", f"acct:{name}@{host}")
    try:
        return await fed.remote.actor(href)
    except RemoteError as exc:
        raise FollowError(f"{href}: {exc.reason}") from None


async def resolve(fed: Federation, target: FollowTarget) -> RemoteActor:
    """The remote actor `target` names, trying its fallback reference second (raises FollowError)."""
    errors = []
    for reference in dict.fromkeys(r for r in (target.reference, target.fallback) if r):
        try:
            return await _resolve_one(fed, reference, target.origin)
        except FollowError as exc:
            errors.append(exc.reason)
    raise FollowError("; ".join(errors) or "nothing to follow")


def _ours(manifest: Manifest, reference: str) -> bool:
    if reference.startswith(("https://", "http://")):
        return reference in manifest.by_url or _origin(reference) in (manifest.base_url, manifest.daemon_url)
    host = reference.rpartition("@")[2].lower()
    return bool(host) and host in manifest.hosts()


def _foreign(target: FollowTarget, remote: RemoteActor) -> str:
    """Why an actor an instance's WebFinger named is not that instance's ("" when it is): a
    discovered instance may only make the label follow its own actors, on its host or its site's."""
    if not target.origin:
        return ""
    hosts = {urlsplit(u).netloc.lower() for u in (target.origin, target.fallback) if u}
    if remote.host in hosts:
        return ""
    return f"{remote.id} is on {remote.host}, not on {' or '.join(sorted(hosts))}"


def follow_row(db: Database, username: str, actor: str) -> dict[str, Any] | None:
    return next(
        db.query("SELECT * FROM fed_following WHERE username = ? AND actor = ?", [username, actor]), None
    )


def _save(db: Database, row: dict[str, Any]) -> None:
    db["fed_following"].upsert(row, pk=("username", "actor"))  # type: ignore[union-attr]


async def follow(fed: Federation, target: FollowTarget, now: float | None = None) -> FollowOutcome:
    """Follow the actor `target` names from the label; an existing pending or accepted follow stays."""
    manifest = fed.manifest.get()
    label = manifest.label
    if label is None:
        return FollowOutcome(target.reference, error="the site has no label actor yet: build it first")
    if any(_ours(manifest, r) for r in (target.reference, target.fallback)):
        return FollowOutcome(target.reference, error="one of this site's own actors")
    try:
        remote = await resolve(fed, target)
    except FollowError as exc:
        return FollowOutcome(target.reference, error=exc.reason)
    foreign = _foreign(target, remote)
    if foreign:
        return FollowOutcome(target.reference, remote.id, error=foreign)
    if remote.id in manifest.by_url:
        return FollowOutcome(target.reference, remote.id, error="one of this site's own actors")
    if fed.blocks.blocked(remote.host, remote.id, label.username):
        return FollowOutcome(target.reference, remote.id, error=f"{remote.host} is blocked here")
    existing = await fed.db.run(lambda db: follow_row(db, label.username, remote.id))
    if existing is not None and existing["state"] in ("pending", "accepted"):
        return FollowOutcome(target.reference, remote.id, existing["state"])
    now = time.time() if now is None else now
    activity = {
        "@context": AS_CONTEXT,
        "id": f"{label.id}#follow-{secrets.token_hex(12)}",
        "type": "Follow",
        "actor": label.id,
        "object": remote.id,
    }
    row = {
        "username": label.username,
        "actor": remote.id,
        "handle": remote.handle,
        "inbox": remote.inbox,
        "shared_inbox": remote.shared_inbox,
        "via": target.origin,
        "follow_id": activity["id"],
        "follow": json.dumps(activity),
        "state": "pending",
        "created_at": now,
        "updated_at": now,
    }
    await fed.db.run(lambda db: _save(db, row))
    # the actor's own inbox, as Mastodon sends a Follow: a shared inbox may not know whom it is for
    await fed.deliver(label.username, activity, [remote.inbox])
    log.info("following %s (%s) from %s", remote.id, remote.handle, label.username)
    return FollowOutcome(target.reference, remote.id, "pending")


async def unfollow(fed: Federation, username: str, actor: str) -> bool:
    """Undo our Follow of `actor` (whatever its state); False when there was none."""
    row = await fed.db.run(lambda db: follow_row(db, username, actor))
    local = fed.manifest.get().actor(username)
    if row is None or local is None:
        return False
    undo = {
        "@context": AS_CONTEXT,
        "id": f"{local.id}#undo-{secrets.token_hex(12)}",
        "type": "Undo",
        "actor": local.id,
        "object": json.loads(row["follow"]),
    }
    await fed.db.run(
        lambda db: db.execute(
            "DELETE FROM fed_following WHERE username = ? AND actor = ?", [username, actor]
        ).connection.commit()
    )
    if row["state"] != "rejected":  # a refused follow has nothing to undo over there
        await fed.deliver(username, undo, [row["inbox"]])
    return True


@dataclass(frozen=True)
class Answer:
    """An Accept or Reject as received: who sent it, and the Follow it names (embedded or by id)."""

    kind: str  # "Accept" or "Reject"
    sender: str  # the verified actor
    follow_id: str
    follower: str = ""  # the embedded Follow's actor and object, when embedded
    followed: str = ""


def _answered_row(db: Database, answer: Answer, locals_: dict[str, str]) -> Any:
    if answer.follow_id:
        return next(db.query("SELECT * FROM fed_following WHERE follow_id = ?", [answer.follow_id]), None)
    # an Accept embedding a Follow without its id (some servers): matched by who follows whom
    username = locals_.get(answer.follower)
    if username is None or answer.followed != answer.sender:
        return None
    return follow_row(db, username, answer.sender)


async def answered(fed: Federation, answer: Answer) -> str:
    """Our follow accepted or refused; raises FollowError when the answer is not the followed actor's."""
    locals_ = {a.id: a.username for a in fed.manifest.get().actors}
    row = await fed.db.run(lambda db: _answered_row(db, answer, locals_))
    if row is None:
        return "ignored: not a follow of ours"
    if row["actor"] != answer.sender:
        raise FollowError(f"the follow {row['follow_id']} was sent to {row['actor']}, not {answer.sender}")
    if answer.follower not in ("", *locals_):
        raise FollowError("the embedded Follow is not by one of our actors")
    state = "accepted" if answer.kind == "Accept" else "rejected"
    now = time.time()
    await fed.db.run(
        lambda db: db.execute(
            "UPDATE fed_following SET state = ?, updated_at = ? WHERE username = ? AND actor = ?",
            [state, now, row["username"], answer.sender],
        ).connection.commit()
    )
    log.info("%s %s our follow", answer.sender, state)
    return f"following {state}"


def following_of(db: Database, username: str, limit: int = 1000) -> tuple[int, list[str]]:
    """How many actors `username` follows (accepted), and the first `limit` of them."""
    total = db.execute(
        "SELECT count(*) FROM fed_following WHERE username = ? AND state = 'accepted'", [username]
    ).fetchone()[0]
    items = [
        r["actor"]
        for r in db.query(
            "SELECT actor FROM fed_following WHERE username = ? AND state = 'accepted' ORDER BY created_at LIMIT ?",
            [username, limit],
        )
    ]
    return int(total), items


class ArtistFollowing:
    """`appkeys.ArtistFollows`: the label follows the artists of a discovered instance.

    Made at create_app, before the feature's state exists: it finds the state at each call."""

    def __init__(self, app: web.Application) -> None:
        self.app = app

    def _fed(self) -> Federation:
        fed = self.app.get(FEDERATION)
        if fed is None:
            raise web.HTTPServiceUnavailable(text="federation has not started (no database)")
        return fed

    async def follow(self, targets: Sequence[FollowTarget]) -> list[FollowOutcome]:
        fed = self._fed()
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(target: FollowTarget) -> FollowOutcome:
            async with gate:
                return await follow(fed, target)

        return list(await asyncio.gather(*(one(t) for t in targets[:MAX_TARGETS])))

    async def unfollow(self, origin: str) -> int:
        """Undo every follow listed under `origin`; how many there were."""
        fed = self._fed()
        rows = await fed.db.run(
            lambda db: list(db.query("SELECT username, actor FROM fed_following WHERE via = ?", [origin]))
        )
        done = [await unfollow(fed, r["username"], r["actor"]) for r in rows]
        return sum(done)

    async def states(self) -> dict[str, dict[str, int]]:
        fed = self._fed()
        rows = await fed.db.run(
            lambda db: list(
                db.query("SELECT via, state, count(*) AS n FROM fed_following GROUP BY via, state")
            )
        )
        found: dict[str, dict[str, int]] = {}
        for r in rows:
            found.setdefault(r["via"], {})[r["state"]] = int(r["n"])
        return found
