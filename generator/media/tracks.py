"""The track jobs of the media stage: one per source, `jobs` ffmpeg runs at a time.

A job finds in the cache, or makes, what its plan asks for: the encodes and the analysis from
one decode (transcode.py), then each product tagged with the catalog's tags and cover.
"""

from __future__ import annotations

import shutil
import time
from concurrent.futures import as_completed
from dataclasses import dataclass, field
from pathlib import Path

from mutagen import MutagenError

from tunecamp.generator.media.analysis import Analysis
from tunecamp.generator.media.cache import Interrupted
from tunecamp.generator.media.images import Picture
from tunecamp.generator.media.plan import Product, ReleasePlan, TrackPlan, analysis_key, product_keys
from tunecamp.generator.media.tagwrite import Cover, write_tags
from tunecamp.generator.media.transcode import Decode, Encode, MediaError, transcode
from tunecamp.generator.media.workshop import Workshop


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


def make_tracks(
    shop: Workshop, plans: list[ReleasePlan], covers: dict[str, Picture | None]
) -> dict[Path, TrackResult]:
    """Every track of `plans`, by source; a failed one is reported and carries its error."""
    # longest first: the last job to start is a short one, so the cores finish together
    todo = sorted((tp for rp in plans for tp in rp.tracks), key=lambda tp: -tp.track.duration)
    seconds = {tp.track.source: min(tp.track.duration, shop.options.max_duration) for tp in todo}
    shop.progress.start(len(todo), sum(seconds.values()))
    futures = [shop.pool.submit(_track_job, shop, tp, covers.get(tp.release.slug)) for tp in todo]
    results: dict[Path, TrackResult] = {}
    for future in as_completed(futures):
        res = future.result()
        source = res.plan.track.source
        results[source] = res
        shop.progress.advance(source, seconds[source], res.status, res.error or res.made)
        if res.error:
            shop.problems.error(source, f"{res.error}; track skipped")
        for warning in res.analysis.warnings if res.analysis else ():
            shop.problems.warning(source, warning)
    return results


def _track_job(shop: Workshop, tp: TrackPlan, cover: Picture | None) -> TrackResult:
    if shop.runner.stopped:
        raise Interrupted
    res = TrackResult(tp)
    try:
        _make_track(shop, res, cover)
    except MediaError as exc:
        res.error = str(exc)
    except (OSError, MutagenError) as exc:
        res.error = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return res


def _make_track(shop: Workshop, res: TrackResult, cover: Picture | None) -> None:
    cache, runner, max_duration = shop.cache, shop.runner, shop.options.max_duration
    tp, started = res.plan, time.perf_counter()
    source, claimed = tp.track.source, tp.track.audio.duration
    if claimed > max_duration:
        raise MediaError(
            f"its header declares {claimed / 3600:.1f} h, over the {max_duration / 3600:.1f} h limit (max_duration)"
        )
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
        decode = Decode(
            source, tuple(encodes.values()), res.analysis is None, cache.temp_path(".log"), max_duration
        )
        analysis = transcode(decode, runner)
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
