from __future__ import annotations

import json
from typing import Any

from tests.generator.catalog_fixtures import (
    BASE_URL,
    HOSTILE_TITLE,
    NEWLINE_TITLE,
    hostile_catalog,
    hostile_media,
    with_release,
    without_release,
)
from tunecamp.generator.catalog import urls as u
from tunecamp.generator.catalog.model import Catalog
from tunecamp.generator.catalog.urls import Urls
from tunecamp.generator.site.display import clean_text
from tunecamp.generator.site.genres import listed_tags
from tunecamp.generator.site.memo import Memo
from tunecamp.generator.site.search_index import search_index
from tunecamp.generator.site.views import SiteViews, site_views

URLS = Urls(BASE_URL)


def views_of(catalog: Catalog, memo: Memo | None = None) -> SiteViews:
    return site_views(catalog, hostile_media(catalog), URLS, memo)


def render(catalog: Catalog, memo: Memo | None = None, views_memo: Memo | None = None) -> bytes:
    return search_index(views_of(catalog, views_memo), listed_tags(catalog), URLS, memo)


def one_dump(catalog: Catalog) -> bytes:
    """The documented format as one json.dumps of every item, which the assembled index must equal."""
    views = views_of(catalog)
    items: list[list[Any]] = []
    for av in views.listed_artists:
        picture = av.picture.thumb if av.picture else ""
        items.append(["a", av.artist.name, av.artist.location or "", av.url, picture])
    for rv in views.listed_releases:
        at = len(items)
        year = str(rv.release.date.year) if rv.release.date else ""
        items.append(
            ["r", rv.title, " · ".join(p for p in (rv.artist_names, year) if p), rv.url, rv.cover.thumb]
        )
        items += [
            ["t", tv.title, " · ".join(p for p in (tv.artist, rv.title) if p), tv.url, at] for tv in rv.tracks
        ]
    for tag in listed_tags(catalog):
        n = len(tag.releases)
        items.append(["g", tag.name, f"{n} release{'s' if n != 1 else ''}", URLS.link(u.tag(tag.slug)), ""])
    data = {"version": 1, "fields": ["kind", "title", "subtitle", "url", "image"], "items": items}
    return clean_text(json.dumps(data, ensure_ascii=False, separators=(",", ":"))).encode("utf-8")


def items(data: bytes) -> list[list[Any]]:
    doc = json.loads(data)
    assert doc["version"] == 1 and doc["fields"] == ["kind", "title", "subtitle", "url", "image"]
    found: list[list[Any]] = doc["items"]
    return found


def assert_tracks_point_at_their_release(found: list[list[Any]]) -> None:
    release = -1
    for i, (kind, _title, subtitle, _url, image) in enumerate(found):
        if kind == "r":
            release = i
        elif kind == "t":
            assert image == release and subtitle.endswith(found[release][1]), found[i]


def test_index_lists_what_is_listed_with_hostile_text() -> None:
    catalog = hostile_catalog()
    data = render(catalog)
    assert data == one_dump(catalog)
    found = items(data)
    assert [i[0] for i in found] == ["a"] * 2 + ["r"] + ["t"] * 5 + ["r"] + ["t"] * 2 + ["r", "t"] + ["g"] * 5
    titles = [i[1] for i in found]
    assert HOSTILE_TITLE in titles and NEWLINE_TITLE in titles  # a newline in a title is kept, escaped
    assert "Bell\x07 and \x0bTab" in titles  # controls escaped, the lone surrogate dropped
    assert not {"Hidden Tracks", "Secret Song", "Draft Demos", "Demo Song"} & set(titles)
    assert_tracks_point_at_their_release(found)
    assert found[2][4] == f"/sub/{u.release_cover(catalog.releases[0], None, 'svg')}"


def test_empty_catalog() -> None:
    catalog = without_release(
        without_release(without_release(hostile_catalog(), "engines"), "older"), "undated"
    )
    data = render(catalog)
    assert data == one_dump(catalog) and items(data) == []


def test_a_rebuild_dumps_only_the_changed_releases_items_again() -> None:
    memo, views_memo = Memo(), Memo()
    catalog = hostile_catalog()
    first = render(catalog, memo, views_memo)
    assert first == one_dump(catalog) and memo.misses == 3  # the listed releases
    memo.sweep()
    views_memo.sweep()
    assert render(catalog, memo, views_memo) == first and (memo.hits, memo.misses) == (3, 0)

    memo.sweep()
    views_memo.sweep()
    changed = with_release(catalog, "older", title="Older & Bolder")
    data = render(changed, memo, views_memo)
    assert memo.misses == 1 and data == one_dump(changed)
    titles = [i[1] for i in items(data)]
    assert "Older & Bolder" in titles and "Older & Wiser" not in titles

    # The first release goes: every later item moves, and the tracks' images with them.
    memo.sweep()
    views_memo.sweep()
    gone = without_release(changed, "engines")
    data = render(gone, memo, views_memo)
    assert memo.misses == 0 and data == one_dump(gone)
    found = items(data)
    assert_tracks_point_at_their_release(found)
    assert [i[1] for i in found if i[0] == "r"] == ["Older & Bolder", gone.releases[-1].title]
    assert "/releases/engines/" not in data.decode("utf-8")

    # An unlisted release published ahead of the others: the items after it move the other way.
    memo.sweep()
    views_memo.sweep()
    published = with_release(gone, "hidden", status="published")
    data = render(published, memo, views_memo)
    assert memo.misses == 1 and data == one_dump(published)
    assert_tracks_point_at_their_release(items(data))
