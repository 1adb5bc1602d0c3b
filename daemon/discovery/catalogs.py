"""A peer's catalog, reduced to what /network/ shows: its latest releases, linking to the peer.

Two shapes are read:
- ours, the static `catalog.json` (schema_version 1: releases with absolute urls, artist slugs
  resolved through its artists, a cover with image variants);
- a Node TuneCamp server's `/api/catalog` ({"releases": [...]} or its overview's
  recentReleases/recentAlbums), whose covers and links may be relative to the peer.

Only http(s) URLs survive; a release without a title is skipped. Newest first, by date.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from tunecamp.daemon.discovery.protocol import text_in, url_in

SCAN_LIMIT = 5000  # releases looked at, whatever the catalog holds


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
class Catalog:
    releases: tuple[Release, ...]  # the latest, newest first
    count: int  # releases the catalog holds


class NotACatalog(ValueError):
    pass


def read_catalog(document: Any, origin: str, keep: int) -> Catalog:
    if isinstance(document, dict) and document.get("schema_version") == 1:
        releases = list(_ours(document, origin))
    else:
        releases = list(_node(document, origin))
    releases.sort(key=lambda r: r.date, reverse=True)
    return Catalog(tuple(releases[:keep]), len(releases))


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


def _node(document: Any, origin: str) -> list[Release]:
    if isinstance(document, list):
        items: Any = document
    elif isinstance(document, dict):
        items = next(
            (
                document[k]
                for k in ("releases", "recentReleases", "recentAlbums")
                if isinstance(document.get(k), list)
            ),
            None,
        )
    else:
        items = None
    if items is None:
        raise NotACatalog("neither catalog.json nor a Node TuneCamp catalog")
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
