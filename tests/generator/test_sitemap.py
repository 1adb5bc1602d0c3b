from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

from tests.generator.catalog_fixtures import BASE_URL, hostile_catalog
from tunecamp.generator.sitemap import render_sitemap
from tunecamp.generator.urls import Urls

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
    engines = replace(catalog.releases[0], genres=("Drum & Bass", "drum-bass", "موسيقى"))
    catalog = replace(catalog, releases=(engines,))
    urls = locs(render_sitemap(catalog, Urls(BASE_URL))[0].data or b"")
    tags = [u.removeprefix(f"{BASE_URL}/tags/") for u in urls if "/tags/" in u]
    # one page for two spellings of a slug; a name with nothing URL-safe gets a hashed slug
    assert tags[:2] == ["drum-bass/", "electronic/"]
    assert len(tags) == 3 and tags[2].startswith("tag-")


def test_empty_catalog_has_just_the_home_page() -> None:
    catalog = replace(hostile_catalog(), releases=())
    assert locs(render_sitemap(catalog, Urls(BASE_URL))[0].data or b"") == [f"{BASE_URL}/"]
