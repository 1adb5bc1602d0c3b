"""The /network/ page: the TuneCamp instances the daemon's last crawl reached, with their latest releases.

The generator never reads the daemon's database: the daemon writes `network.json` into the
data directory after each crawl (daemon/discovery/export.py) and the next build renders this
page from it. No file, no page (a site without a daemon has no network to show). A malformed
file is a warning naming it, and the page is left out; every value is checked again here, since
this program trusts no file it did not write: text is cut to length, and a link or picture is
kept only when it is http(s).

    {"version": 1, "instances": [{"origin", "url", "name", "description", "coverImage",
      "artistName", "software", "version", "releaseCount",
      "releases": [{"title", "url", "artist", "cover", "date"}]}]}
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tunecamp.generator.output import Output
from tunecamp.generator.problems import Problems
from tunecamp.generator.site import i18n
from tunecamp.generator.site.context import Page, Site

NETWORK_FILE = "network.json"
PATH = "network/"
MAX_BYTES = 32 << 20
MAX_INSTANCES = 1000
MAX_RELEASES = 12


@dataclass(frozen=True)
class NetworkRelease:
    title: str
    url: str
    artist: str = ""
    cover: str = ""
    date: str = ""


@dataclass(frozen=True)
class Instance:
    origin: str
    url: str
    name: str
    description: str = ""
    cover: str = ""
    artist_name: str = ""
    software: str = "tunecamp"
    version: str = ""
    release_count: int = 0
    releases: tuple[NetworkRelease, ...] = ()

    @property
    def host(self) -> str:
        return urlsplit(self.origin).netloc

    @property
    def filter_text(self) -> str:
        """What the page's filter matches against."""
        words = [self.name, self.artist_name, self.description, self.host]
        words += [f"{r.title} {r.artist}" for r in self.releases]
        return " ".join(w for w in words if w).lower()


@dataclass(frozen=True)
class Network:
    instances: tuple[Instance, ...] = ()


def network_digests(data_dir: Path) -> dict[str, str]:
    """The digest a build takes of network.json (size and mtime, as of every input), by name."""
    try:
        st = (data_dir / NETWORK_FILE).stat()
    except OSError:
        return {}
    return {
        NETWORK_FILE: hashlib.blake2b(f"{st.st_size}\0{st.st_mtime_ns}".encode(), digest_size=12).hexdigest()
    }


def read_network(data_dir: Path, problems: Problems) -> Network | None:
    path = data_dir / NETWORK_FILE
    try:
        if path.stat().st_size > MAX_BYTES:
            problems.warning(path, f"larger than {MAX_BYTES} bytes; the network page is left out")
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        problems.warning(path, f"unreadable ({exc}); the network page is left out")
        return None
    if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("instances"), list):
        problems.warning(
            path, 'malformed (expected {"version": 1, "instances": [...]}); the network page is left out'
        )
        return None
    instances = (_instance(item) for item in data["instances"][:MAX_INSTANCES])
    return Network(tuple(i for i in instances if i is not None))


def network_pages(site: Site) -> list[Output]:
    if site.network is None:
        return []
    count = len(site.network.instances)
    with site.speaking():
        page = Page(
            path=PATH,
            kind="network",
            title=site.title(i18n.gettext("Network")),
            description=i18n.plural(
                count,
                "%(num)s TuneCamp site this one knows, and what it published last",
                "%(num)s TuneCamp sites this one knows, and what they published last",
            ),
        )
        return [site.render("network.html", page, network=site.network)]


def _text(value: Any, limit: int = 300) -> str:
    return " ".join(value.split())[:limit] if isinstance(value, str) else ""


def _url(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 2000:
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    return value if parts.scheme in ("http", "https") and parts.hostname else ""


def _instance(item: Any) -> Instance | None:
    if not isinstance(item, dict):
        return None
    origin, url = _url(item.get("origin")), _url(item.get("url")) or _url(item.get("origin"))
    if not origin or not url:
        return None
    listed = item.get("releases")
    releases: list[Any] = listed if isinstance(listed, list) else []
    count = item.get("releaseCount")
    return Instance(
        origin=origin,
        url=url,
        name=_text(item.get("name"), 200) or urlsplit(origin).netloc,
        description=_text(item.get("description"), 500),
        cover=_url(item.get("coverImage")),
        artist_name=_text(item.get("artistName"), 200),
        software=_text(item.get("software"), 50),
        version=_text(item.get("version"), 50),
        release_count=count if isinstance(count, int) and count >= 0 else 0,
        releases=tuple(r for r in map(_release, releases[:MAX_RELEASES]) if r is not None),
    )


def _release(item: Any) -> NetworkRelease | None:
    if not isinstance(item, dict):
        return None
    title, url = _text(item.get("title")), _url(item.get("url"))
    if not title or not url:
        return None
    date = _text(item.get("date"), 10)
    return NetworkRelease(title, url, _text(item.get("artist"), 200), _url(item.get("cover")), date)
