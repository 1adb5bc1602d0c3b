"""What the daemon tells the site: actors' public keys, and likes, boosts and approved replies.

The daemon writes two files into the data directory (data/federation/) and the generator reads
them at its next build, never the daemon's database:

    public-keys.json    {"version": 1, "keys": {"<username>": {"id": "<actor id>#main-key", "pem": "..."}}}
    interactions.json   {"version": 1, "releases": {"<slug>": {"likes", "boosts", "replies": [...]}}}

A missing file means none yet. A malformed one is a warning naming the file (and what is wrong),
never a failed build: the site is built without what it would have said. Every URL a reply
carries is kept only when it is http(s), so no `javascript:` link reaches a page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tunecamp.generator.catalog.model import Catalog
from tunecamp.generator.problems import Problems

FOLDER = "federation"
KEYS_FILE = "public-keys.json"
INTERACTIONS_FILE = "interactions.json"
FILES = (KEYS_FILE, INTERACTIONS_FILE)
MAX_BYTES = 32 << 20  # a file larger than this is not what the daemon writes
MAX_REPLIES = 200  # per release: a page is not an archive
MAX_TEXT = 5000


@dataclass(frozen=True)
class PublicKey:
    id: str
    pem: str


@dataclass(frozen=True)
class Author:
    name: str
    handle: str
    url: str | None
    avatar: str | None


@dataclass(frozen=True)
class Reply:
    id: str
    url: str
    published: dt.datetime | None
    text: str
    author: Author


@dataclass(frozen=True)
class Interactions:
    likes: int = 0
    boosts: int = 0
    replies: tuple[Reply, ...] = ()


@dataclass(frozen=True)
class FederationInputs:
    keys: Mapping[str, PublicKey] = field(default_factory=dict)
    interactions: Mapping[str, Interactions] = field(default_factory=dict)

    def of(self, release_slug: str) -> Interactions | None:
        return self.interactions.get(release_slug)


class _Malformed(ValueError):
    pass


def federation_dir(data_dir: Path) -> Path:
    return data_dir / FOLDER


def file_digests(data_dir: Path) -> dict[str, str]:
    """What a build digests of these files (as of every input: size and mtime), by name."""
    digests = {}
    for name in FILES:
        try:
            st = (federation_dir(data_dir) / name).stat()
        except OSError:
            continue
        digests[f"{FOLDER}/{name}"] = hashlib.blake2b(
            f"{st.st_size}\0{st.st_mtime_ns}".encode(), digest_size=12
        ).hexdigest()
    return digests


def read_inputs(data_dir: Path, problems: Problems) -> FederationInputs:
    folder = federation_dir(data_dir)
    keys_data = _load(folder / KEYS_FILE, problems)
    interactions_data = _load(folder / INTERACTIONS_FILE, problems)
    keys: dict[str, PublicKey] = {}
    interactions: dict[str, Interactions] = {}
    if keys_data is not None:
        try:
            keys = _keys(keys_data)
        except _Malformed as exc:
            problems.warning(folder / KEYS_FILE, f"malformed ({exc}); actors are published without keys")
    if interactions_data is not None:
        try:
            interactions = _interactions(interactions_data)
        except _Malformed as exc:
            problems.warning(
                folder / INTERACTIONS_FILE, f"malformed ({exc}); no likes, boosts or replies are shown"
            )
    return FederationInputs(keys, interactions)


def _load(path: Path, problems: Problems) -> Any:
    try:
        if path.stat().st_size > MAX_BYTES:
            problems.warning(path, f"larger than {MAX_BYTES >> 20} MB; ignored")
            return None
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.warning(path, f"cannot be read ({exc}); ignored")
    except ValueError as exc:
        problems.warning(path, f"is not JSON ({exc}); ignored")
    return None


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Malformed(f"{where} is not an object")
    return value


def _versioned(data: Any, key: str) -> dict[str, Any]:
    data = _mapping(data, "the file")
    if data.get("version") != 1:
        raise _Malformed(f"version {data.get('version')!r}, expected 1")
    return _mapping(data.get(key), f'"{key}"')


def _keys(data: Any) -> dict[str, PublicKey]:
    keys = {}
    for username, entry in _versioned(data, "keys").items():
        entry = _mapping(entry, f'"keys.{username}"')
        key_id, pem = entry.get("id"), entry.get("pem")
        if not isinstance(key_id, str) or not isinstance(pem, str) or "BEGIN PUBLIC KEY" not in pem:
            raise _Malformed(f'"keys.{username}" needs an "id" and a PEM public key in "pem"')
        keys[str(username)] = PublicKey(key_id, pem)
    return keys


def _interactions(data: Any) -> dict[str, Interactions]:
    out = {}
    for slug, entry in _versioned(data, "releases").items():
        where = f'"releases.{slug}"'
        entry = _mapping(entry, where)
        likes, boosts = entry.get("likes", 0), entry.get("boosts", 0)
        for name, count in (("likes", likes), ("boosts", boosts)):
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise _Malformed(f"{where}.{name} is not a count")
        replies = entry.get("replies", [])
        if not isinstance(replies, list):
            raise _Malformed(f"{where}.replies is not a list")
        kept = tuple(r for r in (_reply(r, f"{where}.replies[{i}]") for i, r in enumerate(replies)) if r)
        out[str(slug)] = Interactions(likes, boosts, kept[:MAX_REPLIES])
    return out


def _reply(value: Any, where: str) -> Reply | None:
    data = _mapping(value, where)
    author = _mapping(data.get("author"), f"{where}.author")
    text = data.get("text")
    reply_id = _http(data.get("id"))
    if reply_id is None or not isinstance(text, str):
        raise _Malformed(f'{where} needs an http(s) "id" and a "text"')
    name, handle = author.get("name"), author.get("handle")
    return Reply(
        id=reply_id,
        url=_http(data.get("url")) or reply_id,
        published=_date(data.get("published")),
        text=text.strip()[:MAX_TEXT],
        author=Author(
            name=(name if isinstance(name, str) and name.strip() else str(handle or "someone")).strip()[:200],
            handle=str(handle).strip()[:200] if isinstance(handle, str) else "",
            url=_http(author.get("url")),
            avatar=_http(author.get("avatar")),
        ),
    )


def _http(value: Any) -> str | None:
    if isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) < 2048:
        return value
    return None


def _date(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def actor_usernames(catalog: Catalog) -> list[str]:
    """Every actor the site publishes: listed artists, the label, the instance (the daemon's host)."""
    if not catalog.config.daemon_url:
        return []
    host = urlsplit(catalog.config.daemon_url).hostname or "localhost"
    return [a.slug for a in catalog.listed_artists] + [catalog.config.federation.label_username, host]


def check_keys(catalog: Catalog, inputs: FederationInputs, data_dir: Path, problems: Problems) -> None:
    """One warning for the actors published without a public key (the daemon makes them)."""
    missing = [name for name in actor_usernames(catalog) if name not in inputs.keys]
    if missing:
        problems.warning(
            federation_dir(data_dir) / KEYS_FILE,
            f"{len(missing)} fediverse actors have no key yet: start the daemon (tunecamp serve) "
            "or run `tunecamp keys ensure`",
        )
