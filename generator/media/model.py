"""What the site serves for each track and picture: the media stage's result.

Renderers (pages, feeds, playlists, catalog.json) read streams, downloads, peaks,
loudness and image variants from here and never from the source files, so the audio
stage can replace how they are made without touching a template.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from tunecamp.generator.catalog.model import Artist, Release, Track
from tunecamp.generator.output import Output

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class Stream:
    path: str  # site path
    mime: str
    size: int
    codec: str
    bitrate: int | None = None


@dataclass(frozen=True)
class Download:
    format: str  # flac, mp3-v0, ... or "zip:<format>" for a whole release
    path: str  # site path (public downloads only)
    mime: str
    size: int


@dataclass(frozen=True)
class Loudness:
    integrated_lufs: float
    true_peak_dbtp: float

    @property
    def gain_db(self) -> float:
        """ReplayGain 2.0 gain: the -18 LUFS reference."""
        return round(-18.0 - self.integrated_lufs, 2)

    @property
    def peak(self) -> float:
        """ReplayGain peak as a linear sample value."""
        return round(10 ** (self.true_peak_dbtp / 20), 6)


@dataclass(frozen=True)
class TrackMedia:
    duration: float
    streams: tuple[Stream, ...]  # best first; empty when nothing is web-playable
    downloads: tuple[Download, ...] = ()
    peaks: tuple[int, ...] = ()  # 0..255 per bucket
    loudness: Loudness | None = None
    # measured from the decoded audio by the media stage (None from plain_media)
    sample_rate: int | None = None
    channels: int | None = None
    bitrate: int | None = None  # the source's, bits per second
    bits_per_sample: int | None = None  # lossless sources only
    # codes/paid files: `path` is relative to the private store, served by the daemon after an unlock
    protected_downloads: tuple[Download, ...] = ()


@dataclass(frozen=True)
class ImageVariant:
    path: str
    width: int | None
    height: int | None
    mime: str


@dataclass(frozen=True)
class ImageSet:
    """A picture in every size the site offers, best fallback first."""

    variants: tuple[ImageVariant, ...]
    description: str | None = None
    original: ImageVariant | None = None  # for downloads and the largest view
    blurhash: str | None = None  # a placeholder for fediverse attachments; None for generated covers

    @property
    def default(self) -> ImageVariant:
        return self.variants[0]

    def srcset(self, mime: str) -> list[ImageVariant]:
        return [v for v in self.variants if v.mime == mime and v.width]


@dataclass(frozen=True)
class Media:
    tracks: dict[Path, TrackMedia] = field(default_factory=dict)
    covers: dict[str, ImageSet] = field(default_factory=dict)  # by release slug
    artist_images: dict[str, ImageSet] = field(default_factory=dict)  # by artist slug
    release_downloads: dict[str, tuple[Download, ...]] = field(default_factory=dict)
    release_loudness: dict[str, Loudness] = field(default_factory=dict)
    outputs: tuple[Output, ...] = ()
    # codes/paid zips by release slug; paths relative to the private store (never in public/)
    protected_release_downloads: dict[str, tuple[Download, ...]] = field(default_factory=dict)
    # the protected files themselves, paths relative to the private store's downloads/
    private_outputs: tuple[Output, ...] = ()
    # by track source: the excerpt a paid or code-locked track is federated with (media/previews.py)
    previews: dict[Path, Stream] = field(default_factory=dict)

    def track(self, t: Track) -> TrackMedia:
        return self.tracks[t.source]

    def cover(self, r: Release) -> ImageSet:
        return self.covers[r.slug]

    def preview(self, t: Track) -> Stream | None:
        return self.previews.get(t.source)

    def artist_image(self, a: Artist) -> ImageSet | None:
        return self.artist_images.get(a.slug)

    def replace_releases(self, old: Iterable[Release], part: Media) -> Media:
        """This media without what `old` releases had, plus `part` (the media of their new versions).

        The files are left out: an incremental rebuild keeps them by release, not in one tuple.
        """
        old = list(old)
        sources = {t.source for r in old for t in r.tracks}
        slugs = {r.slug for r in old}

        def keep(table: dict[K, V], gone: set[K], new: dict[K, V]) -> dict[K, V]:
            kept = dict(table)  # a copy and a few deletions: far cheaper than filtering every entry
            for key in gone:
                kept.pop(key, None)
            kept.update(new)
            return kept

        return Media(
            keep(self.tracks, sources, part.tracks),
            keep(self.covers, slugs, part.covers),
            self.artist_images,
            keep(self.release_downloads, slugs, part.release_downloads),
            keep(self.release_loudness, slugs, part.release_loudness),
            (),
            keep(self.protected_release_downloads, slugs, part.protected_release_downloads),
            (),
            keep(self.previews, sources, part.previews),
        )
