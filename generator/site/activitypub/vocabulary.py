"""The words every document shares: JSON-LD contexts, the daemon's addresses, dates and bytes.

Every document carries `@context` and an `id` equal to the URL it is served at: the static
ones live under base_url/ap/, the dynamic ones (inboxes, followers) under daemon_url.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from tunecamp.generator.catalog.model import CatalogConfig, Release
from tunecamp.generator.output import Output

AS = "https://www.w3.org/ns/activitystreams"
PUBLIC = f"{AS}#Public"
SECURITY = "https://w3id.org/security/v1"
FUNKWHALE = "https://funkwhale.audio/ns"
# the extension terms Mastodon reads (https://docs.joinmastodon.org/spec/activitypub/)
TERMS: dict[str, Any] = {
    "toot": "http://joinmastodon.org/ns#",
    "schema": "http://schema.org#",
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "sensitive": "as:sensitive",
    "Hashtag": "as:Hashtag",
    "featured": {"@id": "toot:featured", "@type": "@id"},
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "blurhash": "toot:blurhash",
    "movedTo": {"@id": "as:movedTo", "@type": "@id"},
    "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
}
CONTEXT: list[Any] = [AS, SECURITY, TERMS]
MEDIA_TYPE = "application/activity+json"
PAGE_SIZE = 20


@dataclass(frozen=True)
class Addresses:
    """Where the static documents (base) and the daemon's endpoints (daemon) are."""

    base: str  # base_url, no trailing slash
    daemon: str  # daemon_url, no trailing slash

    @classmethod
    def of(cls, config: CatalogConfig) -> Addresses:
        assert config.daemon_url is not None
        return cls(config.base_url.rstrip("/"), config.daemon_url.rstrip("/"))

    def doc(self, path: str) -> str:
        return f"{self.base}/{quote(path)}"

    def user(self, username: str, what: str) -> str:
        return f"{self.daemon}/users/{quote(username)}/{what}"

    @property
    def shared_inbox(self) -> str:
        return f"{self.daemon}/inbox"

    @property
    def host(self) -> str:
        """The daemon's host name: the instance actor's handle, as Mastodon names its own."""
        return urlsplit(self.daemon).hostname or "localhost"


def endpoints(a: Addresses, username: str) -> dict[str, Any]:
    """The dynamic half of an actor, served by the daemon."""
    return {
        "inbox": a.user(username, "inbox"),
        "followers": a.user(username, "followers"),
        "following": a.user(username, "following"),
        "endpoints": {"sharedInbox": a.shared_inbox},
    }


def iso_date(date: dt.date) -> str:
    return f"{date.isoformat()}T00:00:00Z"


def published(r: Release) -> str:
    """When a release came out; without a date, when its folder's metadata was last written (stable
    from build to build, so an undated release is not sent again as an update)."""
    if r.date is not None:
        return iso_date(r.date)
    source = r.metadata_file or (r.tracks[0].source if r.tracks else r.source_dir)
    try:
        stamp = dt.datetime.fromtimestamp(int(source.stat().st_mtime), dt.UTC)
    except OSError:
        stamp = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def hashtag(name: str) -> str:
    """ "Indie Pop" -> "IndiePop": a hashtag is letters, digits and underscores."""
    words = re.findall(r"\w+", name)
    return "".join(w[:1].upper() + w[1:] for w in words)


def canonical(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def digest(doc: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(doc)).hexdigest()


def document(path: str, doc: dict[str, Any]) -> Output:
    """A document's file: readable JSON (the CDN compresses it)."""
    return Output(path, data=json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8") + b"\n")
