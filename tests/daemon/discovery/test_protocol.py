"""The protocol's documents, read defensively: what counts, what is skipped, what is refused."""

from __future__ import annotations

from typing import Any

import pytest

from tunecamp.daemon.discovery.catalogs import NotACatalog, read_catalog
from tunecamp.daemon.discovery.limits import Limits
from tunecamp.daemon.discovery.protocol import instance_of, nodeinfo_link, origin_of, peers_of, software_of

ORIGIN = "https://music.example"
SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/"


@pytest.mark.parametrize(
    ("text", "origin"),
    [
        ("https://Music.Example/", ORIGIN),
        ("https://music.example:443/releases/x/", ORIGIN),
        ("http://music.example:80", "http://music.example"),
        ("http://127.0.0.1:8123/api", "http://127.0.0.1:8123"),
        ("http://[::1]:9000", "http://[::1]:9000"),
        ("ftp://music.example", None),
        ("javascript:alert(1)", None),
        ("https://user:pw@music.example", None),
        ("https://music.example:99999", None),
        ("music.example", None),
        ("", None),
        (42, None),
        (None, None),
        ("https://" + "a" * 3000 + ".example", None),
    ],
)
def test_origins(text: Any, origin: str | None) -> None:
    assert origin_of(text) == origin


def test_the_nodeinfo_link_is_same_origin_and_prefers_2_1() -> None:
    links = {
        "links": [
            {"rel": f"{SCHEMA}2.0", "href": f"{ORIGIN}/nodeinfo/2.0"},
            {"rel": f"{SCHEMA}2.1", "href": "https://elsewhere.example/nodeinfo/2.1"},
            {"rel": f"{SCHEMA}2.1", "href": f"{ORIGIN}/ni/2.1"},
            {"rel": f"{SCHEMA}1.0", "href": f"{ORIGIN}/nodeinfo/1.0"},
        ]
    }
    assert nodeinfo_link(links, ORIGIN) == f"{ORIGIN}/ni/2.1"
    assert nodeinfo_link({"links": links["links"][:2]}, ORIGIN) == f"{ORIGIN}/nodeinfo/2.0"
    assert nodeinfo_link({"links": [links["links"][1]]}, ORIGIN) is None  # only another origin's
    relative = {"links": [{"rel": f"{SCHEMA}2.1", "href": "/nodeinfo/2.1"}]}
    assert nodeinfo_link(relative, ORIGIN) == f"{ORIGIN}/nodeinfo/2.1"
    sneaky = {"links": [{"rel": f"{SCHEMA}2.1", "href": "//elsewhere.example/nodeinfo/2.1"}]}
    assert nodeinfo_link(sneaky, ORIGIN) is None
    for junk in ([], "x", {"links": "x"}, {"links": [1, None, {"rel": 5}]}):
        assert nodeinfo_link(junk, ORIGIN) is None


def test_only_tunecamp_counts() -> None:
    assert software_of({"software": {"name": "TuneCamp", "version": "2"}}).tunecamp
    assert not software_of({"software": {"name": "mastodon"}}).tunecamp
    assert not software_of({"software": "tunecamp"}).tunecamp
    assert not software_of([]).tunecamp


def test_instance_fields_of_the_wrong_kind_are_left_empty() -> None:
    info = instance_of(
        {
            "name": ["x"],
            "description": "  a\n b ",
            "url": "javascript:alert(1)",
            "coverImage": "/cover.png",
            "artistName": None,
            "communityLink": "https://chat.example/r",
            "version": 3,
        },
        ORIGIN,
    )
    assert (info.name, info.description, info.url, info.cover) == ("", "a b", "", f"{ORIGIN}/cover.png")
    assert (info.community_link, info.version, info.artist_name) == ("https://chat.example/r", "3", "")


def test_peers_in_both_shapes_capped() -> None:
    listed = [
        "https://a.example",
        "https://a.example/",
        {"url": "https://b.example"},
        "junk",
        5,
        "c.example",
        "-bad-.example",
        "10.0.0.1",
    ]
    assert peers_of(listed, 10) == ["https://a.example", "https://b.example", "https://c.example"]
    assert peers_of({"peers": listed}, 10) == ["https://a.example", "https://b.example", "https://c.example"]
    assert len(peers_of([f"https://p{i}.example" for i in range(100_000)], Limits().max_peers)) == 1000
    with pytest.raises(ValueError, match="peers"):
        peers_of({"instances": []}, 10)


def test_a_catalog_keeps_only_http_links_and_the_newest() -> None:
    document = {
        "schema_version": 1,
        "artists": [{"slug": "a", "name": "Ann"}],
        "releases": [
            {"title": "Old", "url": f"{ORIGIN}/releases/old/", "artists": ["a"], "date": "2001-01-01"},
            {"title": "Evil", "url": "javascript:alert(1)", "artists": ["a"]},
            {
                "title": "New",
                "url": f"{ORIGIN}/releases/new/",
                "artists": ["a", "ghost"],
                "date": "2026-01-01",
                "cover": {
                    "variants": [
                        {"url": f"{ORIGIN}/c-150.jpg", "width": 150},
                        {"url": f"{ORIGIN}/c-600.jpg", "width": 600},
                        {"url": f"{ORIGIN}/c-300.jpg", "width": 300},
                    ]
                },
            },
            "junk",
        ],
    }
    catalog = read_catalog(document, ORIGIN, keep=1)
    assert catalog.count == 2
    [new] = catalog.releases
    assert (new.title, new.artist, new.cover, new.date) == ("New", "Ann", f"{ORIGIN}/c-300.jpg", "2026-01-01")
    with pytest.raises(NotACatalog):
        read_catalog({"schema_version": 1}, ORIGIN, keep=5)
    with pytest.raises(NotACatalog):
        read_catalog("nope", ORIGIN, keep=5)
