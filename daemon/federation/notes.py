"""Notes from an artist that are not releases (the live feature's "live now"), to its followers.

`announcer(app)` is what create_app hands to other features as `appkeys.ANNOUNCE`: given an
`ArtistNote`, it queues a `Create{Note}` (or, for an update, an `Update{Note}` with `updated`,
which Mastodon needs to apply an edit) from the artist's actor to the distinct inboxes of its
accepted followers, through the same outbox and delivery jobs as the releases' notes. The
note's id is a fragment of the actor's id, on the site's host as the actor is (Mastodon refuses
an object whose id is on another host than its author's). An artist the site does not federate
(no actor in the manifest) or without followers gets nothing, and the answer says 0.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from tunecamp.daemon.appkeys import CONFIG, DB, AnnounceNote, ArtistNote
from tunecamp.daemon.federation import audience
from tunecamp.daemon.federation.delivery import deliverer
from tunecamp.daemon.federation.manifest import Actor
from tunecamp.daemon.federation.service import FEDERATION

AS = "https://www.w3.org/ns/activitystreams"
PUBLIC = AS + "#Public"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def activity(actor: Actor, daemon_url: str, note: ArtistNote) -> dict[str, Any]:
    """The Create (or Update) of `note` by `actor`, addressed to the public and its followers."""
    now = _now()
    note_id = f"{actor.id}#{note.key}"
    to, cc = [PUBLIC], [f"{daemon_url}/users/{actor.username}/followers"]
    body: dict[str, Any] = {
        "id": note_id,
        "type": "Note",
        "attributedTo": actor.id,
        "content": note.content,
        "url": note.url,
        "published": now,
        "to": to,
        "cc": cc,
    }
    kind = "Update" if note.update else "Create"
    if note.update:
        body["updated"] = now
    return {
        "@context": AS,
        "id": f"{note_id}-{kind.lower()}",
        "type": kind,
        "actor": actor.id,
        "published": now,
        "to": to,
        "cc": cc,
        "object": body,
    }


def announcer(app: web.Application) -> AnnounceNote:
    deliver = deliverer(app)

    async def announce(note: ArtistNote) -> int:
        fed = app.get(FEDERATION)
        if fed is None:  # federation_ctx has not run (no database): nothing to deliver with
            return 0
        manifest = fed.manifest.get()
        actor = manifest.actor(note.artist)
        if actor is None or actor.kind != "artist":
            return 0
        inboxes = await app[DB].run(lambda db: audience.inboxes(db, [actor.username]))
        if not inboxes:
            return 0
        daemon_url = manifest.daemon_url or app[CONFIG].url
        await deliver(actor.username, activity(actor, daemon_url.rstrip("/"), note), inboxes)
        return len(inboxes)

    return announce
