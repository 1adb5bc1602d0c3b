"""search.json: a compact index of everything listed, for the client-side search page.

    {"version": 1, "fields": ["kind", "title", "subtitle", "url", "image"], "items": [[…], …]}

kind is a (artist), r (release), t (track) or g (tag). A track's image is the index of its
release's item, so a cover link is not repeated for every track. Unlisted releases and
drafts are not in it.
"""

from __future__ import annotations

import json

from tunecamp.generator import urls as u
from tunecamp.generator.display import clean_text
from tunecamp.generator.genres import Tag
from tunecamp.generator.urls import Urls
from tunecamp.generator.views import SiteViews

FIELDS = ("kind", "title", "subtitle", "url", "image")


def search_index(views: SiteViews, tags: tuple[Tag, ...], urls: Urls) -> bytes:
    items: list[list[str | int]] = []
    for av in views.listed_artists:
        items.append(
            ["a", av.artist.name, av.artist.location or "", av.url, av.picture.thumb if av.picture else ""]
        )
    for rv in views.listed_releases:
        year = str(rv.release.date.year) if rv.release.date else ""
        release_item = len(items)
        items.append(
            ["r", rv.title, " · ".join(p for p in (rv.artist_names, year) if p), rv.url, rv.cover.thumb]
        )
        for tv in rv.tracks:
            items.append(
                ["t", tv.title, " · ".join(p for p in (tv.artist, rv.title) if p), tv.url, release_item]
            )
    for tag in tags:
        n = len(tag.releases)
        items.append(["g", tag.name, f"{n} release{'s' if n != 1 else ''}", urls.link(u.tag(tag.slug)), ""])
    data = {"version": 1, "fields": list(FIELDS), "items": items}
    return clean_text(json.dumps(data, ensure_ascii=False, separators=(",", ":"))).encode("utf-8")
