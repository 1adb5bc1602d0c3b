"""The site's fediverse actors and release notes, as the generator lists them in public/ap/manifest.json.

The daemon never reads the catalog to know who its actors are: the build that wrote the actor
documents also wrote this manifest (the contract's format), so WebFinger, the inbox and
NodeInfo answer for exactly the actors the site publishes. It is re-read when its file
changes (one stat a second at most), and an absent or broken file is an empty manifest, logged once.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger("tunecamp.federation")
MANIFEST = Path("ap") / "manifest.json"


@dataclass(frozen=True)
class Actor:
    username: str
    kind: str  # "artist", "label" or "instance"
    id: str
    url: str
    name: str
    manually_approves_followers: bool = False


@dataclass(frozen=True)
class Note:
    release: str
    actor: str
    id: str
    create: str
    announce: str
    published: str


@dataclass(frozen=True)
class Manifest:
    base_url: str = ""
    daemon_url: str = ""
    actors: tuple[Actor, ...] = ()
    notes: tuple[Note, ...] = ()
    by_username: dict[str, Actor] = field(default_factory=dict, compare=False)
    by_url: dict[str, Actor] = field(default_factory=dict, compare=False)
    release_of: dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def parse(cls, data: Any) -> Manifest:
        if not isinstance(data, dict) or data.get("version") != 1:
            raise ValueError("not a version 1 manifest")
        actors = tuple(
            Actor(
                str(a["username"]),
                str(a["kind"]),
                str(a["id"]),
                str(a.get("url") or a["id"]),
                str(a.get("name") or a["username"]),
                bool(a.get("manually_approves_followers", False)),
            )
            for a in data.get("actors", [])
        )
        notes = tuple(
            Note(
                str(n["release"]),
                str(n["actor"]),
                str(n["id"]),
                str(n.get("create", "")),
                str(n.get("announce", "")),
                str(n.get("published", "")),
            )
            for n in data.get("notes", [])
        )
        by_url: dict[str, Actor] = {}
        for actor in sorted(
            actors, key=lambda a: ("artist", "label", "instance").index(a.kind), reverse=True
        ):
            by_url[actor.url] = actor  # an artist wins over the label, the label over the instance
        for actor in actors:
            by_url[actor.id] = actor
        release_of = {}
        for note in notes:
            for url in (note.id, note.create, note.announce):
                if url:
                    release_of[url] = note.release
        return cls(
            str(data.get("base_url", "")).rstrip("/"),
            str(data.get("daemon_url", "")).rstrip("/"),
            actors,
            notes,
            {a.username.lower(): a for a in actors},
            by_url,
            release_of,
        )

    def actor(self, username: str) -> Actor | None:
        return self.by_username.get(username.lower())

    def hosts(self) -> set[str]:
        """The host names this site answers for: the site's and the daemon's."""
        return {
            h for h in (urlsplit(self.base_url).netloc.lower(), urlsplit(self.daemon_url).netloc.lower()) if h
        }

    @property
    def host(self) -> str:
        """The site's host: the domain of every handle (@name@host)."""
        return urlsplit(self.base_url).netloc.lower() or urlsplit(self.daemon_url).netloc.lower()

    @property
    def instance(self) -> Actor | None:
        return next((a for a in self.actors if a.kind == "instance"), None)

    @property
    def label(self) -> Actor | None:
        return next((a for a in self.actors if a.kind == "label"), None)

    def release(self, object_id: str) -> str | None:
        """The release whose note (or its Create or Announce) has this id."""
        return self.release_of.get(object_id)


class ManifestFile:
    """public/ap/manifest.json, parsed again whenever the file changes."""

    def __init__(self, public_dir: Path, recheck: float = 1.0) -> None:
        self.path = public_dir / MANIFEST
        self.recheck = recheck  # seconds between two looks at the file (the inbox asks on every POST)
        self._checked = -recheck
        self._stamp: tuple[int, int] | None = None
        self._manifest = Manifest()
        self._warned: str | None = None

    def get(self) -> Manifest:
        now = time.monotonic()
        if now - self._checked < self.recheck:
            return self._manifest
        self._checked = now
        try:
            stat = self.path.stat()
        except OSError:
            if self._stamp is not None:  # it was there: gone now. Still missing: the same object,
                # so that those who compare what they saw last (`is not`) see no change
                self._stamp, self._manifest = None, Manifest()
            return self._manifest
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                self._manifest = Manifest.parse(json.loads(self.path.read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                if self._warned != str(exc):
                    log.warning(
                        "%s: unreadable (%s); no fediverse actors until the next build", self.path, exc
                    )
                    self._warned = str(exc)
                self._manifest = Manifest()
        return self._manifest
