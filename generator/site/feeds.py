"""Feeds: RSS 2.0 and Atom for the catalog and each artist, the podcast feed, Media RSS per release.

A release is one item: its cover, notes and tracklist as HTML, its genres as categories,
and the first playable track as the enclosure (readers that play enclosures then offer
the opening track). GUIDs and Atom ids are the release page's absolute URL, so they stay
the same across builds. Dates follow `syndication.release_date`.

A release's RSS item and Atom entry read only the release, its media, the artists and the
URLs, never its place in a feed: each is serialized once, kept in the memo by release, and
shared by the site feed and its artists' feeds (see `syndication.splice`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import partial
from html import escape

from tunecamp.generator.catalog import urls as u
from tunecamp.generator.catalog.model import Artist, Catalog, Release
from tunecamp.generator.catalog.urls import Urls
from tunecamp.generator.media.model import Media, Stream
from tunecamp.generator.output import Output
from tunecamp.generator.site import i18n
from tunecamp.generator.site.memo import Memo, fresh
from tunecamp.generator.site.podcast import render_podcast
from tunecamp.generator.site.syndication import (
    GENERATOR,
    NAMESPACES,
    RASTER,
    artwork,
    clean,
    feed_releases,
    feed_root,
    fragment,
    join_names,
    mark,
    release_date,
    rfc822,
    rfc3339,
    serialize,
    splice,
    sub,
)

RSS_ITEM_LEVEL = 2  # rss > channel > item
ATOM_ENTRY_LEVEL = 1  # feed > entry


@dataclass(frozen=True)
class Feed:
    """One feed's channel: what it is about and which releases it carries."""

    title: str
    description: str
    page: str  # site path of the HTML page the feed belongs to
    rss_path: str
    atom_path: str
    author: str
    releases: tuple[Release, ...]
    language: str = "en"  # the catalog's, or the artist's own (docs/translating.md)


def render_feeds(catalog: Catalog, media: Media, urls: Urls, memo: Memo | None = None) -> list[Output]:
    """Every feed of the site: site RSS and Atom, each listed artist's, the podcast, Media RSS."""
    memo = fresh(memo)  # one render shares each release's item between the site and artist feeds
    site = render_site_feeds(catalog, media, urls, memo)
    outputs = site[:2]
    for artist in catalog.listed_artists:
        outputs += render_artist_feeds(artist, catalog, media, urls, memo)
    outputs.append(site[2])
    outputs += (render_release_feed(r, catalog, media, urls) for r in catalog.public_releases)
    return outputs


def render_site_feeds(catalog: Catalog, media: Media, urls: Urls, memo: Memo | None = None) -> list[Output]:
    """feed.rss, feed.atom and podcast.rss: the newest listed releases (`feed_limit`)."""
    config = catalog.config
    memo = fresh(memo)
    feed = Feed(
        config.title,
        config.description or config.title,
        u.home(),
        u.site_feed("rss"),
        u.site_feed("atom"),
        config.title,
        tuple(feed_releases(catalog.listed_releases, config.feed_limit)),
        config.language,
    )
    return [
        *_rss_and_atom(feed, catalog, media, urls, memo),
        Output(u.podcast_feed(), render_podcast(catalog, media, urls, memo)),
    ]


def render_artist_feeds(
    artist: Artist, catalog: Catalog, media: Media, urls: Urls, memo: Memo | None = None
) -> list[Output]:
    """The artist's RSS and Atom feeds: their newest listed releases (`feed_limit`)."""
    feed = Feed(
        artist.name,
        artist.summary or artist.name,
        u.artist(artist),
        u.artist_feed(artist, "rss"),
        u.artist_feed(artist, "atom"),
        artist.name,
        tuple(feed_releases(catalog.releases_by(artist.slug), catalog.config.feed_limit)),
        artist.settings.language,
    )
    return _rss_and_atom(feed, catalog, media, urls, fresh(memo))


def render_release_feed(release: Release, catalog: Catalog, media: Media, urls: Urls) -> Output:
    """The release's Media RSS."""
    return Output(u.release_media_rss(release), media_rss(release, catalog, media, urls))


def _rss_and_atom(feed: Feed, catalog: Catalog, media: Media, urls: Urls, memo: Memo) -> list[Output]:
    return [
        Output(feed.rss_path, rss(feed, catalog, media, urls, memo)),
        Output(feed.atom_path, atom(feed, catalog, media, urls, memo)),
    ]


def artist_names(release: Release, catalog: Catalog) -> list[str]:
    by_slug = {a.slug: a for a in catalog.artists}
    return [by_slug[s].name if s in by_slug else s for s in release.artist_slugs]


def _artists(release: Release, catalog: Catalog) -> list[Artist]:
    by_slug = {a.slug: a for a in catalog.artists}
    return [by_slug[s] for s in release.artist_slugs if s in by_slug]


def first_stream(release: Release, media: Media) -> Stream | None:
    return next((s for t in release.tracks for s in media.track(t).streams[:1]), None)


def clock(seconds: float) -> str:
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def release_html(release: Release, names: list[str], media: Media, urls: Urls) -> str:
    """The item body: cover, notes and tracklist, every text escaped (notes are already safe HTML)."""
    cover = media.cover(release)
    image = artwork(cover)
    size = f' width="{image.width}" height="{image.height}"' if image.width and image.height else ""
    alt = cover.description or release.title
    parts = [
        f'<p><img src="{escape(urls.absolute(image.path))}" alt="{escape(alt)}"{size}></p>',
        f"<p>{escape(join_names(names))}</p>",
    ]
    if release.notes_html:
        parts.append(release.notes_html)
    rows = "".join(
        f'<li><a href="{escape(urls.absolute(u.track(release, t)))}">{escape(t.title)}</a>'
        f" ({clock(t.duration)})</li>"
        for t in release.tracks
    )
    parts.append(f"<ol>{rows}</ol>")
    return "\n".join(parts)


def _by_line(release: Release, names: str) -> str:
    """The Media RSS description a release without a summary gets, in the release's language."""
    with i18n.speaking(i18n.page_locale(release.settings.language)):
        return i18n.gettext("%(title)s by %(artists)s") % {"title": release.title, "artists": names}


def rss(feed: Feed, catalog: Catalog, media: Media, urls: Urls, memo: Memo | None = None) -> bytes:
    root = feed_root("rss", {"version": "2.0"})
    channel = sub(root, "channel")
    sub(channel, "title", feed.title)
    sub(channel, "link", urls.absolute(feed.page))
    sub(channel, "description", feed.description)
    sub(channel, "language", feed.language)
    sub(channel, "generator", GENERATOR)
    sub(channel, "atom:link", href=urls.absolute(feed.rss_path), rel="self", type="application/rss+xml")
    newest = release_date(feed.releases[0]) if feed.releases else None
    if newest:
        sub(channel, "lastBuildDate", rfc822(newest))
    if feed.releases and (image := artwork(media.cover(feed.releases[0]))).mime in RASTER:
        logo = sub(channel, "image")
        sub(logo, "url", urls.absolute(image.path))
        sub(logo, "title", feed.title)
        sub(logo, "link", urls.absolute(feed.page))
    mark(channel)
    memo = fresh(memo)
    items = [memo.get("rss-item", r, partial(rss_item, r, catalog, media, urls)) for r in feed.releases]
    return splice(root, items)


def rss_item(release: Release, catalog: Catalog, media: Media, urls: Urls) -> bytes:
    """The release's RSS <item>, serialized for its place in a channel."""
    link = urls.absolute(u.release(release))
    names = artist_names(release, catalog)
    item = ET.Element("item")
    sub(item, "title", release.title)
    sub(item, "link", link)
    sub(item, "guid", link, isPermaLink="true")
    if day := release_date(release):
        sub(item, "pubDate", rfc822(day))
    sub(item, "description", release.summary or f"{release.title} by {join_names(names)}")
    sub(item, "content:encoded", release_html(release, names, media, urls))
    for name in names:
        sub(item, "dc:creator", name)
    for genre in release.genres:
        sub(item, "category", genre)
    if stream := first_stream(release, media):
        sub(item, "enclosure", url=urls.absolute(stream.path), length=stream.size, type=stream.mime)
    image = artwork(media.cover(release))
    sub(item, "media:thumbnail", url=urls.absolute(image.path), width=image.width, height=image.height)
    return fragment([item], RSS_ITEM_LEVEL)


def atom(feed: Feed, catalog: Catalog, media: Media, urls: Urls, memo: Memo | None = None) -> bytes:
    # The Atom namespace is the default one, declared by hand: ElementTree cannot write a default
    # namespace together with the unprefixed attributes (href, rel) Atom uses.
    root = feed_root("feed", {"xmlns": NAMESPACES["atom"], "xml:lang": clean(feed.language)})
    self_url = urls.absolute(feed.atom_path)
    sub(root, "title", feed.title, type="text")
    sub(root, "subtitle", feed.description, type="text")
    sub(root, "id", self_url)
    sub(root, "updated", rfc3339(release_date(feed.releases[0]) if feed.releases else None))
    sub(root, "link", rel="self", type="application/atom+xml", href=self_url)
    sub(root, "link", rel="alternate", type="text/html", href=urls.absolute(feed.page))
    author = sub(root, "author")
    sub(author, "name", feed.author)
    sub(author, "uri", urls.absolute(feed.page))
    sub(root, "generator", GENERATOR)
    mark(root)
    memo = fresh(memo)
    entries = [memo.get("atom-entry", r, partial(atom_entry, r, catalog, media, urls)) for r in feed.releases]
    return splice(root, entries)


def atom_entry(release: Release, catalog: Catalog, media: Media, urls: Urls) -> bytes:
    """The release's Atom <entry>, serialized for its place in a feed."""
    link = urls.absolute(u.release(release))
    entry = ET.Element("entry")
    sub(entry, "title", release.title, type="text")
    sub(entry, "id", link)
    day = release_date(release)
    sub(entry, "updated", rfc3339(day))
    if day:
        sub(entry, "published", rfc3339(day))
    for artist in _artists(release, catalog):
        person = sub(entry, "author")
        sub(person, "name", artist.name)
        sub(person, "uri", urls.absolute(u.artist(artist)))
    sub(entry, "link", rel="alternate", type="text/html", href=link)
    if stream := first_stream(release, media):
        sub(
            entry,
            "link",
            rel="enclosure",
            type=stream.mime,
            length=stream.size,
            href=urls.absolute(stream.path),
        )
    for genre in release.genres:
        sub(entry, "category", term=genre)
    if release.summary:
        sub(entry, "summary", release.summary, type="text")
    sub(entry, "content", release_html(release, artist_names(release, catalog), media, urls), type="html")
    image = artwork(media.cover(release))
    sub(entry, "media:thumbnail", url=urls.absolute(image.path), width=image.width, height=image.height)
    return fragment([entry], ATOM_ENTRY_LEVEL)


def media_rss(release: Release, catalog: Catalog, media: Media, urls: Urls) -> bytes:
    """Every track of one release, with its streams: for players and aggregators that read Media RSS."""
    root = feed_root("rss", {"version": "2.0"})
    channel = sub(root, "channel")
    link = urls.absolute(u.release(release))
    cover = media.cover(release)
    image = artwork(cover)
    sub(channel, "title", release.title)
    sub(channel, "link", link)
    sub(
        channel,
        "description",
        release.summary or _by_line(release, join_names(artist_names(release, catalog))),
    )
    sub(channel, "language", release.settings.language)
    sub(channel, "generator", GENERATOR)
    sub(
        channel,
        "atom:link",
        href=urls.absolute(u.release_media_rss(release)),
        rel="self",
        type="application/rss+xml",
    )
    if day := release_date(release):
        sub(channel, "pubDate", rfc822(day))
    sub(channel, "media:thumbnail", url=urls.absolute(image.path), width=image.width, height=image.height)
    for track in release.tracks:
        tm = media.track(track)
        page = urls.absolute(u.track(release, track))
        item = sub(channel, "item")
        sub(item, "title", track.title)
        sub(item, "link", page)
        sub(item, "guid", page, isPermaLink="true")
        sub(item, "description", f"{track.title} by {join_names(track.artists)}")
        if tm.streams:
            first = tm.streams[0]
            sub(item, "enclosure", url=urls.absolute(first.path), length=first.size, type=first.mime)
        parent = sub(item, "media:group") if len(tm.streams) > 1 else item
        for i, stream in enumerate(tm.streams):
            sub(
                parent,
                "media:content",
                url=urls.absolute(stream.path),
                type=stream.mime,
                fileSize=stream.size,
                duration=round(tm.duration),
                medium="audio",
                isDefault="true" if i == 0 else None,
                bitrate=round(stream.bitrate / 1000) if stream.bitrate else None,
            )
        sub(item, "media:title", track.title, type="plain")
        sub(item, "media:thumbnail", url=urls.absolute(image.path), width=image.width, height=image.height)
        for name in track.artists:
            sub(item, "media:credit", name, role="performer", scheme="urn:ebu")
        for name in track.composers:
            sub(item, "media:credit", name, role="composer", scheme="urn:ebu")
        if track.settings.license:
            sub(item, "media:license", track.settings.license, type="text/plain")
    return serialize(root)
