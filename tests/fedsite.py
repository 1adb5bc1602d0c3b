"""A site's fediverse documents as the generator writes them (the contract's format), for the
daemon's federation tests: actors, per release a Note, its Create and the label's Announce, and
ap/manifest.json listing them with each Note's hash."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

AS = "https://www.w3.org/ns/activitystreams"


def digest(doc: dict[str, Any]) -> str:
    canonical = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class Site:
    """public/ as the generator writes it, at base URL `base` (the daemon's URL too, by default)."""

    def __init__(self, public: Path, base: str = "http://site.test", daemon: str | None = None) -> None:
        self.public = public
        self.base = base
        self.daemon = daemon or base
        self.releases: dict[str, dict[str, str]] = {}
        self.keys: dict[str, str] = {}  # username -> public PEM, written into the actors

    def actor_id(self, username: str) -> str:
        return (
            f"{self.base}/ap/label.json" if username == "label" else f"{self.base}/ap/artists/{username}.json"
        )

    def note(self, slug: str, artist: str = "aurora", text: str = "New release") -> dict[str, Any]:
        return {
            "@context": AS,
            "id": f"{self.base}/ap/releases/{slug}/note.json",
            "type": "Note",
            "attributedTo": self.actor_id(artist),
            "content": f"<p>{text}</p>",
            "url": f"{self.base}/releases/{slug}/",
            "published": "2026-01-01T00:00:00Z",
            "to": [AS + "#Public"],
            "cc": [f"{self.daemon}/users/{artist}/followers"],
        }

    def publish(self, slug: str, artist: str = "aurora", text: str = "New release") -> None:
        self.releases[slug] = {"artist": artist, "text": text}
        self.write()

    def unpublish(self, slug: str) -> None:
        del self.releases[slug]
        self.write()

    def _write(self, doc: dict[str, Any]) -> None:
        path = self.public / doc["id"][len(self.base) + 1 :]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc))

    def person(self, username: str, kind: str = "Person") -> dict[str, Any]:
        actor = self.actor_id(username)
        doc: dict[str, Any] = {
            "@context": [AS, "https://w3id.org/security/v1"],
            "id": actor,
            "type": kind,
            "preferredUsername": username,
            "name": username.title(),
            "url": f"{self.base}/artists/{username}/",
            "inbox": f"{self.daemon}/users/{username}/inbox",
            "endpoints": {"sharedInbox": f"{self.daemon}/inbox"},
            "outbox": f"{self.base}/ap/artists/{username}/outbox.json",
            "followers": f"{self.daemon}/users/{username}/followers",
            "following": f"{self.daemon}/users/{username}/following",
        }
        if username in self.keys:
            doc["publicKey"] = {
                "id": f"{actor}#main-key",
                "owner": actor,
                "publicKeyPem": self.keys[username],
            }
        return doc

    def write(self) -> None:
        notes = []
        for slug, r in self.releases.items():
            note = self.note(slug, r["artist"], r["text"])
            create = {
                "@context": AS,
                "id": f"{self.base}/ap/releases/{slug}/create.json",
                "type": "Create",
                "actor": note["attributedTo"],
                "object": note,
                "to": note["to"],
                "cc": note["cc"],
            }
            announce = {
                "@context": AS,
                "id": f"{self.base}/ap/releases/{slug}/announce.json",
                "type": "Announce",
                "actor": self.actor_id("label"),
                "object": note["id"],
                "to": note["to"],
            }
            for doc in (note, create, announce):
                self._write(doc)
            notes.append(
                {
                    "release": slug,
                    "actor": r["artist"],
                    "id": note["id"],
                    "create": create["id"],
                    "announce": announce["id"],
                    "hash": digest(note),
                    "published": note["published"],
                }
            )
        self._write(self.person("aurora"))
        self._write(self.person("label", "Group"))
        manifest = {
            "version": 1,
            "base_url": self.base,
            "daemon_url": self.daemon,
            "actors": [
                {
                    "username": "aurora",
                    "kind": "artist",
                    "id": self.actor_id("aurora"),
                    "url": f"{self.base}/artists/aurora/",
                    "name": "Aurora",
                    "manually_approves_followers": False,
                },
                {
                    "username": "label",
                    "kind": "label",
                    "id": self.actor_id("label"),
                    "url": f"{self.base}/",
                    "name": "Label",
                    "manually_approves_followers": False,
                },
            ],
            "notes": notes,
        }
        (self.public / "ap").mkdir(parents=True, exist_ok=True)
        (self.public / "ap/manifest.json").write_text(json.dumps(manifest))
