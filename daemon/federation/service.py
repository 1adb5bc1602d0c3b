"""The federation feature's state, one object in app state (`FEDERATION`), and what the dashboard calls.

It holds the pieces the inbox and the dashboard share: the database, the site's manifest, the
local keys, the remote actor cache, the blocks, the delivery hook and the exporter. The
moderation calls (approve or reject a follow request or a reply, block, unblock) live here
because each has a consequence beyond its row: an Accept or Reject to deliver, the blocks in
memory to refresh, interactions.json to export and a rebuild to ask for.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from tunecamp.daemon.db import Db
from tunecamp.daemon.federation import moderation
from tunecamp.daemon.federation.export import Exporter
from tunecamp.daemon.federation.keys import KeyStore
from tunecamp.daemon.federation.manifest import Actor, ManifestFile
from tunecamp.daemon.federation.remote import RemoteActors

log = logging.getLogger("tunecamp.federation")
AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
# (local username, activity, inboxes): queue an activity for delivery, signed by that actor's key.
Deliver = Callable[[str, dict[str, Any], list[str]], Awaitable[None]]


@dataclass
class Federation:
    db: Db
    manifest: ManifestFile
    keys: KeyStore
    remote: RemoteActors
    exporter: Exporter
    deliver: Deliver
    data_dir: Path
    blocks: moderation.Blocks = field(default_factory=moderation.Blocks)
    logged_types: set[str] = field(default_factory=set)

    async def reload_blocks(self) -> None:
        self.blocks = await self.db.run(moderation.Blocks.load)

    # ---- answering follows ----------------------------------------------------------------

    def response(self, kind: str, actor: Actor, follow: dict[str, Any]) -> dict[str, Any]:
        """An Accept or Reject of `follow`, embedding the whole Follow (what Mastodon matches on)."""
        digest = hashlib.sha256(
            str(follow.get("id", json.dumps(follow, sort_keys=True))).encode()
        ).hexdigest()[:24]
        return {
            "@context": AS_CONTEXT,
            "id": f"{actor.id}#{kind.lower()}-{digest}",
            "type": kind,
            "actor": actor.id,
            "object": follow,
        }

    async def answer_follow(self, kind: str, actor: Actor, follow: dict[str, Any], inbox: str) -> None:
        await self.deliver(actor.username, self.response(kind, actor, follow), [inbox])

    async def approve_follow(self, username: str, remote_actor: str) -> bool:
        """Accept a pending follow request; False when there is none."""
        return await self._decide_follow(username, remote_actor, "Accept")

    async def reject_follow(self, username: str, remote_actor: str) -> bool:
        """Refuse a pending follow request (or remove a follower): a Reject is delivered."""
        return await self._decide_follow(username, remote_actor, "Reject")

    async def _decide_follow(self, username: str, remote_actor: str, kind: str) -> bool:
        row = await self.db.run(lambda db: moderation.follower(db, username, remote_actor))
        actor = self.manifest.get().actor(username)
        if row is None or actor is None:
            return False
        if kind == "Accept":
            await self.db.run(
                lambda db: moderation.set_follower_state(db, username, remote_actor, "accepted")
            )
        else:
            await self.db.run(lambda db: moderation.remove_follower(db, username, remote_actor))
        await self.answer_follow(kind, actor, json.loads(row["follow"]), row["inbox"])
        return True

    # ---- replies ---------------------------------------------------------------------------

    async def decide_comment(self, comment_id: str, status: str, by: str | None = None) -> bool:
        """Approve or reject a reply; an approval (or taking one back) exports and asks for a rebuild."""
        before = await self.db.run(
            lambda db: list(db.query("SELECT status FROM fed_comments WHERE id = ?", [comment_id]))
        )
        found = await self.db.run(lambda db: moderation.decide_comment(db, comment_id, status, by))
        if found and "approved" in (status, before[0]["status"] if before else ""):
            self.exporter.schedule()
        return found

    # ---- blocks ----------------------------------------------------------------------------

    async def block(
        self, kind: str, value: str, username: str = "", reason: str = "", by: str | None = None
    ) -> None:
        await self.db.run(lambda db: moderation.add_block(db, kind, value, username, reason, by))
        await self.reload_blocks()
        self.exporter.schedule()

    async def unblock(self, kind: str, value: str, username: str = "") -> bool:
        removed = await self.db.run(lambda db: moderation.remove_block(db, kind, value, username))
        await self.reload_blocks()
        return removed

    def log_ignored(self, kind: str) -> None:
        """An activity type we do not act on: logged once per type, answered 202."""
        if kind not in self.logged_types and len(self.logged_types) < 1000:
            self.logged_types.add(kind)
            log.info("ignoring %s activities (accepted with 202, nothing done)", kind[:64])


FEDERATION = web.AppKey("federation", Federation)
