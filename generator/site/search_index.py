"""search.json: a compact index of everything listed, for the client-side search page.

    {"version": 1, "fields": ["kind", "title", "subtitle", "url", "image"], "items": [[…], …]}

kind is a (artist), r (release), t (track) or g (tag). A track's image is the index of its
release's item, so a cover link is not repeated for every track. Unlisted releases and
drafts are not in it.

A release's items are dumped once per view and remembered in the watch session's memo,
split where its tracks name the release's index: that index moves when releases before it
come or go, so it is filled in when the index is put together.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import partial
from json.encoder import encode_basestring

from tunecamp.generator.catalog import urls as u
from tunecamp.generator.catalog.urls import Urls
from tunecamp.generator.site.display import clean_text
from tunecamp.generator.site.genres import Tag
from tunecamp.generator.site.memo import Memo, fresh
from tunecamp.generator.site.views import ReleaseView, SiteViews

FIELDS = ("kind", "title", "subtitle", "url", "image")
VERSION = 1


def search_index(views: SiteViews, tags: tuple[Tag, ...], urls: Urls, memo: Memo | None = None) -> bytes:
    memo = fresh(memo)
    items = [
        _item(["a", av.artist.name, av.artist.location or "", av.url, av.picture.thumb if av.picture else ""])
        for av in views.listed_artists
    ]
    index = len(items)
    for rv in views.listed_releases:
        pieces = memo.get("search-items", rv, partial(_release_pieces, rv))
        items.append(str(index).encode().join(pieces))
        index += len(pieces)  # the release's item and one per track
    for tag in tags:
        n = len(tag.releases)
        items.append(
            _item(["g", tag.name, f"{n} release{'s' if n != 1 else ''}", urls.link(u.tag(tag.slug)), ""])
        )
    head = json.dumps({"version": VERSION, "fields": FIELDS, "items": []}, separators=(",", ":"))
    head = head.removesuffix("[]}")
    return head.encode() + b"[" + b",".join(items) + b"]}"


def _array(values: Iterable[str]) -> str:
    """A list of strings as json.dumps(values, ensure_ascii=False, separators=(",", ":")) writes it
    (with the same string encoder), without the closing bracket: a json.dumps call per item costs 5x."""
    return "[" + ",".join(map(encode_basestring, values))


def _item(values: Iterable[str]) -> bytes:
    return clean_text(_array(values) + "]").encode("utf-8")


def _release_pieces(rv: ReleaseView) -> list[bytes]:
    """The release's items, cut where each track's image goes: joined by that index, they are its part."""
    year = str(rv.release.date.year) if rv.release.date else ""
    subtitle = " · ".join(p for p in (rv.artist_names, year) if p)
    text = _array(["r", rv.title, subtitle, rv.url, rv.cover.thumb]) + "]"
    # Compact JSON has no raw newline (strings escape it): it marks the cuts.
    text += "".join(
        f",{_array(['t', tv.title, ' · '.join(p for p in (tv.artist, rv.title) if p), tv.url])},\n]"
        for tv in rv.tracks
    )
    return clean_text(text).encode("utf-8").split(b"\n")
