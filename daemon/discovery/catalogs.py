"""A peer's catalog, reduced to what /network/ shows: its latest releases, linking to the peer.

Two shapes are read:
- ours, the static `catalog.json` (schema_version 1: releases with absolute urls, artist slugs
  resolved through its artists, a cover with image variants);
- a Node TuneCamp server's `/api/catalog` ({"releases": [...]} or its overview's
  recentReleases/recentAlbums), whose covers and links may be relative to the peer.

Only http(s) URLs survive; a release without a title is skipped. Newest first, by date.
The artists are read too (slug, name, page): whom the dashboard's "Follow artists" follows, as
`acct:slug@host` on the peer's WebFinger (ours and Node's both answer so), else by the page's URL.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from tunecamp.daemon.discovery.protocol import text_in, url_in

SCAN_LIMIT = 5000  # releases looked at, whatever the catalog holds
ARTISTS_KEPT = 200
SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")  # what a handle's name may be


@dataclass(frozen=True)
class Release:
    title: str
    url: str
    artist: str = ""
    cover: str = ""
    date: str = ""

    def as_json(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Artist:
    slug: str
    name: str = ""
    url: str = ""

    def as_json(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Catalog:
    releases: tuple[Release, ...]  # the latest, newest first
    count: int  # releases the catalog holds
    artists: tuple[Artist, ...] = ()


class NotACatalog(ValueError):
    pass


def read_catalog(document: Any, origin: str, keep: int) -> Catalog:
    if isinstance(document, dict) and document.get("schema_version") == 1:
        releases = list(_ours(document, origin))
    else:
        releases = list(_node(document, origin))
    releases.sort(key=lambda r: r.date, reverse=True)
    return Catalog(tuple(releases[:keep]), len(releases), artists_of(document, origin))


def artists_of(document: Any, origin: str) -> tuple[Artist, ...]:
    """The catalog's artists: ours list them; a Node server's albums name theirs (artist_slug)."""
    found: dict[str, Artist] = {}
    listed = document.get("artists") if isinstance(document, dict) else None
    items: list[Any] = listed[:SCAN_LIMIT] if isinstance(listed, list) else []
    if not items and isinstance(document, (dict, list)):
        for release in _node_items(document)[:SCAN_LIMIT]:
            if isinstance(release, dict):
                items.append(
                    {
                        "slug": release.get("artist_slug") or release.get("artistSlug"),
                        "name": release.get("artist_name") or release.get("artistName"),
                    }
                )
    for item in items:
        slug = text_in(item.get("slug"), 100) if isinstance(item, dict) else ""
        if not SLUG.match(slug) or slug in found:
            continue
        found[slug] = Artist(slug, text_in(item.get("name"), 200), url_in(item.get("url"), origin))
        if len(found) >= ARTISTS_KEPT:
            break
    return tuple(found.values())


def _ours(document: dict[str, Any], origin: str) -> list[Release]:
    items = document.get("releases")
    if not isinstance(items, list):
        raise NotACatalog("catalog.json without a releases list")
    names: dict[str, str] = {}
    artists = document.get("artists")
    for artist in artists[:SCAN_LIMIT] if isinstance(artists, list) else []:
        if isinstance(artist, dict) and isinstance(artist.get("slug"), str):
            names[artist["slug"]] = text_in(artist.get("name"), 200)
    found = []
    for item in items[:SCAN_LIMIT]:
        if not isinstance(item, dict):
            continue
        title, url = text_in(item.get("title"), 300), url_in(item.get("url"), origin)
        if not title or not url:
            continue
        listed = item.get("artists")
        slugs: list[Any] = listed if isinstance(listed, list) else []
        artist = ", ".join(names.get(s, "") for s in slugs[:10] if isinstance(s, str) and names.get(s))
        found.append(
            Release(title, url, artist, _our_cover(item.get("cover"), origin), _date(item.get("date")))
        )
    return found


def _our_cover(cover: Any, origin: str) -> str:
    variants = cover.get("variants") if isinstance(cover, dict) else None
    if not isinstance(variants, list):
        return ""
    sized = [v for v in variants[:20] if isinstance(v, dict) and url_in(v.get("url"), origin)]
    if not sized:
        return ""

    # the smallest variant of at least 300 px wide, else the largest: a card, not a poster
    def width(v: dict[str, Any]) -> int:
        w = v.get("width")
        return w if isinstance(w, int) else 0

    big_enough = [v for v in sized if width(v) >= 300]
    chosen = min(big_enough, key=width) if big_enough else max(sized, key=width)
    return url_in(chosen.get("url"), origin)


def _node_items(document: Any) -> list[Any]:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in ("releases", "recentReleases", "recentAlbums"):
            if isinstance(document.get(key), list):
                return list(document[key])
    raise NotACatalog("neither catalog.json nor a Node TuneCamp catalog")


def _node(document: Any, origin: str) -> list[Release]:
    items = _node_items(document)
    found = []
    for item in items[:SCAN_LIMIT]:
        if not isinstance(item, dict):
            continue
        title = text_in(item.get("title"), 300)
        key = item.get("slug") or item.get("id")
        url = url_in(item.get("url"), origin) or (
            url_in(f"/album/{text_in(key, 200)}", origin) if key else ""
        )
        if not title or not url:
            continue
        artist = text_in(item.get("artistName") or item.get("artist_name") or item.get("artist"), 200)
        cover = url_in(item.get("coverImage") or item.get("coverUrl") or item.get("cover"), origin)
        date = _date(
            item.get("releaseDate") or item.get("release_date") or item.get("date") or item.get("created_at")
        )
        found.append(Release(title, url, artist, cover, date))
    return found


def _date(value: Any) -> str:
    """An ISO date (YYYY-MM-DD) from a date or timestamp string, else ''."""
    text = text_in(value, 40)
    return text[:10] if len(text) >= 10 and text[4] == "-" and text[7] == "-" and text[:4].isdigit() else ""


def releases_json(releases: tuple[Release, ...]) -> list[dict[str, str]]:
    return [r.as_json() for r in releases]


def artists_json(artists: tuple[Artist, ...]) -> list[dict[str, str]]:
    return [a.as_json() for a in artists]
