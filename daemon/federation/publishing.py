"""After a build: what the site now publishes against what followers were sent, and the difference queued.

The generator lists every listed, published release's Note in public/ap/manifest.json with the
hash of its canonical JSON. `fed_published` remembers, per note, the hash last delivered. A sync
compares the two and enqueues:

- a new note: the artist's `Create` (the document at the manifest's create URL, read from public/)
  to the artist's followers, and the label's `Announce` to the label's followers;
- a changed hash: `Update{Note}` (id: note id + "#update-" + hash) to both;
- a note gone from the manifest (unpublished, made unlisted or a draft again): `Delete{Tombstone}`
  (id: note id + "#delete-" + the last hash) to both.

Each activity is written to the outbox (outbox.py) in the same transaction that records the
note's new hash, and handed to the jobs engine after it; the outbox ignores an activity id it
already has, so a sync repeated after a crash sends nothing twice. A database with no followers records the notes and sends nothing: the first
sync of a fresh instance never floods anyone. A sync runs at start-up and whenever the manifest
file changes (any build: the daemon's watcher, its worker, or `tunecamp build` while it runs);
a missing or unreadable manifest (a build swapping public/ in, no daemon_url) changes nothing:
only a manifest that no longer lists a note deletes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from aiohttp import web
from sqlite_utils import Database

from tunecamp.daemon.appkeys import CONFIG, DB
from tunecamp.daemon.federation import audience, outbox
from tunecamp.daemon.federation.delivery import OUTBOX
from tunecamp.daemon.federation.manifest import MANIFEST
from tunecamp.daemon.federation.outbox import Activity

log = logging.getLogger("tunecamp.federation.publishing")
AS = "https://www.w3.org/ns/activitystreams"
PUBLIC = AS + "#Public"
POLL = 1.0  # seconds between looks at the manifest's mtime


class ManifestUnreadable(ValueError):
    """No manifest to compare with: nothing is sent, nothing recorded."""


class SiteInFlux(ManifestUnreadable):
    """A note's file does not match the manifest's hash yet (an incremental build is renaming
    files into place): the sync is tried again at the next poll."""


@dataclass(frozen=True)
class SiteNote:
    release: str
    actor: str  # the artist's username
    actor_id: str
    id: str
    create: str
    announce: str
    hash: str


@dataclass(frozen=True)
class SiteState:
    base_url: str
    public_dir: Path
    label: str | None
    label_id: str | None
    notes: tuple[SiteNote, ...]


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    deliveries: int = 0
    at: float = 0.0

    def __str__(self) -> str:
        return (
            f"{len(self.created)} new, {len(self.updated)} updated, {len(self.deleted)} deleted:"
            f" {self.deliveries} deliveries queued"
        )


def read_site(public_dir: Path) -> SiteState:
    """The manifest's notes and the label, or ManifestUnreadable naming the file and key."""
    path = public_dir / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestUnreadable(
            f"{path}: not there (no daemon_url in catalog.yaml, or no build yet)"
        ) from None
    except (OSError, ValueError) as exc:
        raise ManifestUnreadable(f"{path}: {exc}") from None
    if not isinstance(data, dict) or data.get("version") != 1:
        raise ManifestUnreadable(f"{path}: not a version 1 manifest")
    try:
        actors = {str(a["username"]): a for a in data.get("actors", [])}
        label = next((a for a in actors.values() if a.get("kind") == "label"), None)
        notes = tuple(
            SiteNote(
                str(n["release"]),
                str(n["actor"]),
                str(actors[str(n["actor"])]["id"]),
                str(n["id"]),
                str(n["create"]),
                str(n.get("announce") or ""),
                str(n["hash"]),
            )
            for n in data.get("notes", [])
        )
    except (KeyError, TypeError) as exc:
        raise ManifestUnreadable(f"{path}: a note or actor lacks {exc}") from None
    return SiteState(
        str(data.get("base_url", "")).rstrip("/"),
        public_dir,
        str(label["username"]) if label else None,
        str(label["id"]) if label else None,
        notes,
    )


def document(site: SiteState, url: str) -> dict[str, Any]:
    """The JSON document the site serves at `url`, read from public/ (never outside it)."""
    prefix = site.base_url + "/"
    if not url.startswith(prefix):
        raise ManifestUnreadable(f"{url}: not under the site's base_url {site.base_url}")
    root = site.public_dir.resolve()
    path = (root / unquote(url[len(prefix) :].split("#", 1)[0])).resolve()
    if not path.is_relative_to(root) or path == root:
        raise ManifestUnreadable(f"{url}: outside the site")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ManifestUnreadable(f"{path}: {exc}") from None
    if not isinstance(data, dict) or data.get("id") != url:
        raise ManifestUnreadable(f"{path}: its id is not {url}")
    return data


def digest(doc: dict[str, Any]) -> str:
    """The manifest's hash: SHA-256 of the canonical JSON (sorted keys, no spaces), as the generator makes it."""
    canonical = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def current_note(site: SiteState, note: SiteNote) -> dict[str, Any]:
    """The note's document, checked against the manifest's hash."""
    found = document(site, note.id)
    if digest(found) != note.hash:
        raise SiteInFlux(f"{note.id}: the file does not match the manifest's hash yet")
    return found


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def update_of(note: dict[str, Any], site_note: SiteNote) -> Activity:
    # Mastodon applies an edit only when the Note says when it was edited (`updated`)
    note = {**note, "updated": note.get("updated") or _now()}
    body = {
        "@context": note.get("@context", AS),
        "id": f"{site_note.id}#update-{site_note.hash[:16]}",
        "type": "Update",
        "actor": site_note.actor_id,
        "published": _now(),
        "to": note.get("to", [PUBLIC]),
        "cc": note.get("cc", []),
        "object": note,
    }
    return Activity(body["id"], site_note.actor, body)


def delete_of(row: dict[str, Any]) -> Activity:
    body = {
        "@context": AS,
        "id": f"{row['note_id']}#delete-{row['hash'][:16]}",
        "type": "Delete",
        "actor": row["actor_id"],
        "published": _now(),
        "to": [PUBLIC],
        "object": {"id": row["note_id"], "type": "Tombstone", "formerType": "Note", "deleted": _now()},
    }
    return Activity(body["id"], row["actor"], body)


def _published(db: Database) -> dict[str, dict[str, Any]]:
    return {r["note_id"]: r for r in db.query("SELECT * FROM fed_published")}


def _record(db: Database, note: SiteNote, label: str | None, state: str) -> None:
    db.execute(
        "INSERT OR REPLACE INTO fed_published (note_id, release, actor, actor_id, label, hash, create_id,"
        " announce_id, state, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            note.id,
            note.release,
            note.actor,
            note.actor_id,
            label,
            note.hash,
            note.create,
            note.announce or None,
            state,
            time.time(),
        ],
    )


def sync(db: Database, site: SiteState) -> SyncReport:
    """Compare, write to the outbox, record (on the database thread, or the CLI's own connection).

    A note's activities and its new hash are one transaction: a crash keeps both or neither."""
    report = SyncReport(at=time.time())
    known = _published(db)
    listed = {n.id: n for n in site.notes}
    label = [site.label] if site.label else []

    def send(activity: Activity, usernames: list[str]) -> None:
        report.deliveries += outbox.add(db, activity, audience.inboxes(db, usernames))

    for note in site.notes:
        row = known.get(note.id)
        if row is not None and row["state"] == "live" and row["hash"] == note.hash:
            continue
        current = current_note(site, note)
        new = row is None or row["state"] == "deleted"
        if new:  # read before the transaction: a file in flux changes nothing
            create = document(site, note.create)
            announce = document(site, note.announce) if note.announce and site.label else None
        with db.conn:
            if new:
                send(Activity(note.create, note.actor, create), [note.actor])
                if announce is not None and site.label:
                    send(Activity(note.announce, site.label, announce), label)
                report.created.append(note.release)
            else:
                send(update_of(current, note), [note.actor, *label])
                report.updated.append(note.release)
            _record(db, note, site.label, "live")
    for note_id, row in known.items():
        if row["state"] == "live" and note_id not in listed:
            with db.conn:
                send(delete_of(row), [row["actor"], *([row["label"]] if row["label"] else [])])
                db.execute(
                    "UPDATE fed_published SET state = 'deleted', updated_at = ? WHERE note_id = ?",
                    [time.time(), note_id],
                )
            report.deleted.append(row["release"])
    return report


class Publisher:
    """Watches the manifest and syncs when it changes; `sync_now` for a caller that knows it changed."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.public_dir: Path = app[CONFIG].public_dir
        self.last: SyncReport | None = None
        self.last_error: str | None = None
        self._stamp: tuple[int, int] | None = None
        self._lock = asyncio.Lock()

    def _stat(self) -> tuple[int, int] | None:
        try:
            stat = (self.public_dir / MANIFEST).stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    async def sync_now(self) -> SyncReport | None:
        async with self._lock:
            stamp = self._stat()
            try:
                site = await asyncio.to_thread(read_site, self.public_dir)
                report = await self.app[DB].run(lambda db: sync(db, site))
            except ManifestUnreadable as exc:
                if self.last_error != str(exc):
                    log.info("nothing to deliver: %s", exc)
                self.last_error = str(exc)
                if not isinstance(exc, SiteInFlux):  # in flux: looked at again at the next poll
                    self._stamp = stamp
                return None
            self._stamp, self.last, self.last_error = stamp, report, None
        if report.created or report.updated or report.deleted:
            log.info("publishing: %s", report)
        box = self.app.get(OUTBOX)
        if report.deliveries and box is not None:
            await box.hand_over()
        return report

    async def run(self) -> None:
        while True:
            if self._stat() != self._stamp:
                try:
                    await self.sync_now()
                except Exception:  # the next change tries again; the daemon goes on
                    log.exception("publishing failed")
                    self._stamp = self._stat()
            await asyncio.sleep(POLL)


PUBLISHER = web.AppKey("federation_publisher", Publisher)


async def publishing_ctx(app: web.Application) -> AsyncIterator[None]:
    publisher = app[PUBLISHER] = Publisher(app)
    if app[DB].error is not None:  # no database: nothing to compare with
        yield
        return
    task = asyncio.create_task(publisher.run())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def setup(app: web.Application) -> None:
    """After delivery.setup: the publisher hands what it wrote to the delivery outbox."""
    app.cleanup_ctx.append(publishing_ctx)
