"""What the daemon reads from the built site's catalog.json, and what it makes of a broken one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tunecamp.daemon.subsonic.artist_images import public_picture
from tunecamp.daemon.subsonic.site_info import SiteInfo, read_site

GOOD = {
    "catalog": {
        "title": "Label",
        "url": "https://m.example/",
        "feeds": {"podcast": "https://m.example/podcast.rss"},
    },
    "releases": [
        {
            "slug": "tides",
            "url": "https://m.example/releases/tides/",
            "tracks": [
                {
                    "slug": "a",
                    "url": "https://m.example/releases/tides/a/",
                    "replaygain": {"track_gain_db": -2.0, "album_peak": 1},
                },
                {
                    "slug": "b",
                    "url": "https://m.example/releases/tides/b/",
                    "replaygain": {"track_gain_db": "loud"},
                },
            ],
        }
    ],
}


def test_reads_pages_gains_and_the_podcast(tmp_path: Path) -> None:
    (tmp_path / "catalog.json").write_text(json.dumps(GOOD))
    site = read_site(tmp_path)
    assert site.title == "Label" and site.podcast == "https://m.example/podcast.rss"
    assert site.releases == {"tides": "https://m.example/releases/tides/"}
    assert site.tracks[("tides", "b")] == "https://m.example/releases/tides/b/"
    assert site.gains == {("tides", "a"): {"trackGain": -2.0, "albumPeak": 1.0}}  # "loud" is no gain


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        "[]",
        '{"releases": [{"tracks": []}]}',
        '{"releases": 5}',
        '{"catalog": [], "releases": []}',
        '{"releases": [{"slug": "x", "tracks": [{"nope": 1}]}]}',
    ],
)
def test_a_broken_catalog_json_is_no_site(tmp_path: Path, text: str) -> None:
    (tmp_path / "catalog.json").write_text(text)
    assert read_site(tmp_path) in (SiteInfo(), SiteInfo(releases={"x": ""}))


def test_no_site_yet(tmp_path: Path) -> None:
    assert read_site(tmp_path / "missing") == SiteInfo()


def test_artist_picture_prefers_the_original_jpeg(tmp_path: Path) -> None:
    folder = tmp_path / "artists/aurora"
    folder.mkdir(parents=True)
    for name in ("image-300.jpg", "image.png", "image.jpg", "image.txt"):
        (folder / name).write_bytes(b"x")
    assert public_picture(tmp_path, "aurora") == "artists/aurora/image.jpg"
    assert public_picture(tmp_path, "nobody") is None
