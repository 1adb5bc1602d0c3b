"""From what the jobs made to `Media`: each file's site path, and whether it is public.

Free and name-your-price files become `Media.outputs` (linked into public/ by the site
writer); codes and paid files go to the private store only, for the daemon to serve.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from tunecamp.generator.catalog import urls
from tunecamp.generator.catalog.model import Catalog
from tunecamp.generator.media.cache import AudioCache
from tunecamp.generator.media.cover import generated_cover
from tunecamp.generator.media.images import Picture, cover_blurhash
from tunecamp.generator.media.model import Download, ImageSet, Loudness, Media, Stream, TrackMedia
from tunecamp.generator.media.plan import ReleasePlan, TrackPlan
from tunecamp.generator.media.previews import Cut
from tunecamp.generator.media.tracks import TrackResult
from tunecamp.generator.output import Output
from tunecamp.generator.problems import Problems


@dataclass(frozen=True)
class Made:
    """What the jobs of one media stage made, or found in the cache."""

    results: dict[Path, TrackResult]  # by source
    covers: dict[str, Picture | None]  # by release slug
    artist_pictures: dict[str, Picture | None]  # by artist slug
    zips: dict[tuple[str, str], Path]  # (release slug, format) -> the zip in the cache
    previews: dict[Path, tuple[Path, Cut]] = field(default_factory=dict)  # by source: file in the cache


def album_loudness(tracks: Iterable[tuple[float, Loudness]]) -> Loudness | None:
    """Release loudness: the duration-weighted energy mean of the tracks' (an approximation of
    measuring the whole release in one pass: gating is per track), and the highest true peak."""
    items = [(d, lo) for d, lo in tracks if d > 0]
    if not items:
        return None
    energy = sum(d * 10 ** (lo.integrated_lufs / 10) for d, lo in items) / sum(d for d, _ in items)
    return Loudness(round(10 * math.log10(energy), 2), max(lo.true_peak_dbtp for _, lo in items))


def assemble(
    catalog: Catalog, plans: list[ReleasePlan], made: Made, cache: AudioCache, problems: Problems
) -> tuple[Media, list[Output]]:
    """The media of `catalog`, and its protected files (paths relative to the private store's downloads/)."""
    files = _Files(problems)
    tracks: dict[Path, TrackMedia] = {}
    release_downloads: dict[str, tuple[Download, ...]] = {}
    protected_zips: dict[str, tuple[Download, ...]] = {}
    release_loudness: dict[str, Loudness] = {}
    previews: dict[Path, Stream] = {}
    for rp in plans:
        r = rp.release
        for tp in rp.tracks:
            tracks[tp.track.source] = files.track_media(tp, made.results[tp.track.source])
            if tp.track.source in made.previews:
                file, c = made.previews[tp.track.source]
                path = urls.track_preview(r, tp.track)
                size = file.stat().st_size
                previews[tp.track.source] = Stream(
                    path, "audio/mpeg", size, "mp3", round(size * 8 / c.length)
                )
                files.public.append(Output(path, source=file, owned=True))
        for visible, slot in (("public", release_downloads), ("private", protected_zips)):
            if rp.zip_visibility == visible:
                slot[r.slug] = tuple(
                    files.place(
                        urls.release_zip(r, fmt.name),
                        (f"zip:{fmt.name}", "application/zip"),
                        made.zips[(r.slug, fmt.name)],
                        visible == "public",
                    )
                    for fmt in rp.zip_formats
                    if (r.slug, fmt.name) in made.zips
                )
        measured = ((tracks[t.source].duration, tracks[t.source].loudness) for t in r.tracks)
        loudest = album_loudness((d, lo) for d, lo in measured if lo)
        if loudest:
            release_loudness[r.slug] = loudest

    cover_sets: dict[str, ImageSet] = {}
    for release in catalog.public_releases:
        pic = made.covers.get(release.slug)
        description = release.cover.description if release.cover else None
        if pic is None:
            cover_sets[release.slug], svg = generated_cover(release)
            files.public.append(svg)
            continue
        image, outs = pic.image_set(cache, partial(urls.release_cover, release), description)
        cover_sets[release.slug] = replace(image, blurhash=cover_blurhash(pic, cache, problems))
        files.public.extend(outs)
    artist_sets: dict[str, ImageSet] = {}
    for artist in catalog.artists:
        pic = made.artist_pictures.get(artist.slug)
        if pic is not None and artist.image is not None:
            image, outs = pic.image_set(cache, partial(urls.artist_picture, artist), artist.image.description)
            artist_sets[artist.slug] = image
            files.public.extend(outs)
    media = Media(
        tracks=tracks,
        covers=cover_sets,
        artist_images=artist_sets,
        release_downloads=release_downloads,
        release_loudness=release_loudness,
        outputs=tuple(files.public),
        protected_release_downloads=protected_zips,
        private_outputs=tuple(files.private),
        previews=previews,
    )
    return media, files.private


@dataclass
class _Files:
    """The files of the site and of the private store, as the media are assembled."""

    problems: Problems
    public: list[Output] = field(default_factory=list)
    private: list[Output] = field(default_factory=list)  # paths relative to private_dir/downloads

    def place(self, path: str, kind: tuple[str, str], file: Path, public: bool) -> Download:
        """`file` (of the cache) as the download `path`; `kind`: its format and MIME type."""
        download = Download(kind[0], path, kind[1], file.stat().st_size)
        if public:
            self.public.append(Output(path, source=file, owned=True))  # files of the cache, never masters
        else:
            self.private.append(Output(path.removeprefix("downloads/"), source=file, owned=True))
        return download

    def track_media(self, tp: TrackPlan, res: TrackResult) -> TrackMedia:
        r, t, a = tp.release, tp.track, res.analysis
        if res.error or a is None:
            return TrackMedia(t.duration, ())
        streams = []
        stream_keys = set()
        for p in tp.streams:
            tagged, file = res.files[p]
            path = urls.track_stream(r, t, p.format.ext)
            size = file.stat().st_size
            streams.append(Stream(path, p.format.mime, size, p.format.codec, round(size * 8 / a.duration)))
            self.public.append(Output(path, source=file, owned=True))
            stream_keys.add(tagged)
        downloads: list[Download] = []
        protected: list[Download] = []
        is_public = tp.download_visibility == "public"
        for p in tp.downloads:
            tagged, file = res.files[p]
            path = urls.track_download(r, t, p.format.name, p.format.ext)
            (downloads if is_public else protected).append(
                self.place(path, (p.format.name, p.format.mime), file, is_public)
            )
            if not is_public and tagged in stream_keys:
                self.problems.warning(
                    t.source,
                    f"the {p.format.label} download is the same file as the public stream "
                    f"(streaming: {t.settings.streaming}), so it is not really protected",
                )
        return TrackMedia(
            duration=a.duration,
            streams=tuple(streams),
            downloads=tuple(downloads),
            peaks=a.peaks,
            loudness=a.loudness,
            sample_rate=a.sample_rate,
            channels=a.channels,
            bitrate=a.bitrate,
            bits_per_sample=a.bits_per_sample,
            protected_downloads=tuple(protected),
        )
