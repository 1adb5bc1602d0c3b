"""The podcast feed meets what Apple Podcasts and the Podcast Index require, checked on a real
build (real transcodes): MP3 enclosures with exact byte lengths, Opus as an alternate enclosure,
the iTunes tags, unique GUIDs, and square artwork of 1400 to 3000 pixels (or a warning)."""

from __future__ import annotations

import email.utils
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import MakeAudio
from PIL import Image as PILImage

from tunecamp.generator.build import build
from tunecamp.generator.options import BuildOptions
from tunecamp.generator.report import BuildReport

BASE = "https://pod.example.net"
NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
}
# Apple's top-level categories (https://podcasters.apple.com/support/1691-apple-podcasts-categories)
APPLE_CATEGORIES = {"Arts", "Music", "Society & Culture", "Comedy", "Education", "Leisure", "News"}
PLAYABLE_EVERYWHERE = {"audio/mpeg", "audio/mp4", "audio/x-m4a"}


@pytest.fixture
def built(tmp_path: Path, make_audio: MakeAudio) -> tuple[Path, BuildReport]:
    root = tmp_path
    content = root / "content"
    content.mkdir()
    (content / "catalog.yaml").write_text(
        f"title: Pod\nbase_url: {BASE}\nlanguage: en\ndownload: none\n"
        "podcast:\n  category: Music\n  owner_name: Pod People\n  owner_email: pod@example.net\n"
    )
    for slug, date, cover in (
        ("big", "2024-03-01", 1600),
        ("small", "2023-01-01", 600),
        ("bare", "2022-01-01", 0),
    ):
        folder = content / "releases" / slug
        for n in (1, 2):
            make_audio(folder / f"0{n}.flac", seconds=1.0, tags={"title": f"{slug} {n}", "artist": "Ada"})
        if cover:
            PILImage.new("RGB", (cover, cover), (30, 90, 150)).save(folder / "cover.jpg", "JPEG")
        (folder / "release.yaml").write_text(
            f"status: published\ntitle: {slug.title()}\ndate: {date}\ncover_description: A square\n"
        )
    out = root / "public"
    report = build(content, out, BuildOptions(data_dir=root / "data", jobs=2))
    assert report.ok, [str(p) for p in report.problems.errors]
    return out, report


def local(out: Path, url: str) -> Path:
    assert url.startswith(BASE + "/"), url
    return out / urlsplit(url).path.lstrip("/")


def channel_has_what_directories_require(built: tuple[Path, BuildReport]) -> None:
    out, _ = built
    channel = ET.parse(out / "podcast.rss").getroot().find("channel")
    assert channel is not None
    for tag in ("title", "link", "description", "language", "itunes:author", "itunes:explicit"):
        assert (channel.findtext(tag, namespaces=NS) or "").strip(), tag
    assert channel.findtext("itunes:explicit", namespaces=NS) in ("true", "false")
    category = channel.find("itunes:category", NS)
    assert category is not None and category.get("text") in APPLE_CATEGORIES
    assert channel.findtext("itunes:owner/itunes:email", namespaces=NS) == "pod@example.net"
    image = channel.find("itunes:image", NS)
    assert image is not None
    path = local(out, image.get("href", ""))
    assert path.suffix in (".jpg", ".png")
    with PILImage.open(path) as im:
        assert im.width == im.height and 1400 <= im.width <= 3000, im.size


def every_episode_plays_everywhere_with_exact_lengths(built: tuple[Path, BuildReport]) -> None:
    out, _ = built
    items = ET.parse(out / "podcast.rss").getroot().findall("channel/item")
    assert len(items) == 6
    guids = [item.findtext("guid") for item in items]
    assert all(guids) and len(set(guids)) == len(guids)
    for item in items:
        assert email.utils.parsedate_to_datetime(item.findtext("pubDate") or "")
        assert int(item.findtext("itunes:duration", namespaces=NS) or "0") >= 1
        enclosure = item.find("enclosure")
        assert enclosure is not None and enclosure.get("type") in PLAYABLE_EVERYWHERE
        assert int(enclosure.get("length", "0")) == local(out, enclosure.get("url", "")).stat().st_size
        alternates = item.findall("podcast:alternateEnclosure", NS)
        assert [a.get("type") for a in alternates] == ["audio/ogg; codecs=opus"]
        source = alternates[0].find("podcast:source", NS)
        assert source is not None
        assert int(alternates[0].get("length", "0")) == local(out, source.get("uri", "")).stat().st_size
        image = item.find("itunes:image", NS)
        assert image is not None and local(out, image.get("href", "")).is_file()


def artwork_too_small_for_the_directories_is_a_warning(built: tuple[Path, BuildReport]) -> None:
    _, report = built
    warned = [p for p in report.problems.warnings if "podcast artwork" in p.message]
    assert [p.path.parent.name for p in warned] == ["small"]  # big is 1600 px, bare's drawn cover 1400
    assert "600x600 px" in warned[0].message and "1400 to 3000 px" in warned[0].message


def test_the_podcast_feed_meets_the_directories_requirements(built: tuple[Path, BuildReport]) -> None:
    """One build (real transcodes), three checks."""
    channel_has_what_directories_require(built)
    every_episode_plays_everywhere_with_exact_lengths(built)
    artwork_too_small_for_the_directories_is_a_warning(built)
