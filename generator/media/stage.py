"""The media stage: transcodes, downloads, zips, waveforms, loudness and pictures.

    pictures → plan → one ffmpeg per source, `jobs` at a time → tags → zips → Media

Everything goes through the content-addressed cache, so an unchanged catalog costs a few
stats and small reads. The jobs (tracks.py, the zips here) share one `Workshop`; what they
made is assembled into `Media` (assemble.py). The workers are ffmpeg processes; the threads
that drive them only wait on pipes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from tunecamp.generator.catalog.model import Catalog, Image
from tunecamp.generator.media.archives import Member, release_extras, write_zip, zip_key, zip_plan
from tunecamp.generator.media.assemble import Made, assemble
from tunecamp.generator.media.cache import AudioCache, Interrupted
from tunecamp.generator.media.ffmpeg import FFmpegRunner, ffmpeg_path
from tunecamp.generator.media.images import ImageError, Picture, load_picture
from tunecamp.generator.media.model import Media
from tunecamp.generator.media.plan import Product, ReleasePlan, TrackPlan, plan_catalog
from tunecamp.generator.media.previews import make_previews
from tunecamp.generator.media.progress import BarProgress, Progress
from tunecamp.generator.media.tracks import TrackResult, make_tracks
from tunecamp.generator.media.workshop import MediaOptions, Workshop
from tunecamp.generator.output import write_site
from tunecamp.generator.problems import Problems

A = TypeVar("A")
B = TypeVar("B")
Mapper = Callable[[Callable[[A], B], Iterable[A]], Iterable[B]]


def process_media(
    catalog: Catalog, options: MediaOptions, progress: Progress | None = None, write_private: bool = True
) -> tuple[Media, Problems]:
    """Every stream, download, zip, analysis and picture, made or found in the cache.
    `write_private=False`: the caller writes `Media.private_outputs` (an incremental rebuild)."""
    problems = Problems()
    progress = progress or BarProgress(options.verbose)
    cache = AudioCache(options.cache_dir / "media", verify=options.verify)
    jobs = max(1, options.jobs)
    runner = FFmpegRunner(options.ffmpeg or ffmpeg_path(), slots=jobs)
    pool = ThreadPoolExecutor(max_workers=jobs + 2, thread_name_prefix="media")
    shop = Workshop(options, cache, runner, pool, progress, problems)
    try:
        covers, artist_pictures = catalog_pictures(catalog, cache, pool.map, problems, render=True)
        plans = plan_catalog(catalog)
        results = make_tracks(shop, plans, covers)
        zips = make_zips(shop, plans, results, covers)
        previews = make_previews(shop, catalog, plans, results)
        made = Made(results, covers, artist_pictures, zips, previews)
        media, private = assemble(catalog, plans, made, cache, problems)
        for damage in cache.damaged:
            kind = damage.path.name.split(".", 1)[1]
            problems.warning(
                damage.source or damage.path,
                f"its cached {kind} ({damage.path}) was damaged: {damage.reason}; it was made again",
            )
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


def catalog_pictures(
    catalog: Catalog,
    cache: AudioCache,
    mapper: Mapper[Image | None, Picture | None],
    problems: Problems,
    render: bool,
) -> tuple[dict[str, Picture | None], dict[str, Picture | None]]:
    """Release covers and artist pictures, by slug; `render=False` only reads what the cache holds."""

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
    return (
        {r.slug: c for r, c in zip(releases, covers, strict=True)},
        {a.slug: p for a, p in zip(artists, pictures, strict=True)},
    )


def make_zips(
    shop: Workshop,
    plans: list[ReleasePlan],
    results: dict[Path, TrackResult],
    covers: dict[str, Picture | None],
) -> dict[tuple[str, str], Path]:
    """(release slug, format) -> the release's zip in the cache."""
    cache = shop.cache

    def files(tp: TrackPlan, p: Product) -> tuple[str, Path] | None:
        res = results.get(tp.track.source)
        return res.files.get(p) if res and not res.error else None

    def make(members: list[Member], zkey: str) -> Path:
        if shop.runner.stopped:
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
                jobs[(rp.release.slug, fmt)] = shop.pool.submit(make, members, zkey)
    for slot, future in jobs.items():
        out[slot] = future.result()
    return out
