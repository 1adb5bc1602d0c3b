"""What an actor tells its followers about itself: a new key (Update{Person}) and a move (Move).

Both are written to the outbox like any delivery (outbox.py) and handed to the jobs engine by
the command itself (commands.py), on the engine the daemon uses (SQLite or Redis), so they work
whether or not the daemon runs: its consumer or its workers send them.

- `tunecamp keys rotate ARTIST`: a new key (keys.py), the public keys exported, the site rebuilt
  (the actor document carries the new key), then `Update{Person}` with the rebuilt document,
  signed with the new key: followers' servers fetch the key by its id and find the new one.
- `tunecamp federation move ARTIST --to URL`: the target account must already list our actor in
  its `alsoKnownAs` (Mastodon refuses a Move otherwise: it is how a move is proven); the artist's
  YAML gets `moved_to: URL` (the generator writes `movedTo` on the actor), the site is rebuilt,
  and `Move{object: our actor, target: URL}` goes to every follower, whose servers then follow
  the new account.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from tunecamp.daemon.federation import audience, outbox
from tunecamp.daemon.federation.manifest import MANIFEST, Manifest
from tunecamp.daemon.federation.outbox import Activity
from tunecamp.daemon.federation.publishing import AS, PUBLIC, ManifestUnreadable, SiteState, document
from tunecamp.daemon.outbound import Outbound, OutboundError

MOVED_TO = re.compile(r"^moved_to\s*:.*$", re.MULTILINE)


class MoveError(ValueError):
    """A move or key change that cannot be made: the message says why and what to do."""


def site_manifest(public_dir: Path) -> Manifest:
    path = public_dir / MANIFEST
    try:
        return Manifest.parse(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise MoveError(f"{path}: not there; build the site first, with daemon_url in catalog.yaml") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise MoveError(f"{path}: {exc}") from None


def actor_document(public_dir: Path, manifest: Manifest, username: str) -> dict[str, Any]:
    actor = manifest.actor(username)
    if actor is None:
        names = ", ".join(a.username for a in manifest.actors) or "none"
        raise MoveError(f"{username}: not an actor of this site (its actors: {names})")
    site = SiteState(manifest.base_url, public_dir, None, None, ())
    try:
        return document(site, actor.id)
    except ManifestUnreadable as exc:
        raise MoveError(str(exc)) from None


def update_person(person: dict[str, Any], username: str, now: float | None = None) -> Activity:
    """Update{Person} with the actor's document as the site now serves it."""
    stamp = int(now if now is not None else time.time())
    body: dict[str, Any] = {
        "@context": person.get("@context", AS),
        "id": f"{person['id']}#update-{stamp}",
        "type": "Update",
        "actor": person["id"],
        "to": [PUBLIC],
        "object": person,
    }
    return Activity(str(body["id"]), username, body)


def move_activity(actor_id: str, target: str, username: str, now: float | None = None) -> Activity:
    stamp = int(now if now is not None else time.time())
    body: dict[str, Any] = {
        "@context": AS,
        "id": f"{actor_id}#move-{stamp}",
        "type": "Move",
        "actor": actor_id,
        "object": actor_id,
        "target": target,
        "to": [PUBLIC],
    }
    return Activity(str(body["id"]), username, body)


async def check_alias(outbound: Outbound, target: str, actor_id: str) -> dict[str, Any]:
    """The target actor's document, when its alsoKnownAs lists `actor_id`; else MoveError."""
    if not target.startswith(("https://", "http://")):
        raise MoveError(f"--to {target}: the new account's actor URL (https://...)")
    try:
        found = (await outbound.get(target)).json()
    except (OutboundError, ValueError) as exc:
        raise MoveError(f"--to {target}: cannot read the account ({exc})") from None
    if not isinstance(found, dict) or found.get("id") != target:
        raise MoveError(f"--to {target}: not an actor document (its id must be the URL)")
    aliases = found.get("alsoKnownAs") or []
    aliases = [aliases] if isinstance(aliases, str) else aliases
    if actor_id not in aliases:
        raise MoveError(
            f"--to {target}: the new account must first list {actor_id} as an alias"
            " (on Mastodon: Preferences > Account > Moving from a different account)"
        )
    return found


def set_moved_to(content_dir: Path, slug: str, target: str | None) -> Path:
    """Write (or with None remove) `moved_to:` in the artist's YAML, one line, the rest untouched."""
    path = content_dir / "artists" / slug / "artist.yaml"
    if not path.parent.is_dir():
        raise MoveError(f"{path.parent}: no such artist folder")
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    line = f"moved_to: {json.dumps(target)}" if target else ""
    if MOVED_TO.search(text):
        text = MOVED_TO.sub(line, text, count=1)
    elif line:
        text = text + ("" if text.endswith("\n") or not text else "\n") + line + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def enqueue_to_followers(db: Database, activity: Activity, usernames: list[str]) -> int:
    """Write `activity` to the outbox for the followers of `usernames`; the caller hands it over."""
    with db.conn:
        return outbox.add(db, activity, audience.inboxes(db, usernames))
