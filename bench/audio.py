"""Benchmark the audio pipeline against plain ffmpeg, and time a cached re-run.

    .venv/bin/python bench/audio.py [--tracks 8] [--seconds 60] [--cached-tracks 100] [--jobs N]

Synthesises N stereo tracks of M seconds (FLAC, or --master wav/mp3), then prints:
  - the pipeline's wall time for the default formats (Opus 96k + MP3 V5 streams, FLAC + MP3 V0
    downloads and their zips) with peaks and loudness, from an empty cache;
  - the same outputs made by separate plain ffmpeg commands (one per encode, one for loudness,
    one for peaks: the way a shell script would), with the same parallelism, and the zips;
  - their ratio (target: at most 0.8);
  - a cached re-run over --cached-tracks short tracks (target: under 0.5 s for 100).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tunecamp.generator.catalog.model import Catalog, Track
from tunecamp.generator.catalog.scan import scan
from tunecamp.generator.catalog.settings import Settings
from tunecamp.generator.media.analysis import PIPE_RATE, PeakMeter
from tunecamp.generator.media.archives import Member, write_zip
from tunecamp.generator.media.ffmpeg import ffmpeg_path
from tunecamp.generator.media.formats import download_format, stream_formats
from tunecamp.generator.media.progress import QuietProgress
from tunecamp.generator.media.stage import process_media
from tunecamp.generator.media.workshop import MediaOptions

MASTERS = {
    "flac": ("flac", ["-c:a", "flac"]),
    "wav": ("wav", ["-c:a", "pcm_s16le"]),
    "mp3": ("mp3", ["-c:a", "libmp3lame", "-b:a", "320k"]),
}


def synthesise(
    content: Path, tracks: int, seconds: float, ffmpeg: str, jobs: int, master: str = "flac"
) -> None:
    """A catalog of one published release: tones with a little noise, different per track."""
    folder = content / "releases" / "bench"
    folder.mkdir(parents=True)
    (content / "catalog.yaml").write_text("title: Bench\nbase_url: https://bench.example.org\n")
    (folder / "release.yaml").write_text("title: Bench\nartist: Bench Band\nstatus: published\n")

    def make(n: int) -> None:
        sources = (
            f"sine=f={110 * (n % 7 + 2)}:d={seconds}",
            f"sine=f={165 * (n % 5 + 2)}:d={seconds}",
            f"anoisesrc=d={seconds}:a=0.05:c=pink:s={n}",
        )
        args = [a for src in sources for a in ("-f", "lavfi", "-i", src)]
        graph = "[0][1]amerge=inputs=2[st];[2]aformat=channel_layouts=stereo[n];[st][n]amix=inputs=2"
        ext, codec = MASTERS[master]
        out = folder / f"{n:03d} Track {n}.{ext}"
        subprocess.run(
            [ffmpeg, "-v", "error", "-y", *args, "-filter_complex", graph, "-ar", "44100", *codec, str(out)],
            check=True,
        )

    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(make, range(1, tracks + 1)))


def load(content: Path) -> Catalog:
    catalog, problems = scan(content)
    if problems.errors:
        sys.exit("\n".join(str(p) for p in problems.errors))
    return catalog


def cpu_seconds() -> float:
    """CPU time of this process and its finished children: what contention cannot inflate."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def pipeline(catalog: Catalog, work: Path, jobs: int) -> float:
    shutil.rmtree(work / "cache", ignore_errors=True)
    return cached_pipeline(catalog, work, jobs)


def cached_pipeline(catalog: Catalog, work: Path, jobs: int) -> float:
    options = MediaOptions(work / "cache", work / "private", jobs=jobs)
    started = time.perf_counter()
    _, problems = process_media(catalog, options, QuietProgress())
    elapsed = time.perf_counter() - started
    if problems.errors:
        sys.exit("\n".join(str(p) for p in problems.errors))
    return elapsed


def baseline(catalog: Catalog, work: Path, ffmpeg: str, jobs: int) -> float:
    """The same files, one ffmpeg command per output and per analysis."""
    settings = Settings()
    formats = [*stream_formats(settings.streaming), *(download_format(f) for f in settings.download_formats)]
    release = catalog.public_releases[0]
    out = work / "baseline"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()

    def commands(track: Track) -> list[list[str]]:
        tags = [
            *("-metadata", f"title={track.title}", "-metadata", f"album={release.title}"),
            *("-metadata", f"artist={', '.join(track.artists)}", "-metadata", f"track={track.number}"),
        ]
        head = (ffmpeg, "-v", "error", "-y", "-i", str(track.source), "-map", "0:a:0", "-map_metadata", "-1")
        cmds = [
            [*head, *f.args, *tags, "-f", f.muxer, str(out / f"{track.slug}.{f.name}.{f.ext}")]
            for f in formats
        ]
        loudness = ("-af", "ebur128=peak=true:framelog=verbose", "-f", "null", "-")
        cmds.append([ffmpeg, "-nostats", "-i", str(track.source), *loudness])
        return cmds

    def peaks(track: Track) -> None:
        cmd = [
            ffmpeg,
            "-v",
            "error",
            "-i",
            str(track.source),
            "-ac",
            "1",
            "-ar",
            str(PIPE_RATE),
            "-f",
            "s16le",
            "-",
        ]
        meter = PeakMeter()
        meter.feed(subprocess.run(cmd, capture_output=True, check=True).stdout)
        meter.finish()
        meter.peaks()

    def run(cmd: list[str]) -> None:
        subprocess.run(cmd, capture_output=True, check=True)

    started = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        jobs_done = [pool.submit(run, c) for t in release.tracks for c in commands(t)]
        jobs_done += [pool.submit(peaks, t) for t in release.tracks]
        for job in jobs_done:
            job.result()
    for f in (download_format(name) for name in settings.download_formats):
        members = [
            Member(f"{t.slug}.{f.ext}", out / f"{t.slug}.{f.name}.{f.ext}", "") for t in release.tracks
        ]
        write_zip(members, out / f"{f.name}.zip")
    return time.perf_counter() - started


def cached_rerun(tracks: int, work: Path, ffmpeg: str, jobs: int) -> float:
    content = work / "cached-content"
    synthesise(content, tracks, 1.0, ffmpeg, jobs)
    catalog = load(content)
    cached_pipeline(catalog, work / "cached", jobs)  # fill the cache
    return min(cached_pipeline(catalog, work / "cached", jobs) for _ in range(3))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tracks", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--cached-tracks", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=2, help="best of this many runs of each")
    parser.add_argument(
        "--master", choices=sorted(MASTERS), default="flac", help="the synthesised sources' format"
    )
    args = parser.parse_args()
    ffmpeg = ffmpeg_path()
    with tempfile.TemporaryDirectory(prefix="tunecamp-bench-") as tmp:
        work = Path(tmp)
        print(
            f"synthesising {args.tracks} tracks of {args.seconds:g} s (stereo {args.master}), jobs={args.jobs} ..."
        )
        synthesise(work / "content", args.tracks, args.seconds, ffmpeg, args.jobs, args.master)
        catalog = load(work / "content")
        # alternate the two, best of --rounds each: the machine may be busy with other work
        wall: dict[str, list[float]] = {"pipeline": [], "baseline": []}
        cpu: dict[str, list[float]] = {"pipeline": [], "baseline": []}
        for _ in range(args.rounds):
            for name, run in (
                ("pipeline", lambda: pipeline(catalog, work, args.jobs)),
                ("baseline", lambda: baseline(catalog, work, ffmpeg, args.jobs)),
            ):
                before = cpu_seconds()
                wall[name].append(run())
                cpu[name].append(cpu_seconds() - before)
        ours, theirs = min(wall["pipeline"]), min(wall["baseline"])
        ratio = ours / theirs
        cpu_ratio = min(cpu["pipeline"]) / min(cpu["baseline"])
        print(
            f"pipeline (opus-96 + mp3-v5 + flac + mp3-v0, zips, peaks, loudness): {ours:6.2f} s wall, "
            f"{min(cpu['pipeline']):6.2f} s CPU"
        )
        print(
            f"baseline (separate plain ffmpeg commands, same outputs):             {theirs:6.2f} s wall, "
            f"{min(cpu['baseline']):6.2f} s CPU"
        )
        print(
            f"ratio: {ratio:.2f} wall (target <= 0.8) {'ok' if ratio <= 0.8 else 'MISSED'}, {cpu_ratio:.2f} CPU"
        )
        print(f"synthesising {args.cached_tracks} tracks of 1 s for the cached re-run ...")
        cached = cached_rerun(args.cached_tracks, work, ffmpeg, args.jobs)
        target = 0.5 * args.cached_tracks / 100
        print(
            f"cached re-run of {args.cached_tracks} tracks: {cached:.3f} s (target < {target:.2f} s) "
            f"{'ok' if cached < target else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
