"""Previews: the excerpt a paid or code-locked track is federated with, never the full track.

A fediverse post plays its audio attachments inline, so a release whose downloads are sold
(`paid`) or locked behind codes (`codes`) attaches a short excerpt per track instead: cut at
`federation.preview_start` for `federation.preview_length` seconds (at most half the track),
loudness-normalised to TARGET_LUFS in two passes of ffmpeg's loudnorm (measure, then a linear
gain), with short fades, as MP3 (every fediverse server plays it). Only the tracks a post
carries (FEDERATED_TRACKS) get one, and only when the catalog federates (`daemon_url`). Each
is filed in the media cache by its source's content and the cut, like every transcode.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from tunecamp.generator.catalog.model import Catalog
from tunecamp.generator.media.cache import Interrupted, key
from tunecamp.generator.media.plan import PROTECTED_POLICIES, ReleasePlan, TrackPlan
from tunecamp.generator.media.tracks import TrackResult
from tunecamp.generator.media.transcode import MediaError
from tunecamp.generator.media.workshop import Workshop

PREVIEW_VERSION = 1
FEDERATED_TRACKS = 4  # audio attachments per post: Mastodon shows at most four
TARGET_LUFS = -14.0
TRUE_PEAK = -1.5
LRA = 11.0
MP3_ARGS = ("-c:a", "libmp3lame", "-q:a", "4", "-ar", "44100")
FADE_IN, FADE_OUT = 0.3, 1.0
_JSON = re.compile(r"\{[^{}]*\"input_i\"[^{}]*\}", re.S)


@dataclass(frozen=True)
class Cut:
    start: float
    length: float


def cut(duration: float, start: float, length: float) -> Cut:
    """Where the excerpt of a track lasting `duration` seconds is: at most half of it, inside it."""
    length = min(length, duration / 2)
    return Cut(round(max(0.0, min(start, duration - length)), 3), round(length, 3))


def wants_preview(catalog: Catalog, tp: TrackPlan) -> bool:
    if not catalog.config.daemon_url or tp.track.settings.download not in PROTECTED_POLICIES:
        return False
    return tp.release.tracks.index(tp.track) < FEDERATED_TRACKS


def preview_key(source_hash: str, c: Cut) -> str:
    return key("preview", PREVIEW_VERSION, source_hash, c.start, c.length, TARGET_LUFS, TRUE_PEAK, MP3_ARGS)


def make_previews(
    shop: Workshop, catalog: Catalog, plans: Iterable[ReleasePlan], results: dict[Path, TrackResult]
) -> dict[Path, tuple[Path, Cut]]:
    """The preview file in the cache and its cut, by track source, made when missing."""
    fed = catalog.config.federation
    jobs: dict[Path, Future[tuple[Path, Cut]]] = {}
    out: dict[Path, tuple[Path, Cut]] = {}
    for rp in plans:
        for tp in rp.tracks:
            res = results.get(tp.track.source)
            if res is None or res.error or res.analysis is None or not wants_preview(catalog, tp):
                continue
            c = cut(res.analysis.duration, fed.preview_start, fed.preview_length)
            jobs[tp.track.source] = shop.pool.submit(_preview, shop, tp.track.source, c)
    for source, future in jobs.items():
        try:
            out[source] = future.result()
        except MediaError as exc:
            shop.problems.error(source, f"its preview could not be made: {exc}")
    return out


def _preview(shop: Workshop, source: Path, c: Cut) -> tuple[Path, Cut]:
    cache, runner = shop.cache, shop.runner
    if runner.stopped:
        raise Interrupted
    pkey = preview_key(cache.source_hash(source, lambda: runner.stopped), c)
    if cache.has(pkey, ".mp3", source):
        return cache.path(pkey, ".mp3"), c
    window = ["-ss", f"{c.start:.3f}", "-t", f"{c.length:.3f}", "-i", f"file:{source}", "-map", "0:a:0"]
    base = f"loudnorm=I={TARGET_LUFS}:TP={TRUE_PEAK}:LRA={LRA}"
    log = _run(shop, [*window, "-af", f"{base}:print_format=json", "-f", "null", "-"])
    found = _JSON.findall(log)
    if not found:
        raise MediaError("ffmpeg's loudnorm measured nothing")
    m = json.loads(found[-1])
    measured = (
        f"measured_I={m['input_i']}:measured_TP={m['input_tp']}:measured_LRA={m['input_lra']}"
        f":measured_thresh={m['input_thresh']}:offset={m['target_offset']}:linear=true"
    )
    fades = f"afade=t=in:d={FADE_IN},afade=t=out:st={max(0.0, c.length - FADE_OUT):.3f}:d={FADE_OUT}"
    tmp = cache.temp_path(".mp3")
    encode = [*window, "-map_metadata", "-1", "-af", f"{base}:{measured},{fades}", *MP3_ARGS, "-f", "mp3"]
    _run(shop, [*encode, f"file:{tmp}"])
    if not tmp.is_file() or tmp.stat().st_size == 0:
        raise MediaError("ffmpeg wrote no preview")
    return cache.commit(tmp, pkey, ".mp3"), c


def _run(shop: Workshop, args: list[str]) -> str:
    """One ffmpeg run in one of the runner's slots; its log."""
    log_path = shop.cache.temp_path(".log")
    full = ["-nostdin", "-hide_banner", "-nostats", "-y", *args]
    try:
        with log_path.open("wb") as err:
            proc = shop.runner.start(full, subprocess.DEVNULL, err)
            try:
                code = proc.wait()
            finally:
                shop.runner.finished(proc)
        if shop.runner.stopped:
            raise Interrupted
        log = log_path.read_text("utf-8", "replace")
    finally:
        log_path.unlink(missing_ok=True)
    if code != 0:
        lines = [line for line in log.splitlines() if line.strip()]
        raise MediaError(f"ffmpeg failed: {lines[-1] if lines else code}")
    return log
