"""What the media stage makes for each track and release, and who may see it.

Pure functions from the catalog to a plan: stream formats from the `streaming` preset,
download files and zips from `download` and `download_formats`, public or private from
the download policy, and the cache keys of every product. The media stage runs the plan;
`tunecamp cache gc` reads the same keys to know what to keep.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tunecamp.generator.catalog.model import Catalog, Release, Track
from tunecamp.generator.media.analysis import ANALYSIS_VERSION, PEAK_BUCKETS, PIPE_RATE
from tunecamp.generator.media.cache import key
from tunecamp.generator.media.formats import (
    ENCODER_VERSION,
    Format,
    can_pass_through,
    download_format,
    stream_formats,
)
from tunecamp.generator.media.tagwrite import TagData

Visibility = Literal["public", "private"]
PUBLIC_POLICIES = frozenset({"free", "name-your-price"})  # files in public/
PROTECTED_POLICIES = frozenset({"codes", "paid"})  # files in the private store, served after an unlock
TAG_VERSION = 1


def visibility(policy: str) -> Visibility | None:
    """Where a policy's files go; None when there are no files (external, none)."""
    if policy in PUBLIC_POLICIES:
        return "public"
    if policy in PROTECTED_POLICIES:
        return "private"
    return None


@dataclass(frozen=True)
class Product:
    """One tagged audio file made from a track's source."""

    format: Format
    passthrough: bool = False  # the original file, retagged, instead of an encode


@dataclass(frozen=True)
class TrackPlan:
    release: Release
    track: Track
    tags: TagData
    streams: tuple[Product, ...]  # best first, always public
    downloads: tuple[Product, ...]  # per-track download files
    download_visibility: Visibility | None
    zip_formats: tuple[Format, ...]  # zips this track is a member of

    @property
    def products(self) -> tuple[Product, ...]:
        """Every distinct file to make, streams first."""
        extra = tuple(Product(f) for f in self.zip_formats)
        return tuple(dict.fromkeys((*self.streams, *self.downloads, *extra)))


@dataclass(frozen=True)
class ReleasePlan:
    release: Release
    tracks: tuple[TrackPlan, ...]
    zip_visibility: Visibility | None
    zip_formats: tuple[Format, ...]

    def zip_members(self) -> tuple[TrackPlan, ...]:
        return tuple(tp for tp in self.tracks if tp.zip_formats)


def plan_catalog(catalog: Catalog) -> list[ReleasePlan]:
    return [plan_release(catalog, release) for release in catalog.public_releases]


def plan_release(catalog: Catalog, release: Release) -> ReleasePlan:
    names = {a.slug: a.name for a in catalog.artists}
    album_artists = tuple(names.get(slug, slug) for slug in release.artist_slugs)
    zip_vis = visibility(release.settings.download)
    zip_formats = tuple(download_format(f) for f in release.settings.download_formats) if zip_vis else ()
    discs = max((t.disc for t in release.tracks), default=1)
    plans = []
    for track in release.tracks:
        date = track.date or release.date
        track_vis = visibility(track.settings.download)
        # a protected track never goes into a public zip; a private zip holds every downloadable track
        in_zip = track_vis is not None and (zip_vis == "private" or track_vis == zip_vis)
        tags = TagData(
            title=track.title,
            artists=track.artists,
            album=release.title,
            album_artists=album_artists,
            number=track.number,
            total=sum(1 for t in release.tracks if t.disc == track.disc),
            disc=track.disc,
            discs=discs,
            date=date.isoformat() if date else None,
            license=track.settings.license,
        )
        plans.append(
            TrackPlan(
                release=release,
                track=track,
                tags=tags,
                streams=_streams(track),
                downloads=tuple(Product(download_format(f)) for f in track.settings.download_formats)
                if track_vis
                else (),
                download_visibility=track_vis,
                zip_formats=zip_formats if in_zip else (),
            )
        )
    return ReleasePlan(
        release, tuple(plans), zip_vis if any(p.zip_formats for p in plans) else None, zip_formats
    )


def _streams(track: Track) -> tuple[Product, ...]:
    audio = track.audio
    return tuple(
        Product(fmt, can_pass_through(fmt, track.source.suffix, audio.codec, audio.bitrate))
        for fmt in stream_formats(track.settings.streaming)
    )


# -- cache keys ----------------------------------------------------------------------------------


def analysis_key(source_hash: str) -> str:
    return key("analysis", ANALYSIS_VERSION, PEAK_BUCKETS, PIPE_RATE, source_hash)


def encode_key(source_hash: str, product: Product, bits_per_sample: int | None) -> str:
    """The untagged encode (or, for a passthrough, the original itself: no object)."""
    if product.passthrough:
        return key("passthrough", source_hash)
    fmt = product.format
    return key("encode", ENCODER_VERSION, source_hash, fmt.name, fmt.muxer, fmt.encode_args(bits_per_sample))


def tagged_key(base_key: str, tags: TagData, cover_key: str | None) -> str:
    return key("tagged", TAG_VERSION, base_key, tags.cache_part(), cover_key)


def product_keys(tp: TrackPlan, source_hash: str, cover_key: str | None) -> dict[Product, tuple[str, str]]:
    """Each product's (encode key, tagged key)."""
    keys = {}
    for product in tp.products:
        base = encode_key(source_hash, product, tp.track.audio.bits_per_sample)
        keys[product] = (base, tagged_key(base, tp.tags, cover_key))
    return keys
