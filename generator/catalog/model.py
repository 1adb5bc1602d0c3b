"""The catalog model: what the scanner reads from content/ and every stage renders from.

Everything is a frozen dataclass, so a stage can be handed the catalog without being
able to change what the next stage sees.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tunecamp.generator.catalog.federation import FederationConfig
from tunecamp.generator.catalog.settings import Settings

Status = Literal["draft", "published", "unlisted"]
STATUSES: tuple[Status, ...] = ("draft", "published", "unlisted")


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Image:
    """A cover or artist picture: a file in content/, or a picture embedded in a track."""

    source: Path
    description: str | None = None
    embedded_in: Path | None = None  # the audio file carrying it, when embedded


@dataclass(frozen=True)
class AudioInfo:
    """What the file is, as mutagen reads it (the media stage measures the rest)."""

    format: str  # mp3, flac, ogg, opus, m4a, wav, aiff
    codec: str  # mp3, flac, vorbis, opus, aac, alac, pcm
    mime: str
    size: int
    duration: float
    bitrate: int | None = None  # bits per second
    sample_rate: int | None = None
    channels: int | None = None
    bits_per_sample: int | None = None
    web_playable: bool = True


@dataclass(frozen=True)
class LyricWord:
    """A word or syllable of a synced line, from enhanced LRC or TTML."""

    start: float  # seconds
    text: str
    end: float | None = None  # TTML gives ends; enhanced LRC only starts


@dataclass(frozen=True)
class LyricLine:
    start: float  # seconds
    text: str
    words: tuple[LyricWord, ...] = field(default=(), compare=False)  # word timings, when the artist gave them
    end: float | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Lyrics:
    text: str
    synced: tuple[LyricLine, ...] = ()


@dataclass(frozen=True)
class Track:
    slug: str
    source: Path
    title: str
    artists: tuple[str, ...]
    number: int
    disc: int
    audio: AudioInfo
    settings: Settings
    date: dt.date | None = None
    genres: tuple[str, ...] = ()
    lyrics: Lyrics | None = None
    composers: tuple[str, ...] = ()
    credits: str | None = None
    isrc: str | None = None
    musicbrainz: dict[str, str] = field(default_factory=dict, hash=False)
    has_embedded_cover: bool = False
    # from the tags, for the Subsonic API (its pages do not show them)
    bpm: int | None = None
    moods: tuple[str, ...] = ()
    release_types: tuple[str, ...] = ()
    original_date: str | None = None
    disc_title: str | None = None  # release.yaml `discs`, else the DISCSUBTITLE tag

    @property
    def duration(self) -> float:
        return self.audio.duration


@dataclass(frozen=True)
class Artist:
    slug: str
    name: str
    settings: Settings
    bio_html: str = ""
    summary: str = ""
    image: Image | None = None
    links: tuple[Link, ...] = ()
    location: str | None = None
    source_dir: Path | None = None  # None for an artist known only from tags
    manually_approves_followers: bool | None = None  # artist.yaml's federation override; None: the catalog's
    moved_to: str | None = None  # the fediverse account the artist moved to (its actor URL): `movedTo`
    also_known_as: tuple[str, ...] = ()  # accounts the artist moved from: `alsoKnownAs`


@dataclass(frozen=True)
class Release:
    slug: str
    title: str
    artist_slugs: tuple[str, ...]
    status: Status
    tracks: tuple[Track, ...]
    settings: Settings
    source_dir: Path
    date: dt.date | None = None
    cover: Image | None = None
    notes_html: str = ""
    summary: str = ""
    credits_html: str = ""
    genres: tuple[str, ...] = ()
    catalog_number: str | None = None
    label: str | None = None
    extras: tuple[Path, ...] = ()
    metadata_file: Path | None = None
    credited: tuple[str, ...] = ()  # the artist names as written (release.yaml or tags)

    @property
    def duration(self) -> float:
        return sum(t.duration for t in self.tracks)

    @property
    def is_public(self) -> bool:
        """Built into the site (published or unlisted)."""
        return self.status != "draft"

    @property
    def is_listed(self) -> bool:
        """Shown in listings, feeds, the sitemap and catalog.json."""
        return self.status == "published"


@dataclass(frozen=True)
class PodcastInfo:
    category: str = "Music"
    explicit: bool = False
    owner_name: str | None = None
    owner_email: str | None = None


@dataclass(frozen=True)
class CatalogConfig:
    title: str
    base_url: str  # absolute, no trailing slash
    language: str = "en"
    theme: str = "default"
    label_mode: bool = False
    description: str = ""
    description_html: str = ""
    settings: Settings = field(default_factory=Settings)
    allow_html: bool = False  # raw HTML in Markdown: off unless the catalog opts in
    podcast: PodcastInfo = field(default_factory=PodcastInfo)
    feed_limit: int = 50  # releases per feed, newest first; 0 for all
    source_file: Path | None = None
    # The daemon's public origin, no trailing slash (codes, payments, inboxes); None: a static-only site
    daemon_url: str | None = None
    federation: FederationConfig = field(default_factory=FederationConfig)


@dataclass(frozen=True)
class Catalog:
    config: CatalogConfig
    content_dir: Path
    artists: tuple[Artist, ...]
    releases: tuple[Release, ...]  # every release, drafts included, newest first

    def artist(self, slug: str) -> Artist:
        return next(a for a in self.artists if a.slug == slug)

    @property
    def public_releases(self) -> tuple[Release, ...]:
        return tuple(r for r in self.releases if r.is_public)

    @property
    def listed_releases(self) -> tuple[Release, ...]:
        return tuple(r for r in self.releases if r.is_listed)

    def releases_by(self, artist_slug: str, *, listed_only: bool = True) -> tuple[Release, ...]:
        pool = self.listed_releases if listed_only else self.public_releases
        return tuple(r for r in pool if artist_slug in r.artist_slugs)

    @property
    def listed_artists(self) -> tuple[Artist, ...]:
        """Artists with at least one listed release."""
        slugs = {s for r in self.listed_releases for s in r.artist_slugs}
        return tuple(a for a in self.artists if a.slug in slugs)
