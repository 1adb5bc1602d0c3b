"""The podcast feed: every listed track as an episode, for podcast apps and directories.

An episode's enclosure is the track's first stream, with its exact byte size and MIME
type from `Media`; a track with nothing web-playable is left out. Tracks of a release
share its date, so each gets one more minute than the one before it: apps that sort by
date then keep the album's order. `podcast:guid` is the UUIDv5 the podcast namespace
derives from the feed URL (scheme and trailing slashes stripped), so it is stable as long
as `base_url` is; it is meant to be set once and kept if the feed ever moves.

A release's episodes read only the release, its media and the URLs (the minutes count
within the release), so they are serialized once and kept in the memo by release.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from functools import partial

from tunecamp.generator.catalog import urls as u
from tunecamp.generator.catalog.model import Catalog, Release, Track
from tunecamp.generator.catalog.urls import Urls
from tunecamp.generator.media.model import Media, Stream
from tunecamp.generator.problems import Problems
from tunecamp.generator.site.memo import Memo, fresh
from tunecamp.generator.site.syndication import (
    GENERATOR,
    RASTER,
    artwork,
    feed_releases,
    feed_root,
    fragment,
    join_names,
    mark,
    release_date,
    rfc822,
    splice,
    sub,
)

PODCAST_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
# Podcast Taxonomy Project roles (https://podcasttaxonomy.com), the nearest to a music credit.
PERFORMER = {"group": "audio post-production", "role": "music contributor"}
COMPOSER = {"group": "audio post-production", "role": "composer"}
EPISODE_LEVEL = 2  # rss > channel > item
# Apple Podcasts plays MP3 and AAC enclosures only; Opus goes in podcast:alternateEnclosure.
ENCLOSURE_CODECS = ("mp3", "aac", "alac", "flac", "vorbis", "opus", "pcm")
ARTWORK_MIN, ARTWORK_MAX = 1400, 3000  # Apple Podcasts: square JPEG or PNG artwork, in pixels


def podcast_guid(feed_url: str) -> str:
    """The podcast namespace's GUID for a feed URL."""
    bare = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", feed_url).rstrip("/")
    return str(uuid.uuid5(PODCAST_NAMESPACE, bare))


def _bool(value: bool) -> str:
    return "true" if value else "false"


def render_podcast(catalog: Catalog, media: Media, urls: Urls, memo: Memo | None = None) -> bytes:
    config, info = catalog.config, catalog.config.podcast
    releases = feed_releases(catalog.listed_releases, config.feed_limit)
    feed_url = urls.absolute(u.podcast_feed())
    home = urls.absolute(u.home())

    root = feed_root("rss", {"version": "2.0"})
    channel = sub(root, "channel")
    sub(channel, "title", config.title)
    sub(channel, "link", home)
    sub(channel, "description", config.description or config.title)
    sub(channel, "language", config.language)
    sub(channel, "generator", GENERATOR)
    if config.settings.license:
        sub(channel, "copyright", config.settings.license)
    sub(channel, "atom:link", href=feed_url, rel="self", type="application/rss+xml")
    newest = release_date(releases[0]) if releases else None
    if newest:
        sub(channel, "lastBuildDate", rfc822(newest))
    if releases:
        image = artwork(media.cover(releases[0]))
        if image.mime in RASTER:
            logo = sub(channel, "image")
            sub(logo, "url", urls.absolute(image.path))
            sub(logo, "title", config.title)
            sub(logo, "link", home)
        sub(channel, "itunes:image", href=urls.absolute(image.path))
    sub(channel, "itunes:author", config.title)
    _category(channel, info.category)
    sub(channel, "itunes:explicit", _bool(info.explicit))
    sub(channel, "itunes:type", "episodic")
    if info.owner_name or info.owner_email:
        owner = sub(channel, "itunes:owner")
        if info.owner_name:
            sub(owner, "itunes:name", info.owner_name)
        if info.owner_email:
            sub(owner, "itunes:email", info.owner_email)
    sub(channel, "podcast:locked", "yes", owner=info.owner_email)
    sub(channel, "podcast:guid", podcast_guid(feed_url))
    sub(channel, "podcast:medium", "music")
    if config.settings.license:
        sub(channel, "podcast:license", config.settings.license)
    for artist in catalog.listed_artists:
        picture = media.artist_image(artist)
        sub(
            channel,
            "podcast:person",
            artist.name,
            **PERFORMER,
            href=urls.absolute(u.artist(artist)),
            img=urls.absolute(picture.default.path) if picture else None,
        )
    mark(channel)
    memo = fresh(memo)
    return splice(
        root, [memo.get("podcast-episodes", r, partial(episodes, r, media, urls)) for r in releases]
    )


def _category(channel: ET.Element, category: str) -> None:
    """'Music' or 'Music/Music History' (a subcategory nests inside its parent)."""
    parent = channel
    for name in [part.strip() for part in category.split("/") if part.strip()][:2] or ["Music"]:
        parent = sub(parent, "itunes:category", text=name)


def episodes(release: Release, media: Media, urls: Urls) -> bytes:
    """The release's playable tracks as <item>s, serialized for their place in the channel."""
    playable = [t for t in release.tracks if media.track(t).streams]
    return fragment(
        (_episode(release, track, minute, media, urls) for minute, track in enumerate(playable)),
        EPISODE_LEVEL,
    )


def enclosures(streams: tuple[Stream, ...]) -> tuple[Stream, tuple[Stream, ...]]:
    """The enclosure every podcast app plays (MP3, else AAC, else what there is) and the others,
    offered as `podcast:alternateEnclosure` (Opus: smaller, for the apps that take it)."""
    ranked = sorted(
        streams, key=lambda s: ENCLOSURE_CODECS.index(s.codec) if s.codec in ENCLOSURE_CODECS else 9
    )
    return ranked[0], tuple(ranked[1:])


def _episode(release: Release, track: Track, minute: int, media: Media, urls: Urls) -> ET.Element:
    tm = media.track(track)
    stream, others = enclosures(tm.streams)
    page = urls.absolute(u.track(release, track))
    item = ET.Element("item")
    sub(item, "title", track.title)
    sub(item, "link", page)
    sub(item, "guid", page, isPermaLink="true")
    sub(item, "description", f"{track.title} by {join_names(track.artists)}, from {release.title}")
    if day := release_date(release):
        sub(item, "pubDate", rfc822(day, minutes=minute))
    sub(item, "enclosure", url=urls.absolute(stream.path), length=stream.size, type=stream.mime)
    for alt in others:
        alternate = sub(
            item, "podcast:alternateEnclosure", type=alt.mime, length=alt.size, bitrate=alt.bitrate or None
        )
        sub(alternate, "podcast:source", uri=urls.absolute(alt.path))
    sub(item, "itunes:author", join_names(track.artists))
    sub(item, "itunes:image", href=urls.absolute(artwork(media.cover(release)).path))
    sub(item, "itunes:duration", str(round(tm.duration)))
    sub(item, "itunes:explicit", _bool(track.settings.explicit))
    sub(item, "itunes:episodeType", "full")
    if track.settings.license:
        sub(item, "podcast:license", track.settings.license)
    # Item-level people replace the channel's, so every credit of the track is restated here.
    for name in track.artists:
        sub(item, "podcast:person", name, **PERFORMER)
    for name in track.composers:
        sub(item, "podcast:person", name, **COMPOSER)
    return item


def check_podcast_artwork(catalog: Catalog, media: Media, problems: Problems) -> None:
    """A warning per release whose cover is too small (or not square) for podcast directories, when
    the catalog names a podcast owner (the sign it is meant for Apple Podcasts and the others)."""
    if not catalog.config.podcast.owner_email:
        return
    for release in feed_releases(catalog.listed_releases, catalog.config.feed_limit):
        image = artwork(media.cover(release))
        w, h = image.width, image.height
        if not (w and h) or (image.mime in RASTER and w == h and ARTWORK_MIN <= w <= ARTWORK_MAX):
            continue  # sized (or of unknown size: a --no-transcode preview measures no picture)
        size = f"{w}x{h} px"
        problems.warning(
            release.cover.source if release.cover and not release.cover.embedded_in else release.source_dir,
            f"the podcast artwork of release {release.slug!r} is {size}: Apple Podcasts and other "
            f"directories need a square JPEG or PNG of {ARTWORK_MIN} to {ARTWORK_MAX} px; use a larger cover",
            key="cover",
        )
