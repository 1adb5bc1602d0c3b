"""What the media stage makes for each track and release, and who may see it.

Pure functions from the catalog to a plan: stream formats from the `streaming` preset,
download files and zips from `download` and `download_formats`, public or private from
the download policy, and the cache keys of every product. The media stage runs the plan;
`tunecamp cache gc` reads the same keys to know what to keep.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from tunecamp.generator.catalog.dates import written
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
from tunecamp.generator.problems import Problems

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
    zip_formats = offered_formats(release.settings.download_formats, release.tracks) if zip_vis else ()
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
            date=written(date) if date else None,
            license=track.settings.license,
        )
        plans.append(
            TrackPlan(
                release=release,
                track=track,
                tags=tags,
                streams=_streams(track),
                downloads=tuple(
                    Product(f) for f in offered_formats(track.settings.download_formats, (track,))
                )
                if track_vis
                else (),
                download_visibility=track_vis,
                zip_formats=zip_formats if in_zip else (),
            )
        )
    return ReleasePlan(
        release, tuple(plans), zip_vis if any(p.zip_formats for p in plans) else None, zip_formats
    )


LOSSLESS_CODECS = frozenset({"flac", "alac", "pcm"})
# offered instead when a release asks only for lossless formats and has a lossy master
LOSSY_STAND_IN = "mp3-v0"


def offered_formats(names: tuple[str, ...], tracks: tuple[Track, ...]) -> tuple[Format, ...]:
    """The download formats asked for, without the lossless ones when a master is lossy: a FLAC
    made from an MP3 is bigger and no better (check_download_formats warns)."""
    formats = tuple(download_format(n) for n in names)
    if all(t.audio.codec in LOSSLESS_CODECS for t in tracks):
        return formats
    kept = tuple(f for f in formats if not f.lossless)
    return kept or ((download_format(LOSSY_STAND_IN),) if formats else ())


def check_download_formats(releases: Iterable[Release], problems: Problems) -> None:
    """A warning naming each release that asks for lossless downloads of lossy masters."""
    for release in releases:
        wanted = {n for t in release.tracks for n in t.settings.download_formats} | set(
            release.settings.download_formats
        )
        lossless = sorted(n for n in wanted if download_format(n).lossless)
        lossy = sorted({t.source.name for t in release.tracks if t.audio.codec not in LOSSLESS_CODECS})
        if lossless and lossy:
            some = ", ".join(lossy[:3]) + (" ..." if len(lossy) > 3 else "")
            problems.warning(
                release.metadata_file or release.source_dir,
                f"release {release.slug!r} asks for {', '.join(lossless)} downloads, but {some} "
                f"{'is' if len(lossy) == 1 else 'are'} lossy (MP3, Ogg, Opus, AAC): lossless formats "
                "are offered only from lossless masters (FLAC, ALAC, WAV, AIFF)",
                key="download_formats",
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
