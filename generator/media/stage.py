"""The media stage: transcodes, downloads, zips, waveforms, loudness and pictures.

    pictures → plan → one ffmpeg per source, `jobs` at a time → tags → zips → Media

Everything goes through the content-addressed cache, so an unchanged catalog costs a few
stats and small reads. Free and name-your-price files become `Media.outputs` (linked
into public/ by the site writer); codes and paid files go to the private store only.
The workers are ffmpeg processes; the threads that drive them only wait on pipes.
"""

from __future__ import annotations

import math
import os
import shutil
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

from mutagen import MutagenError

from tunecamp.generator.catalog import urls
from tunecamp.generator.catalog.model import Catalog, Image
from tunecamp.generator.media.archives import Member, release_extras, write_zip, zip_key, zip_plan
from tunecamp.generator.media.cache import AudioCache, Interrupted
from tunecamp.generator.media.ffmpeg import ffmpeg_path
from tunecamp.generator.media.images import ImageError, Picture, load_picture
from tunecamp.generator.media.model import (
    Download,
    ImageSet,
    Loudness,
    Media,
    Stream,
    TrackMedia,
    generated_cover,
)
from tunecamp.generator.media.plan import (
    Product,
    ReleasePlan,
    TrackPlan,
    analysis_key,
    plan_catalog,
    product_keys,
)
from tunecamp.generator.media.progress import BarProgress, Progress
from tunecamp.generator.media.tagwrite import Cover, write_tags
from tunecamp.generator.media.transcode import Analysis, Encode, FFmpegRunner, MediaError, transcode
from tunecamp.generator.output import Output, write_site
from tunecamp.generator.problems import Problems

A = TypeVar("A")
B = TypeVar("B")
Mapper = Callable[[Callable[[A], B], Iterable[A]], Iterable[B]]


@dataclass(frozen=True)
class MediaOptions:
    cache_dir: Path  # the build cache; media objects live in cache_dir/media
    private_dir: Path  # outside public/: codes and paid downloads, for the daemon to serve
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    verbose: bool = False
    max_duration: float = 4 * 3600.0  # seconds; a longer source, or a header claiming so, is refused
    ffmpeg: str | None = None  # the binary; default ffmpeg_path()
    verify: bool = False  # check the hash of each cached file used, not only its size (--clean)


@dataclass
class TrackResult:
    plan: TrackPlan
    analysis: Analysis | None = None
    files: dict[Product, tuple[str, Path]] = field(default_factory=dict)  # tagged key, file in the cache
    error: str | None = None
    made: str = ""  # what this run had to make (verbose lines)

    @property
    def status(self) -> str:
        return "failed" if self.error else "made" if self.made else "cached"


def process_media(catalog: Catalog, options: MediaOptions, progress: Progress | None = None,
                  write_private: bool = True) -> tuple[Media, Problems]:  # fmt: skip
    """Every stream, download, zip, analysis and picture, made or found in the cache.
    `write_private=False`: the caller writes `Media.private_outputs` (an incremental rebuild)."""
    problems = Problems()
    progress = progress or BarProgress(options.verbose)
    cache = AudioCache(options.cache_dir / "media", verify=options.verify)
    jobs = max(1, options.jobs)
    runner = FFmpegRunner(options.ffmpeg or ffmpeg_path(), slots=jobs)
    # more threads than ffmpeg slots: tagging, copying and zipping overlap the encodes
    pool = ThreadPoolExecutor(max_workers=jobs + 2, thread_name_prefix="media")
    try:
        covers, artist_pics = catalog_pictures(catalog, cache, pool.map, problems, render=True)
        plans = plan_catalog(catalog)
        results = _audio(plans, covers, cache, runner, pool, options, progress, problems)
        zips = _zips(plans, results, covers, cache, pool, runner)
        media, private = _assemble(catalog, plans, results, covers, artist_pics, zips, cache, problems)
        for damage in cache.damaged:
            problems.warning(damage.source or damage.path, f"its cached {damage.path.name.split('.', 1)[1]} "
                             f"({damage.path}) was damaged: {damage.reason}; it was made again")  # fmt: skip
        if write_private and (private or (options.private_dir / "downloads").exists()):
            write_site(private, options.private_dir / "downloads")
        return media, problems
    except BaseException:
        runner.stop()  # Ctrl-C: kill every ffmpeg now; the jobs see it and commit nothing
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        progress.stop()
        cache.close()


# -- pictures ------------------------------------------------------------------------------------


def catalog_pictures(catalog: Catalog, cache: AudioCache, mapper: Mapper[Image | None, Picture | None],
                     problems: Problems, render: bool) -> tuple[dict[str, Picture | None], dict[str, Picture | None]]:  # fmt: skip
    def load(image: Image | None) -> Picture | None:
        if image is None:
            return None
        try:
            return load_picture(image, cache, render)
        except (ImageError, OSError) as exc:
            if render:
                problems.error(image.embedded_in or image.source, f"{exc}; picture not used")
            return None

    releases, artists = catalog.public_releases, catalog.artists
    covers = list(mapper(load, [r.cover for r in releases]))
    pictures = list(mapper(load, [a.image for a in artists]))
    return ({r.slug: c for r, c in zip(releases, covers, strict=True)},
            {a.slug: p for a, p in zip(artists, pictures, strict=True)})  # fmt: skip


# -- audio ---------------------------------------------------------------------------------------


def _audio(plans: list[ReleasePlan], covers: dict[str, Picture | None], cache: AudioCache, runner: FFmpegRunner,
           pool: ThreadPoolExecutor, options: MediaOptions, progress: Progress,
           problems: Problems) -> dict[Path, TrackResult]:  # fmt: skip
    # longest first: the last job to start is a short one, so the cores finish together
    todo = sorted((tp for rp in plans for tp in rp.tracks), key=lambda tp: -tp.track.duration)
    seconds = {tp.track.source: min(tp.track.duration, options.max_duration) for tp in todo}
    progress.start(len(todo), sum(seconds.values()))
    futures = [
        pool.submit(_track_job, tp, covers.get(tp.release.slug), cache, runner, options) for tp in todo
    ]
    results: dict[Path, TrackResult] = {}
    for future in as_completed(futures):
        res = future.result()
        source = res.plan.track.source
        results[source] = res
        progress.advance(source, seconds[source], res.status, res.error or res.made)
        if res.error:
            problems.error(source, f"{res.error}; track skipped")
        for warning in res.analysis.warnings if res.analysis else ():
            problems.warning(source, warning)
    return results


def _track_job(tp: TrackPlan, cover: Picture | None, cache: AudioCache, runner: FFmpegRunner,
               options: MediaOptions) -> TrackResult:  # fmt: skip
    if runner.stopped:
        raise Interrupted
    res = TrackResult(tp)
    try:
        _make_track(res, cover, cache, runner, options)
    except MediaError as exc:
        res.error = str(exc)
    except (OSError, MutagenError) as exc:
        res.error = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return res


def _make_track(res: TrackResult, cover: Picture | None, cache: AudioCache, runner: FFmpegRunner,
                options: MediaOptions) -> None:  # fmt: skip
    tp, started = res.plan, time.perf_counter()
    source, claimed = tp.track.source, tp.track.audio.duration
    if claimed > options.max_duration:
        raise MediaError(f"its header declares {claimed / 3600:.1f} h, over the "
                         f"{options.max_duration / 3600:.1f} h limit (max_duration)")  # fmt: skip
    before = source.stat()
    source_hash = cache.source_hash(source, lambda: runner.stopped)
    keys = product_keys(tp, source_hash, cover.tag_cover_key if cover else None)
    suffix = {p: f".{p.format.ext}" for p in keys}
    res.analysis = Analysis.from_json(cache.read_json(analysis_key(source_hash)))
    to_tag = [p for p, (_, tagged) in keys.items() if not cache.has(tagged, suffix[p], source)]
    encodes: dict[str, Encode] = {}
    for p in to_tag:
        base = keys[p][0]
        if not p.passthrough and base not in encodes and not cache.has(base, suffix[p], source):
            encodes[base] = Encode(p.format, cache.temp_path(suffix[p]), tp.track.audio.bits_per_sample)
    made = []
    if res.analysis is None or encodes:
        analysis = transcode(source, list(encodes.values()), analyse=res.analysis is None, runner=runner,
                             log_path=cache.temp_path(".log"), max_duration=options.max_duration)  # fmt: skip
        after = source.stat()
        if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
            # saved while we read it: what ffmpeg made may not match the hash it would be filed under
            raise MediaError("the file changed while it was being read; the next build will take it")
        for base, enc in encodes.items():
            if not enc.path.is_file() or enc.path.stat().st_size == 0:
                raise MediaError(f"ffmpeg wrote no {enc.format.label} file")
            cache.commit(enc.path, base, f".{enc.format.ext}")
            made.append(enc.format.name)
        if analysis is not None:
            cache.put_json(analysis_key(source_hash), analysis.to_json())
            res.analysis = analysis
            made.append("analysis")
    tag_cover: Cover | None = cover.tag_cover(cache) if cover and to_tag else None
    for p in to_tag:
        if runner.stopped:
            raise Interrupted
        base, tagged = keys[p]
        tmp = cache.temp_path(suffix[p])
        shutil.copyfile(source if p.passthrough else cache.path(base, suffix[p]), tmp)
        write_tags(tmp, p.format.ext, tp.tags, tag_cover)
        cache.commit(tmp, tagged, suffix[p])
    if to_tag and not made:
        made.append("tags")
    res.files = {p: (tagged, cache.path(tagged, suffix[p])) for p, (_, tagged) in keys.items()}
    res.made = f"{', '.join(made)} in {time.perf_counter() - started:.1f} s" if made else ""


# -- zips ----------------------------------------------------------------------------------------


def _zips(plans: list[ReleasePlan], results: dict[Path, TrackResult], covers: dict[str, Picture | None],
          cache: AudioCache, pool: ThreadPoolExecutor, runner: FFmpegRunner) -> dict[tuple[str, str], Path]:  # fmt: skip
    """(release slug, format) -> the release's zip in the cache."""

    def files(tp: TrackPlan, p: Product) -> tuple[str, Path] | None:
        res = results.get(tp.track.source)
        return res.files.get(p) if res and not res.error else None

    def make(members: list[Member], zkey: str) -> Path:
        if runner.stopped:
            raise Interrupted
        tmp = cache.temp_path(".zip")
        write_zip(members, tmp)
        return cache.commit(tmp, zkey, ".zip")

    out: dict[tuple[str, str], Path] = {}
    jobs: dict[tuple[str, str], Future[Path]] = {}
    for rp in plans:
        if not rp.zip_visibility:
            continue
        extras = release_extras(rp, covers.get(rp.release.slug), cache)
        for fmt, members in zip_plan(rp, files, extras).items():
            zkey = zip_key(fmt, members)
            if cache.has(zkey, ".zip", rp.release.source_dir):
                out[(rp.release.slug, fmt)] = cache.path(zkey, ".zip")
            else:
                jobs[(rp.release.slug, fmt)] = pool.submit(make, members, zkey)
    for slot, future in jobs.items():
        out[slot] = future.result()
    return out


# -- the Media -----------------------------------------------------------------------------------


def album_loudness(tracks: Iterable[tuple[float, Loudness]]) -> Loudness | None:
    """Release loudness: the duration-weighted energy mean of the tracks' (an approximation of
    measuring the whole release in one pass: gating is per track), and the highest true peak."""
    items = [(d, lo) for d, lo in tracks if d > 0]
    if not items:
        return None
    energy = sum(d * 10 ** (lo.integrated_lufs / 10) for d, lo in items) / sum(d for d, _ in items)
    return Loudness(round(10 * math.log10(energy), 2), max(lo.true_peak_dbtp for _, lo in items))


def _assemble(catalog: Catalog, plans: list[ReleasePlan], results: dict[Path, TrackResult],
              covers: dict[str, Picture | None], artist_pics: dict[str, Picture | None],
              zips: dict[tuple[str, str], Path], cache: AudioCache,
              problems: Problems) -> tuple[Media, list[Output]]:  # fmt: skip
    public: list[Output] = []
    private: list[Output] = []  # paths relative to private_dir/downloads
    tracks: dict[Path, TrackMedia] = {}
    release_downloads: dict[str, tuple[Download, ...]] = {}
    protected_zips: dict[str, tuple[Download, ...]] = {}
    release_loudness: dict[str, Loudness] = {}

    def place(path: str, fmt: str, mime: str, file: Path, public_file: bool) -> Download:
        download = Download(fmt, path, mime, file.stat().st_size)
        if public_file:
            public.append(Output(path, source=file, owned=True))  # files of the cache, never masters
        else:
            private.append(Output(path.removeprefix("downloads/"), source=file, owned=True))
        return download

    for rp in plans:
        r = rp.release
        for tp in rp.tracks:
            tracks[tp.track.source] = _track_media(
                tp, results[tp.track.source], public, private, place, problems
            )
        for visible, slot in (("public", release_downloads), ("private", protected_zips)):
            if rp.zip_visibility == visible:
                slot[r.slug] = tuple(
                    place(urls.release_zip(r, fmt.name), f"zip:{fmt.name}", "application/zip",
                          zips[(r.slug, fmt.name)], visible == "public")
                    for fmt in rp.zip_formats if (r.slug, fmt.name) in zips
                )  # fmt: skip
        loudest = album_loudness((tracks[t.source].duration, lo) for t in r.tracks
                                 if (lo := tracks[t.source].loudness))  # fmt: skip
        if loudest:
            release_loudness[r.slug] = loudest

    cover_sets: dict[str, ImageSet] = {}
    for release in catalog.public_releases:
        pic = covers.get(release.slug)
        description = release.cover.description if release.cover else None
        if pic is None:
            cover_sets[release.slug], svg = generated_cover(release)
            public.append(svg)
            continue
        image, outs = pic.image_set(cache, partial(urls.release_cover, release), description)
        cover_sets[release.slug] = image
        public.extend(outs)
    artist_sets: dict[str, ImageSet] = {}
    for artist in catalog.artists:
        pic = artist_pics.get(artist.slug)
        if pic is not None and artist.image is not None:
            image, outs = pic.image_set(cache, partial(urls.artist_picture, artist), artist.image.description)
            artist_sets[artist.slug] = image
            public.extend(outs)
    media = Media(tracks, cover_sets, artist_sets, release_downloads, release_loudness, tuple(public),
                  protected_zips, tuple(private))  # fmt: skip
    return media, private


def _track_media(tp: TrackPlan, res: TrackResult, public: list[Output], private: list[Output],
                 place: Callable[[str, str, str, Path, bool], Download], problems: Problems) -> TrackMedia:  # fmt: skip
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
        public.append(Output(path, source=file, owned=True))
        stream_keys.add(tagged)
    downloads: list[Download] = []
    protected: list[Download] = []
    for p in tp.downloads:
        tagged, file = res.files[p]
        path = urls.track_download(r, t, p.format.name, p.format.ext)
        is_public = tp.download_visibility == "public"
        (downloads if is_public else protected).append(
            place(path, p.format.name, p.format.mime, file, is_public)
        )
        if not is_public and tagged in stream_keys:
            problems.warning(t.source, f"the {p.format.label} download is the same file as the public stream "
                             f"(streaming: {t.settings.streaming}), so it is not really protected")  # fmt: skip
    return TrackMedia(a.duration, tuple(streams), tuple(downloads), a.peaks, a.loudness, a.sample_rate, a.channels,
                      a.bitrate, a.bits_per_sample, tuple(protected))  # fmt: skip
