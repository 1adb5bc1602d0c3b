from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

from tests.generator.catalog_fixtures import BASE_URL, hostile_catalog, with_release, without_release
from tunecamp.generator.catalog.model import Catalog
from tunecamp.generator.catalog.urls import Urls
from tunecamp.generator.site.genres import listed_tags
from tunecamp.generator.site.memo import Memo
from tunecamp.generator.site.sitemap import render_sitemap, sitemap_paths

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def locs(data: bytes) -> list[str]:
    root = ET.fromstring(data)
    assert root.tag == f"{NS}urlset"
    return [url.findtext(f"{NS}loc") or "" for url in root.iter(f"{NS}url")]


def test_sitemap_lists_listed_pages_only() -> None:
    outputs = {o.path: o.data or b"" for o in render_sitemap(hostile_catalog(), Urls(BASE_URL))}
    assert set(outputs) == {"sitemap.xml", "robots.txt"}
    expected = [
        "",
        "artists/ada/",
        "artists/noor/",
        "releases/engines/",
        *(f"releases/engines/{t}/" for t in ("script", "fish", "newline", "control", "studio-master")),
        "releases/older/",
        "releases/older/one/",
        "releases/older/two/",
        "releases/undated/",
        "releases/undated/layl/",
        # tag pages as genres.listed_tags orders them: by name, punctuation aside ("<Noise>" as "noise")
        "tags/ambient/",
        "tags/electronic/",
        "tags/jazz/",
        "tags/musique-concrete/",
        "tags/noise/",
    ]
    assert locs(outputs["sitemap.xml"]) == [f"{BASE_URL}/{p}" for p in expected]
    text = outputs["sitemap.xml"].decode()
    for absent in ("hidden", "draft", "ghost", "draftcore"):
        assert absent not in text


def test_robots_points_at_the_sitemap() -> None:
    outputs = {o.path: o.data or b"" for o in render_sitemap(hostile_catalog(), Urls(BASE_URL))}
    lines = outputs["robots.txt"].decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert f"Sitemap: {BASE_URL}/sitemap.xml" in lines


def test_tag_pages_follow_the_page_renderer() -> None:
    catalog = hostile_catalog()
    engines = replace(catalog.releases[0], genres=("Drum & Bass", "drum-bass", "🎵🎶"))
    catalog = replace(catalog, releases=(engines,))
    urls = locs(render_sitemap(catalog, Urls(BASE_URL))[0].data or b"")
    tags = [u.removeprefix(f"{BASE_URL}/tags/") for u in urls if "/tags/" in u]
    # one page for two spellings of a slug; a name with nothing URL-safe gets a hashed slug
    assert tags[:2] == ["drum-bass/", "electronic/"]
    assert len(tags) == 3 and tags[2].startswith("tag-")


def test_empty_catalog_has_just_the_home_page() -> None:
    catalog = replace(hostile_catalog(), releases=())
    assert locs(render_sitemap(catalog, Urls(BASE_URL))[0].data or b"") == [f"{BASE_URL}/"]


def sitemap(catalog: Catalog, memo: Memo | None = None, base_url: str = BASE_URL) -> bytes:
    return render_sitemap(catalog, Urls(base_url), memo)[0].data or b""


def test_urls_are_escaped_and_the_file_is_utf8_xml() -> None:
    base = "https://example.org/a&b<c>/é"
    data = sitemap(hostile_catalog(), base_url=base)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset ')
    assert b"<loc>https://example.org/a&amp;b&lt;c&gt;/\xc3\xa9/</loc>" in data
    assert locs(data) == [base + "/" + p for p in sitemap_paths(hostile_catalog())]


def test_given_tags_are_the_listed_tags() -> None:
    catalog = hostile_catalog()
    given = render_sitemap(catalog, Urls(BASE_URL), tags=listed_tags(catalog))[0].data
    assert given == sitemap(catalog) and b"/tags/noise/" in sitemap(catalog)


def test_a_rebuild_writes_only_the_changed_releases_urls_again() -> None:
    memo = Memo()
    catalog = hostile_catalog()
    first = sitemap(catalog, memo)
    assert first == sitemap(catalog) and memo.misses == 3  # the listed releases
    memo.sweep()
    assert sitemap(catalog, memo) == first and (memo.hits, memo.misses) == (3, 0)

    memo.sweep()
    older = next(r for r in catalog.releases if r.slug == "older")
    changed = with_release(catalog, "older", tracks=older.tracks[:1], genres=("Swing",))
    data = sitemap(changed, memo)
    assert memo.misses == 1 and data == sitemap(changed)
    got = locs(data)
    assert f"{BASE_URL}/releases/older/one/" in got and f"{BASE_URL}/releases/older/two/" not in got
    assert f"{BASE_URL}/tags/swing/" in got and f"{BASE_URL}/tags/jazz/" not in got

    memo.sweep()
    gone = without_release(changed, "engines")
    data = sitemap(gone, memo)
    assert memo.misses == 0 and data == sitemap(gone)
    assert not [url for url in locs(data) if "/releases/engines/" in url]
    assert locs(data) == [f"{BASE_URL}/{p}" for p in sitemap_paths(gone)]
