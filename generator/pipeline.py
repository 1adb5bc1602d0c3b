"""The media stage: transcodes, downloads, zips, waveforms, loudness and images.

    pictures → plan → one ffmpeg per source (in parallel) → tags → zips → Media

Everything goes through the content-addressed cache, so an unchanged catalog costs a few
stats and reads. Free and name-your-price files become `Media.outputs` (linked into
public/ by the site writer); codes and paid files go to the private store only.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from mutagen import MutagenError

from tunecamp.generator import urls
from tunecamp.generator.archives import Member, safe_name, track_name, unique_names, write_zip, zip_key
from tunecamp.generator.audiocache import AudioCache, GcStats, Interrupted, gc, key
from tunecamp.generator.ffmpeg import ffmpeg_path
from tunecamp.generator.images import ImageError, MIME_EXT, cached_picture, image_set, picture, picture_keys
from tunecamp.generator.media import Download, ImageSet, ImageVariant, Loudness, Media, Stream, TrackMedia
from tunecamp.generator.mediaplan import (
    Product, ReleasePlan, TrackPlan, analysis_key, plan_catalog, product_keys,
)  # fmt: skip
from tunecamp.generator.model import Catalog, Image, Release
from tunecamp.generator.output import Output, write_site
from tunecamp.generator.problems import Problems
from tunecamp.generator.progress import BarProgress, Progress
from tunecamp.generator.tagwrite import Cover, write_tags
from tunecamp.generator.transcode import Analysis, Encode, FFmpegRunner, MediaError, transcode

T = TypeVar("T")


@dataclass(frozen=True)
class MediaOptions:
    cache_dir: Path  # the build cache; media objects live in cache_dir/media
    private_dir: Path  # outside public/: codes and paid downloads, for the daemon to serve
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    verbose: bool = False
    max_duration: float = 4 * 3600.0  # seconds; a longer source (or header claiming so) is refused
    ffmpeg: str | None = None  # the binary; default ffmpeg_path()


@dataclass(frozen=True)
class Picture:
    manifest: dict[str, Any]
    content_hash: str
    original: Path
    original_key: str | None = None  # an embedded cover's bytes, kept in the cache

    @property
    def keys(self) -> set[str]:
        return picture_keys(self.manifest, self.content_hash) | (
            {self.original_key} if self.original_key else set()
        )

    def tag_cover(self) -> tuple[str, Path, int, int, str]:
        """The JPEG embedded in transcodes: (key, file, width, height, mime)."""
        jpegs = [v for v in self.manifest["variants"] if v[2] == "image/jpeg"]
        w, h, mime, variant_key = min(jpegs, key=lambda v: (v[0] > 640, abs(v[0] - 640)))
        return variant_key, Path(), w, h, mime


@dataclass
class TrackResult:
    plan: TrackPlan
    analysis: Analysis | None = None
    files: dict[Product, tuple[str, Path]] = field(default_factory=dict)  # tagged key, cache file
    error: str | None = None
    made: str = ""  # what this run had to make, for verbose lines

    @property
    def status(self) -> str:
        return "failed" if self.error else "made" if self.made else "cached"


def process_media(catalog: Catalog, options: MediaOptions,
                  progress: Progress | None = None) -> tuple[Media, Problems]:  # fmt: skip
    """Make (or find in the cache) every stream, download, zip, analysis and picture."""
    problems = Problems()
    progress = progress or BarProgress(options.verbose)
    cache = AudioCache(options.cache_dir / "media")
    runner = FFmpegRunner(options.ffmpeg or ffmpeg_path())
    pool = ThreadPoolExecutor(max_workers=max(1, options.jobs), thread_name_prefix="media")
    try:
        covers, artist_pics = _pictures(catalog, cache, pool, problems, render=True)
        plans = plan_catalog(catalog)
        results = _audio(plans, covers, cache, runner, pool, options, progress, problems)
        zips = _zips(plans, results, covers, cache, pool, runner)
        media, private = _assemble(catalog, plans, results, covers, artist_pics, zips, cache, problems)
        if private or (options.private_dir / "downloads").exists():
            write_site(private, options.private_dir / "downloads")
        return media, problems
    except BaseException:
        runner.stop()  # Ctrl-C: kill every ffmpeg now; jobs see it and commit nothing
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        progress.stop()
        cache.close()


def _gather(futures: list[Future[T]]) -> list[T]:
    return [f.result() for f in futures]


# -- pictures ------------------------------------------------------------------------------------


def _load_picture(image: Image, cache: AudioCache, render: bool) -> Picture | None:
    """A cover or artist image through the cache; None when an embedded cover is gone."""
    if image.embedded_in is None:
        content_hash = cache.source_hash(image.source)
        if not render:
            manifest = cached_picture(cache, content_hash)
            return Picture(manifest, content_hash, image.source) if manifest else None
        return Picture(picture(cache, content_hash, image.source.read_bytes), content_hash, image.source)
    audio_hash = cache.source_hash(image.embedded_in)
    content_hash = "embedded:" + audio_hash
    original_key = key("embedded-cover", audio_hash)
    manifest = cached_picture(cache, content_hash)
    if manifest:
        original = cache.path(original_key, "." + MIME_EXT.get(manifest["mime"], "bin"))
        if original.is_file():
            return Picture(manifest, content_hash, original, original_key)
    if not render:
        return None
    from tunecamp.generator.tags import read_embedded_cover

    found = read_embedded_cover(image.embedded_in)
    if found is None:
        return None
    data, mime = found
    manifest = picture(cache, content_hash, lambda: data)
    original = cache.put_bytes(original_key, "." + MIME_EXT.get(manifest["mime"], "bin"), data)
    return Picture(manifest, content_hash, original, original_key)


def _pictures(catalog: Catalog, cache: AudioCache, pool: ThreadPoolExecutor, problems: Problems,
              render: bool) -> tuple[dict[str, Picture | None], dict[str, Picture | None]]:  # fmt: skip
    def load(image: Image | None) -> Picture | None:
        if image is None:
            return None
        try:
            return _load_picture(image, cache, render)
        except (ImageError, OSError) as exc:
            if render:
                problems.error(image.embedded_in or image.source, f"{exc}; picture not used")
            return None

    releases = catalog.public_releases
    covers = pool.map(load, [r.cover for r in releases])
    artists = pool.map(load, [a.image for a in catalog.artists])
    return dict(zip([r.slug for r in releases], covers, strict=True)), dict(
        zip([a.slug for a in catalog.artists], artists, strict=True)
    )


def _tag_cover_key(pic: Picture | None) -> str | None:
    return pic.tag_cover()[0] if pic else None


# -- audio ---------------------------------------------------------------------------------------


def _audio(plans: list[ReleasePlan], covers: dict[str, Picture | None], cache: AudioCache, runner: FFmpegRunner,
           pool: ThreadPoolExecutor, options: MediaOptions, progress: Progress,
           problems: Problems) -> dict[Path, TrackResult]:  # fmt: skip
    todo = [tp for rp in plans for tp in rp.tracks]
    seconds = {tp.track.source: min(tp.track.duration, options.max_duration) for tp in todo}
    progress.start(len(todo), sum(seconds.values()))
    futures = {
        pool.submit(_track_job, tp, covers.get(tp.release.slug), cache, runner, options): tp for tp in todo
    }
    results: dict[Path, TrackResult] = {}
    for future in as_completed(futures):
        res = future.result()
        source = res.plan.track.source
        results[source] = res
        progress.advance(source, seconds[source], res.status, res.error or res.made)
        if res.error:
            problems.error(source, res.error + "; track not playable")
        for warning in res.analysis.warnings if res.analysis else ():
            problems.warning(source, warning)
    return results


def _track_job(tp: TrackPlan, cover: Picture | None, cache: AudioCache, runner: FFmpegRunner,
               options: MediaOptions) -> TrackResult:  # fmt: skip
    res = TrackResult(tp)
    if runner.stopped:
        raise Interrupted
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
    source = tp.track.source
    if tp.track.audio.duration > options.max_duration:
        raise MediaError(f"its header declares {tp.track.audio.duration / 3600:.1f} h, over the "
                         f"{options.max_duration / 3600:.1f} h limit (max_duration)")  # fmt: skip
    source_hash = cache.source_hash(source, lambda: runner.stopped)
    cover_key = _tag_cover_key(cover)
    keys = product_keys(tp, source_hash, cover_key)
    res.analysis = Analysis.from_json(cache.read_json(analysis_key(source_hash)))
    suffix = {p: "." + p.format.ext for p in keys}
    to_tag = [p for p, (_, tagged) in keys.items() if not cache.has(tagged, suffix[p])]
    encodes: dict[str, Encode] = {}
    for p in to_tag:
        base = keys[p][0]
        if not p.passthrough and base not in encodes and not cache.has(base, suffix[p]):
            encodes[base] = Encode(p.format, cache.temp_path(suffix[p]), tp.track.audio.bits_per_sample)
    made = []
    if res.analysis is None or encodes:
        analysis = transcode(source, list(encodes.values()), analyse=res.analysis is None, runner=runner,
                             log_path=cache.temp_path(".log"), max_duration=options.max_duration)  # fmt: skip
        for base, enc in encodes.items():
            if not enc.path.is_file() or enc.path.stat().st_size == 0:
                raise MediaError(f"ffmpeg wrote no {enc.format.label} file")
            cache.commit(enc.path, base, "." + enc.format.ext)
        made = [enc.format.name for enc in encodes.values()]
        if analysis is not None:
            cache.put_json(analysis_key(source_hash), analysis.to_json())
            res.analysis = analysis
            made.append("analysis")
    tag_cover: Cover | None = None
    if to_tag and cover is not None:
        variant_key, _, w, h, mime = cover.tag_cover()
        tag_cover = Cover(cache.path(variant_key, "." + MIME_EXT[mime]).read_bytes(), mime, w, h)
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


def _release_extras(release: Release, cover: Picture | None, cache: AudioCache) -> list[Member]:
    """What every zip of a release holds besides the tracks: cover, liner notes, extras/."""
    folder = release.source_dir
    members = []
    if cover is not None:
        ext = MIME_EXT.get(cover.manifest["mime"], cover.original.suffix.lstrip(".") or "bin")
        members.append(Member(f"cover.{ext}", cover.original, cover.content_hash))
    notes = folder / "notes.md"
    if notes.is_file():
        members.append(Member("notes.md", notes, cache.source_hash(notes)))
    for extra in release.extras:
        members.append(Member(f"extras/{safe_name(extra.name)}", extra, cache.source_hash(extra)))
    return members


def _zip_plan(rp: ReleasePlan, files: Callable[[TrackPlan, Product], tuple[str, Path] | None],
              extras: list[Member], root: str) -> dict[str, list[Member]]:  # fmt: skip
    """Members of each format's zip (formats with no track left out)."""
    plan = {}
    multi_disc = any(tp.track.disc > 1 for tp in rp.tracks)
    for fmt in rp.zip_formats:
        tracks = []
        for tp in rp.zip_members():
            found = files(tp, Product(fmt))
            if found:
                name = track_name(
                    tp.track.number, tp.track.title, fmt.ext, tp.track.disc if multi_disc else None
                )
                tracks.append(Member(name, found[1], found[0]))
        if tracks:
            members = unique_names([*tracks, *extras])
            plan[fmt.name] = [Member(f"{root}/{m.name}", m.source, m.content_key) for m in members]
    return plan


def _zip_root(catalog_names: dict[str, str], release: Release) -> str:
    artists = ", ".join(catalog_names.get(s, s) for s in release.artist_slugs)
    return safe_name(f"{artists} - {release.title}")


def _zips(plans: list[ReleasePlan], results: dict[Path, TrackResult], covers: dict[str, Picture | None],
          cache: AudioCache, pool: ThreadPoolExecutor, runner: FFmpegRunner) -> dict[tuple[str, str], Path]:  # fmt: skip
    """(release slug, format) -> the zip in the cache."""

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
        names = {tp.tags.album_artists[i]: "" for tp in rp.tracks for i in range(0)}  # noqa: F841 (keeps mypy calm)
        root = (
            safe_name(", ".join(rp.tracks[0].tags.album_artists) + " - " + rp.release.title)
            if rp.tracks
            else ""
        )
        extras = _release_extras(rp.release, covers.get(rp.release.slug), cache)
        for fmt, members in _zip_plan(rp, files, extras, root).items():
            zkey = zip_key(fmt, members)
            if cache.has(zkey, ".zip"):
                out[(rp.release.slug, fmt)] = cache.path(zkey, ".zip")
            else:
                jobs[(rp.release.slug, fmt)] = pool.submit(make, members, zkey)
    for slot, future in jobs.items():
        out[slot] = future.result()
    return out
