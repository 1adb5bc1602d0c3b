from __future__ import annotations

import json
from dataclasses import replace
from html.parser import HTMLParser
from typing import Any

import pytest

from tests.generator.catalog_fixtures import BASE_URL, HOSTILE_TITLE, hostile_catalog, hostile_media
from tunecamp.generator.catalog.urls import Urls
from tunecamp.generator.site.oembed import (
    EMBED_WIDTH,
    RELEASE_EMBED_HEIGHT,
    TRACK_EMBED_HEIGHT,
    embed_code,
    render_oembed,
    render_release_oembed,
)


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


@pytest.fixture(scope="module")
def docs() -> dict[str, dict[str, Any]]:
    catalog = hostile_catalog()
    outputs = render_oembed(catalog, hostile_media(catalog), Urls(BASE_URL))
    return {o.path: json.loads(o.data or b"") for o in outputs}


def test_documents_for_every_public_release_and_track(docs: dict[str, dict[str, Any]]) -> None:
    assert set(docs) == {
        "oembed/engines.json",
        *(f"oembed/engines/{t}.json" for t in ("script", "fish", "newline", "control", "studio-master")),
        "oembed/hidden.json",
        "oembed/hidden/secret.json",  # unlisted, but reachable and embeddable
        "oembed/older.json",
        "oembed/older/one.json",
        "oembed/older/two.json",
        "oembed/undated.json",
        "oembed/undated/layl.json",
    }


def test_release_document(docs: dict[str, dict[str, Any]]) -> None:
    doc = docs["oembed/older.json"]
    assert {k: v for k, v in doc.items() if k != "html"} == {
        "version": "1.0",
        "type": "rich",
        "title": "Older & Wiser",
        "author_name": 'Ada <b>Lovelace</b> & "Co", نور الهدى',
        "author_url": f"{BASE_URL}/artists/ada/",
        "provider_name": 'Ünder & <Ground> "Records"',
        "provider_url": f"{BASE_URL}/",
        "thumbnail_url": f"{BASE_URL}/releases/older/cover-1400.jpg",
        "thumbnail_width": 1400,
        "thumbnail_height": 1400,
        "width": EMBED_WIDTH,
        "height": RELEASE_EMBED_HEIGHT,
    }
    [(tag, attrs)] = tags(doc["html"])
    assert tag == "iframe" and attrs["src"] == f"{BASE_URL}/embed/older/"
    assert attrs["height"] == str(RELEASE_EMBED_HEIGHT)


def test_track_document_and_hostile_titles(docs: dict[str, dict[str, Any]]) -> None:
    doc = docs["oembed/engines/script.json"]
    assert doc["title"] == HOSTILE_TITLE and doc["height"] == TRACK_EMBED_HEIGHT
    assert doc["thumbnail_url"] == f"{BASE_URL}/releases/engines/cover.svg"
    parsed = tags(doc["html"])
    assert [t for t, _ in parsed] == ["iframe"]  # the title could not open a <script>
    assert parsed[0][1]["title"] == f'{HOSTILE_TITLE} by Ada <b>Lovelace</b> & "Co"'
    assert parsed[0][1]["src"] == f"{BASE_URL}/embed/engines/script/"
    assert docs["oembed/engines/newline.json"]["title"] == "Line #EXTINF:1,Evil https://evil.example/x.mp3"


def test_thumbnail_is_left_out_without_sizes() -> None:
    catalog = hostile_catalog()
    media = hostile_media(catalog)
    covers = {
        slug: replace(
            images,
            variants=tuple(replace(v, width=None, height=None) for v in images.variants),
            original=None,
        )
        for slug, images in media.covers.items()
    }
    outputs = render_oembed(catalog, replace(media, covers=covers), Urls(BASE_URL))
    doc = next(json.loads(o.data or b"") for o in outputs if o.path == "oembed/older.json")
    assert doc["title"] == "Older & Wiser"
    assert not any(k.startswith("thumbnail") for k in doc)  # oEmbed requires sizes with a thumbnail


def test_embedding_turned_off_means_no_document() -> None:
    catalog = hostile_catalog()
    older = next(r for r in catalog.releases if r.slug == "older")
    off = replace(older.settings, embed=False)
    one, two = older.tracks
    older = replace(
        older, settings=off, tracks=(replace(one, settings=off), two)
    )  # two overrides: embeddable
    catalog = replace(catalog, releases=tuple(older if r.slug == "older" else r for r in catalog.releases))
    paths = {o.path for o in render_oembed(catalog, hostile_media(catalog), Urls(BASE_URL))}
    assert "oembed/older.json" not in paths and "oembed/older/one.json" not in paths
    assert "oembed/older/two.json" in paths and "oembed/engines.json" in paths


def test_embed_code_escapes_attributes() -> None:
    html = embed_code(Urls("https://x.example/a&b"), "embed/r/", '"><script>alert(1)</script>\n', height=99)
    [(tag, attrs)] = tags(html)
    assert tag == "iframe"
    assert attrs["title"] == '"><script>alert(1)</script>'
    assert attrs["src"] == "https://x.example/a&b/embed/r/"
    assert attrs["height"] == "99" and attrs["width"] == str(EMBED_WIDTH)


def test_release_documents_make_up_the_whole() -> None:
    catalog = hostile_catalog()
    media, urls = hostile_media(catalog), Urls(BASE_URL)
    whole = [(o.path, o.data) for o in render_oembed(catalog, media, urls)]
    parts = [
        (o.path, o.data)
        for r in catalog.public_releases
        for o in render_release_oembed(r, catalog, media, urls)
    ]
    assert parts == whole
    older = next(r for r in catalog.releases if r.slug == "older")
    assert [o.path for o in render_release_oembed(older, catalog, media, urls)] == [
        "oembed/older.json",
        "oembed/older/one.json",
        "oembed/older/two.json",
    ]
