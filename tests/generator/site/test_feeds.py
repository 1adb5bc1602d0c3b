from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import replace

import feedparser
import pytest

from tests.generator.catalog_fixtures import (
    BASE_URL,
    CONTROL_TITLE,
    EMOJI_TITLE,
    HOSTILE_TITLE,
    hostile_catalog,
    hostile_media,
    with_release,
)
from tunecamp.generator.catalog.model import Catalog
from tunecamp.generator.catalog.urls import Urls
from tunecamp.generator.site.feeds import (
    render_artist_feeds,
    render_feeds,
    render_release_feed,
    render_site_feeds,
    rss_item,
)
from tunecamp.generator.site.memo import Memo
from tunecamp.generator.site.podcast import podcast_guid
from tunecamp.generator.site.syndication import NAMESPACES

RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d\d:\d\d:\d\d GMT$"
)
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
ATOM = "{http://www.w3.org/2005/Atom}"
IT = "{" + NAMESPACES["itunes"] + "}"
PC = "{" + NAMESPACES["podcast"] + "}"
MRSS = "{" + NAMESPACES["media"] + "}"
CONTENT = "{" + NAMESPACES["content"] + "}"
DC = "{" + NAMESPACES["dc"] + "}"
EDITED_TITLE = "Engines <b>Remastered</b> & \x01Co"


def render(catalog: Catalog) -> dict[str, bytes]:
    outputs = render_feeds(catalog, hostile_media(catalog), Urls(catalog.config.base_url))
    result = {o.path: o.data for o in outputs}
    assert len(result) == len(outputs), "two feeds claim one path"
    assert all(isinstance(data, bytes) for data in result.values())
    return {k: v for k, v in result.items() if v is not None}


@pytest.fixture(scope="module")
def feeds() -> dict[str, bytes]:
    return render(hostile_catalog())


def url(path: str) -> str:
    return f"{BASE_URL}/{path}"


def test_every_feed_parses_without_bozo(feeds: dict[str, bytes]) -> None:
    assert set(feeds) == {
        "feed.rss",
        "feed.atom",
        "podcast.rss",
        "artists/ada/feed.rss",
        "artists/ada/feed.atom",
        "artists/noor/feed.rss",
        "artists/noor/feed.atom",
        "releases/engines/media.rss",
        "releases/hidden/media.rss",
        "releases/older/media.rss",
        "releases/undated/media.rss",
    }
    for path, data in feeds.items():
        parsed = feedparser.parse(data)
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.version == ("atom10" if path.endswith(".atom") else "rss20"), path
        self_links = [link.href for link in parsed.feed.links if link.rel == "self"]
        assert self_links == [url(path)], path
        ET.fromstring(data)  # strictly well-formed, not only feedparser-tolerable


def test_site_feed_lists_listed_releases_newest_first(feeds: dict[str, bytes]) -> None:
    for path in ("feed.rss", "feed.atom"):
        parsed = feedparser.parse(feeds[path])
        assert [e.link for e in parsed.entries] == [
            url("releases/engines/"),
            url("releases/older/"),
            url("releases/undated/"),
        ]
        assert [e.id for e in parsed.entries] == [e.link for e in parsed.entries]
        assert b"Hidden Tracks" not in feeds[path] and b"Draft Demos" not in feeds[path]


def test_hostile_text_is_escaped_and_round_trips(feeds: dict[str, bytes]) -> None:
    rss = feeds["feed.rss"]
    assert b"<script" not in rss
    item = ET.fromstring(rss).find("channel/item")
    assert item is not None and item.findtext("title") == f"Engines {HOSTILE_TITLE}"
    body = item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded") or ""
    assert "<script" not in body  # the HTML body escapes titles once more, as HTML
    assert "&lt;script&gt;" in body and "<em>barn</em>" in body
    media_rss = ET.fromstring(feeds["releases/engines/media.rss"])
    titles = [i.findtext("title") for i in media_rss.iter("item")]
    assert titles[1] == EMOJI_TITLE
    assert titles[3] == "Bell and Tab" != CONTROL_TITLE  # characters XML cannot carry are dropped


def test_dates_are_rfc822_in_rss_and_rfc3339_in_atom(feeds: dict[str, bytes]) -> None:
    rss = ET.fromstring(feeds["feed.rss"])
    dates = {i.findtext("link"): i.findtext("pubDate") for i in rss.iter("item")}
    assert dates[url("releases/engines/")] == "Wed, 01 May 2024 00:00:00 GMT"
    assert dates[url("releases/undated/")] is None  # no date to give: readers use first-seen time
    assert all(RFC822.match(d) for d in dates.values() if d)
    assert rss.findtext("channel/lastBuildDate") == "Wed, 01 May 2024 00:00:00 GMT"
    atom = ET.fromstring(feeds["feed.atom"])
    updated = [e.findtext(f"{ATOM}updated") for e in atom.iter(f"{ATOM}entry")]
    assert updated == ["2024-05-01T00:00:00Z", "2019-03-02T00:00:00Z", "1970-01-01T00:00:00Z"]
    assert atom.findtext(f"{ATOM}updated") == "2024-05-01T00:00:00Z"
    assert all(RFC3339.match(d or "") for d in updated)


def test_release_date_falls_back_to_the_newest_track_date() -> None:
    catalog = hostile_catalog()
    older = next(r for r in catalog.releases if r.slug == "older")
    catalog = replace(catalog, releases=(replace(older, date=None),))
    parsed = feedparser.parse(render(catalog)["feed.rss"])
    assert parsed.entries[0].published_parsed[:3] == (2019, 1, 1)


def test_atom_is_structurally_complete(feeds: dict[str, bytes]) -> None:
    atom = ET.fromstring(feeds["artists/ada/feed.atom"])
    for required in ("id", "title", "updated", "author"):
        assert atom.find(f"{ATOM}{required}") is not None, required
    entries = list(atom.iter(f"{ATOM}entry"))
    assert [e.findtext(f"{ATOM}id") for e in entries] == [url("releases/engines/"), url("releases/older/")]
    for entry in entries:
        for required in ("id", "title", "updated", "author", "content"):
            assert entry.find(f"{ATOM}{required}") is not None, required
    assert atom.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"


def test_rss_item_carries_cover_and_first_stream(feeds: dict[str, bytes]) -> None:
    entry = feedparser.parse(feeds["feed.rss"]).entries[0]
    assert entry.enclosures == [
        {"href": url("audio/engines/script.mp3"), "length": "1234567", "type": "audio/mpeg"}
    ]
    assert entry.media_thumbnail[0]["url"] == url("releases/engines/cover.svg")
    assert [t.term for t in entry.tags] == ["Electronic", "Musique Concrète", "<Noise>"]
    atom_entry = feedparser.parse(feeds["feed.atom"]).entries[0]
    assert [(e.href, e.length, e.type) for e in atom_entry.enclosures] == [
        (url("audio/engines/script.mp3"), "1234567", "audio/mpeg")
    ]


def test_artist_feeds_hold_only_their_listed_releases(feeds: dict[str, bytes]) -> None:
    ada = feedparser.parse(feeds["artists/ada/feed.rss"])
    assert [e.link for e in ada.entries] == [url("releases/engines/"), url("releases/older/")]
    noor = feedparser.parse(feeds["artists/noor/feed.atom"])
    assert [e.link for e in noor.entries] == [url("releases/older/"), url("releases/undated/")]
    assert noor.feed.title == "نور الهدى"


def test_podcast_feed_has_one_episode_per_playable_listed_track(feeds: dict[str, bytes]) -> None:
    parsed = feedparser.parse(feeds["podcast.rss"])
    links = [e.link for e in parsed.entries]
    assert links == [url(f"releases/engines/{t}/") for t in ("script", "fish", "newline", "control")] + [
        url("releases/older/one/"),
        url("releases/older/two/"),
        url("releases/undated/layl/"),
    ]
    catalog = hostile_catalog()
    media = hostile_media(catalog)
    tracks = {f"releases/{r.slug}/{t.slug}/": t for r in catalog.releases for t in r.tracks}
    root = ET.fromstring(feeds["podcast.rss"])
    for item in root.iter("item"):
        track = tracks[item.findtext("link", "").removeprefix(BASE_URL + "/")]
        stream = media.track(track).streams[0]
        enclosure = item.find("enclosure")
        assert enclosure is not None
        assert enclosure.attrib == {"url": url(stream.path), "length": str(stream.size), "type": stream.mime}
        assert item.findtext(f"{IT}duration") == str(round(track.duration))
        assert item.findtext(f"{IT}explicit") == ("true" if track.settings.explicit else "false")
        assert item.find(f"{IT}image") is not None and item.findtext(f"{IT}author")
    dates = [i.findtext("pubDate") for i in root.iter("item")]
    assert dates[:2] == ["Wed, 01 May 2024 00:00:00 GMT", "Wed, 01 May 2024 00:01:00 GMT"]


def test_podcast_channel_tags(feeds: dict[str, bytes]) -> None:
    channel = ET.fromstring(feeds["podcast.rss"]).find("channel")
    assert channel is not None
    assert channel.findtext(f"{PC}guid") == str(
        uuid.uuid5(uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6"), "music.example.org/sub/podcast.rss")
    )
    locked = channel.find(f"{PC}locked")
    assert locked is not None and locked.text == "yes" and locked.get("owner") == "label@example.org"
    assert channel.findtext(f"{PC}license") == "CC-BY-4.0"
    assert channel.findtext(f"{PC}medium") == "music"
    assert [p.text for p in channel.iter(f"{PC}person")][:2] == ['Ada <b>Lovelace</b> & "Co"', "نور الهدى"]
    category = channel.find(f"{IT}category")
    assert category is not None and category.get("text") == "Music"
    assert channel.findtext(f"{IT}owner/{IT}email") == "label@example.org"
    assert channel.findtext(f"{IT}owner/{IT}name") == "Ada & Noor"
    assert channel.findtext(f"{IT}explicit") == "false"
    assert channel.find(f"{IT}image") is not None


def test_podcast_guid_matches_the_specification_examples() -> None:
    assert podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml") == "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    assert podcast_guid("http://podnews.net/rss/") == "9b024349-ccf0-5f69-a609-6b82873eab3c"


def test_media_rss_lists_every_track_of_a_release(feeds: dict[str, bytes]) -> None:
    root = ET.fromstring(feeds["releases/engines/media.rss"])
    items = list(root.iter("item"))
    assert len(items) == 5
    first = items[0].find(f"{MRSS}content")
    assert first is not None and first.attrib == {
        "url": url("audio/engines/script.mp3"),
        "type": "audio/mpeg",
        "fileSize": "1234567",
        "duration": "183",
        "medium": "audio",
        "isDefault": "true",
        "bitrate": "128",
    }
    aiff = items[4]
    assert aiff.findtext("title") == "Studio Master (AIFF)"
    assert aiff.find(f"{MRSS}content") is None and aiff.find("enclosure") is None
    assert all(i.find(f"{MRSS}thumbnail") is not None for i in items)
    hidden = ET.fromstring(feeds["releases/hidden/media.rss"])  # unlisted: reachable by URL, so it has one
    assert [i.findtext("title") for i in hidden.iter("item")] == ["Secret Song"]


def test_feeds_are_deterministic(feeds: dict[str, bytes]) -> None:
    assert render(hostile_catalog()) == feeds


def test_catalog_with_nothing_listed_still_has_valid_feeds() -> None:
    catalog = hostile_catalog()
    catalog = replace(catalog, releases=tuple(r for r in catalog.releases if not r.is_listed))
    feeds = render(catalog)
    assert set(feeds) == {"feed.rss", "feed.atom", "podcast.rss", "releases/hidden/media.rss"}
    for data in feeds.values():
        parsed = feedparser.parse(data)
        assert not parsed.bozo and parsed.feed.title
    assert feedparser.parse(feeds["feed.rss"]).entries == []


def test_feeds_resolve_every_prefix_to_its_namespace(feeds: dict[str, bytes]) -> None:
    known = {*NAMESPACES.values()}
    for path, data in feeds.items():
        for element in ET.fromstring(data).iter():
            namespace, _, local = element.tag.rpartition("}")
            assert ":" not in local and (not namespace or namespace[1:] in known), (path, element.tag)
    item = ET.fromstring(feeds["feed.rss"]).find("channel/item")
    assert item is not None
    assert (
        item.findtext(f"{CONTENT}encoded") and item.findtext(f"{DC}creator") == 'Ada <b>Lovelace</b> & "Co"'
    )
    assert item.find(f"{MRSS}thumbnail") is not None
    entry = ET.fromstring(feeds["feed.atom"]).find(f"{ATOM}entry")
    assert entry is not None and entry.find(f"{MRSS}thumbnail") is not None
    episode = ET.fromstring(feeds["podcast.rss"]).find("channel/item")
    assert episode is not None and episode.findtext(f"{IT}duration") == "183"
    assert episode.find(f"{PC}person") is not None


def test_an_item_fragment_declares_no_namespace_of_its_own() -> None:
    catalog = hostile_catalog()
    engines = next(r for r in catalog.releases if r.slug == "engines")
    item = rss_item(engines, catalog, hostile_media(catalog), Urls(BASE_URL))
    assert item.startswith(b"<item>") and item.endswith(b"</item>")
    assert b"xmlns" not in item and b"<media:thumbnail " in item and b"<content:encoded>" in item


def test_per_unit_renders_and_memo_give_the_bytes_of_a_fresh_render() -> None:
    catalog = hostile_catalog()
    media, urls = hostile_media(catalog), Urls(BASE_URL)
    memo = Memo()
    first = render_feeds(catalog, media, urls, memo)
    assert memo.misses == 3 * len(catalog.listed_releases)  # item, entry and episodes once each
    memo.sweep()
    again = render_feeds(catalog, media, urls, memo)
    assert memo.misses == 0 and memo.hits > 0
    # Each piece on its own, with no memo: every feed serializes its own fragments.
    site = render_site_feeds(catalog, media, urls)
    pieces = [
        *site[:2],
        *(o for a in catalog.listed_artists for o in render_artist_feeds(a, catalog, media, urls)),
        site[2],
        *(render_release_feed(r, catalog, media, urls) for r in catalog.public_releases),
    ]
    assert first == again == pieces


def test_an_edited_release_is_reserialized_and_every_other_fragment_reused() -> None:
    catalog = hostile_catalog()
    media, urls = hostile_media(catalog), Urls(BASE_URL)
    memo = Memo()
    render_feeds(catalog, media, urls, memo)
    memo.sweep()
    edited = with_release(catalog, "engines", title=EDITED_TITLE)
    engines = next(r for r in edited.releases if r.slug == "engines")
    site = render_site_feeds(edited, media, urls, memo)
    assert (memo.hits, memo.misses) == (3 * 2, 3)  # older and undated reused in each of the three
    ada = render_artist_feeds(edited.artist("ada"), edited, media, urls, memo)
    assert (memo.hits, memo.misses) == (3 * 2 + 2 * 2, 3)  # engines too now: the site feeds made it
    release = render_release_feed(engines, edited, media, urls)
    assert site + ada == render_site_feeds(edited, media, urls) + render_artist_feeds(
        edited.artist("ada"), edited, media, urls
    )
    shown = "Engines <b>Remastered</b> & Co"  # the control character cannot be carried, so it goes
    for output in (*site, *ada, release):
        assert output.data is not None
        parsed = feedparser.parse(output.data)
        assert not parsed.bozo, (output.path, parsed.get("bozo_exception"))
        text = "\n".join(ET.fromstring(output.data).itertext())
        assert shown in text and f"Engines {HOSTILE_TITLE}" not in text, output.path


def with_feed_limit(limit: int) -> dict[str, bytes]:
    catalog = hostile_catalog()
    return render(replace(catalog, config=replace(catalog.config, feed_limit=limit)))


def entry_links(data: bytes) -> list[str]:
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return [e.link for e in parsed.entries]


def test_feed_limit_keeps_the_newest_releases_in_site_feeds_and_podcast() -> None:
    feeds = with_feed_limit(2)  # three listed releases: engines (2024), older (2019), undated
    newest = [url("releases/engines/"), url("releases/older/")]
    assert entry_links(feeds["feed.rss"]) == newest
    assert entry_links(feeds["feed.atom"]) == newest
    episodes = entry_links(feeds["podcast.rss"])
    assert episodes == [url(f"releases/engines/{t}/") for t in ("script", "fish", "newline", "control")] + [
        url("releases/older/one/"),
        url("releases/older/two/"),
    ]
    for data in (feeds["feed.rss"], feeds["podcast.rss"]):  # the channel dates follow the newest carried
        assert ET.fromstring(data).findtext("channel/lastBuildDate") == "Wed, 01 May 2024 00:00:00 GMT"
    # each feed is limited on its own: Noor's two releases both fit
    assert entry_links(feeds["artists/noor/feed.rss"]) == [url("releases/older/"), url("releases/undated/")]


def test_feed_limit_applies_to_artist_feeds_and_not_to_media_rss() -> None:
    feeds, full = with_feed_limit(1), with_feed_limit(0)
    assert entry_links(feeds["artists/ada/feed.atom"]) == [url("releases/engines/")]
    assert entry_links(feeds["artists/noor/feed.rss"]) == [url("releases/older/")]
    assert entry_links(feeds["podcast.rss"])[-1] == url("releases/engines/control/")
    media_rss = [p for p in full if p.endswith("media.rss")]
    assert media_rss and all(feeds[p] == full[p] for p in media_rss)


def test_feed_limit_0_carries_every_listed_release(feeds: dict[str, bytes]) -> None:
    everything = with_feed_limit(0)
    every = [url("releases/engines/"), url("releases/older/"), url("releases/undated/")]
    assert entry_links(everything["feed.rss"]) == every and entry_links(everything["feed.atom"]) == every
    assert entry_links(everything["podcast.rss"])[-1] == url("releases/undated/layl/")
    assert everything == feeds  # the default (50) carries them all too: the same bytes
    assert hostile_catalog().config.feed_limit == 50
