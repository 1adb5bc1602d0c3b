"""What TuneCamp instances say to each other, read defensively (the other side may be anyone).

    /.well-known/nodeinfo   {"links": [{"rel": ".../ns/schema/2.1", "href": ...}]}: only a link to
                            the same origin is followed, 2.1 before 2.0; without one, /nodeinfo/2.1
    /nodeinfo/2.x           counts only when software.name is "tunecamp"
    /api/community/instance {software, version, url, name, description, coverImage, artistName,
                            communityLink} (+ catalogUrl, ours: where the static catalog.json is)
    /api/community/peers    an array of origins, or {"peers": [...]} (older Node servers); a bare
                            host name counts as https://host

Every value is checked for its type and cut to a sane length; a URL is kept only when it is
http(s), so nothing like `javascript:` reaches a page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/"
RELS = ("2.1", "2.0")
MAX_TEXT = 500
MAX_URL = 2000
_HOST = re.compile(
    r"(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?", re.I
)


def origin_of(text: object) -> str | None:
    """`scheme://host[:port]` of an http(s) URL (lower case, default port dropped), else None."""
    if not isinstance(text, str) or not text or len(text) > MAX_URL:
        return None
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in ("http", "https") or not host or parts.username or parts.password:
        return None
    if any(c in host for c in "/\\@ ") or host.startswith(".") or host.endswith("."):
        return None
    if ":" in host:
        host = f"[{host}]"
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def url_in(value: object, base: str) -> str:
    """An http(s) URL from `value` (relative ones against `base`), or ''."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_URL:
        return ""
    url = urljoin(base + "/", value.strip())
    return url if origin_of(url) is not None else ""


def text_in(value: object, limit: int = MAX_TEXT) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return ""
    return " ".join(value.split())[:limit]


def nodeinfo_link(document: Any, origin: str) -> str | None:
    """The 2.1 (else 2.0) NodeInfo URL the links document gives, when it is on `origin`."""
    links = document.get("links") if isinstance(document, dict) else None
    if not isinstance(links, list):
        return None
    found: dict[str, str] = {}
    for link in links[:50]:
        if not isinstance(link, dict):
            continue
        rel, href = link.get("rel"), link.get("href")
        if not isinstance(rel, str) or not rel.startswith(NODEINFO_SCHEMA) or not isinstance(href, str):
            continue
        version = rel.removeprefix(NODEINFO_SCHEMA).rstrip("/")
        href = urljoin(origin + "/", href) if len(href) <= MAX_URL else ""  # a relative link is on the origin
        if version in RELS and origin_of(href) == origin and version not in found:
            found[version] = href
    return next((found[v] for v in RELS if v in found), None)


@dataclass(frozen=True)
class Software:
    name: str
    version: str

    @property
    def tunecamp(self) -> bool:
        return self.name == "tunecamp"


def software_of(document: Any) -> Software:
    software = document.get("software") if isinstance(document, dict) else None
    if not isinstance(software, dict):
        return Software("", "")
    return Software(text_in(software.get("name"), 100).lower(), text_in(software.get("version"), 100))


@dataclass(frozen=True)
class InstanceInfo:
    name: str = ""
    description: str = ""
    url: str = ""
    cover: str = ""
    artist_name: str = ""
    community_link: str = ""
    version: str = ""
    catalog_url: str = ""

    def as_json(self, origin: str) -> dict[str, Any]:
        """The /api/community/instance shape."""
        return {
            "software": "tunecamp",
            "version": self.version,
            "url": self.url or origin,
            "name": self.name,
            "description": self.description,
            "coverImage": self.cover or None,
            "artistName": self.artist_name or None,
            "communityLink": self.community_link or None,
            "catalogUrl": self.catalog_url or None,
        }


def instance_of(document: Any, origin: str) -> InstanceInfo:
    """What /api/community/instance says; fields of the wrong type are left empty."""
    if not isinstance(document, dict):
        return InstanceInfo()
    return InstanceInfo(
        name=text_in(document.get("name"), 200),
        description=text_in(document.get("description"), 1000),
        url=url_in(document.get("url"), origin),
        cover=url_in(document.get("coverImage"), origin),
        artist_name=text_in(document.get("artistName"), 200),
        community_link=url_in(document.get("communityLink"), origin),
        version=text_in(document.get("version"), 100),
        catalog_url=url_in(document.get("catalogUrl"), origin),
    )


def peers_of(document: Any, limit: int) -> list[str]:
    """The origins a peers document lists (an array, or {"peers": [...]}), the first `limit`."""
    items = document.get("peers") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise ValueError('not a list of origins, nor {"peers": [...]}')
    found: dict[str, None] = {}
    for item in items:
        if len(found) >= limit:
            break
        if isinstance(item, dict):  # some servers list {"url": ...} objects
            item = item.get("url") or item.get("origin")
        if isinstance(item, str) and _HOST.fullmatch(item):  # a bare host name, as Mastodon lists them
            item = f"https://{item}"
        origin = origin_of(item)
        if origin is not None:
            found[origin] = None
    return list(found)
