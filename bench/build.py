"""Benchmark: build speed of the generator on synthetic catalogs, against its targets.

    .venv/bin/python bench/build.py [--releases 100,1000] [--tracks 10] [--quick] [--workdir DIR]
                                    [--write docs/performance.md] [--profile DIR]

Catalogs (see build_inputs.py: N releases x T tracks of tiny tagged audio files, 50 artists) are
generated once into the work folder and reused by later runs.

Each catalog size is measured in its own process (so peak RSS belongs to one size):
- cold tag scan: `scan()` with a fresh TagIndex, so every file is opened with mutagen;
- cold render: `render_pages()` of the scanned catalog (first use of the theme: templates compile),
  and the same number of pages rendered by a bare jinja2 loop (templates of the same shape and
  output size as the default theme's, plain dict contexts, no TuneCamp code) in the same process;
- cold build, then a no-op rebuild: a second `build()` with nothing changed;
- single-edit latency: `watch()` runs in a thread whose rebuild callback is a `BuildSession`'s
  (as in `tunecamp watch`: it rebuilds only what the change reached); one release.yaml gets a new
  title and the clock stops when that build has returned with the release page showing the title.
  The watcher's fixed waits (debounce, then one settle check) are part of
  it and shown separately; the median of several edits is reported;
- a cached-audio build for the smallest size: transcode=True into a fresh output folder with the
  media cache left warm by a first (transcoding) build;
- peak RSS of a process running the cold and the no-op build (as `tunecamp build` does).
The page cache is warm (the files were just generated or read): "cold" means no TuneCamp cache.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

from build_inputs import baseline_render, make_catalog  # bench/ is on sys.path: this file runs as a script
from startup import measure_startup

from tunecamp.generator.build import build
from tunecamp.generator.catalog import urls as u
from tunecamp.generator.catalog.model import Catalog
from tunecamp.generator.catalog.scan import scan
from tunecamp.generator.catalog.tagindex import TagIndex
from tunecamp.generator.catalog.urls import Urls
from tunecamp.generator.media.plain import plain_media
from tunecamp.generator.options import BuildOptions
from tunecamp.generator.problems import Problems
from tunecamp.generator.session import BuildSession
from tunecamp.generator.site.pages import render_pages
from tunecamp.generator.watch import WatchTiming, watch

TARGETS = {
    "scan": 2000.0,
    "ratio": 0.7,
    "noop": 0.5,
    "edit": 0.150,
    "rss": 300.0,
    "startup": 2.0,
    "publish": 3.0,
}
NOTE = """Numbers from `bench/build.py` (its docstring says what is measured): synthetic catalogs of
tiny tagged MP3/FLAC/Ogg/Opus files (50 artists, 12 genres, every release published), each size
measured in its own process. The targets are the issue's, for 1,000 releases × 10 tracks; they are
shown beside the smaller size too. The bare-jinja2 baseline renders the same number of pages of the
same shape and size from dict contexts in the same process: the ratio is the figure to compare,
absolute numbers move with the machine. Single-edit latency includes the watcher's fixed waits
(debounce, then one settle check), shown beside it. Re-run with
`.venv/bin/python bench/build.py --write docs/performance.md` (replaces only the table below)."""
TABLE_START, TABLE_END = "<!-- bench/build.py: table -->", "<!-- bench/build.py: end -->"

T = TypeVar("T")


# --- measurements ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    releases: int
    tracks: int  # all tracks of the catalog
    scan_seconds: float
    pages: int  # HTML pages from render_pages
    render_seconds: float
    page_bytes: float  # mean size of a page
    baseline_seconds: float
    baseline_bytes: float
    cold_build_seconds: float
    noop_seconds: float
    noop_note: str  # what the no-op build did
    edit_seconds: list[float]  # write to the last output of the rebuild, one per edit
    edit_build_seconds: list[float]  # of which the rebuild itself
    edit_note: str  # what the last edit's rebuild wrote
    debounce: float
    settle: float
    audio_seconds: float | None  # the second transcode=True build
    audio_note: str
    peak_rss_mb: float  # of the process running the cold and the no-op build
    problems: int = 0  # in the cold build
    startup_seconds: float = 0.0  # a watch session on the unchanged site, until ready (startup.py)
    worker_full_seconds: float = 0.0  # the daemon's build worker, its first build of the site
    unpublish_seconds: float = 0.0  # the worker after one release was unpublished
    publish_seconds: float = 0.0  # the worker after it was published again
    profiled: bool = False  # cProfile was on: times are inflated

    @property
    def scan_rate(self) -> float:
        return self.tracks / self.scan_seconds

    @property
    def render_rate(self) -> float:
        return self.pages / self.render_seconds

    @property
    def baseline_rate(self) -> float:
        return self.pages / self.baseline_seconds

    @property
    def ratio(self) -> float:
        return self.render_rate / self.baseline_rate

    @property
    def edit(self) -> float:
        return statistics.median(self.edit_seconds)

    @property
    def edit_build(self) -> float:
        return statistics.median(self.edit_build_seconds)


@contextmanager
def profiled(profile_dir: Path | None, name: str) -> Iterator[None]:
    """cProfile the block into `profile_dir/name.prof` (this thread only) when asked."""
    if profile_dir is None:
        yield
        return
    profile_dir.mkdir(parents=True, exist_ok=True)
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        profiler.dump_stats(profile_dir / f"{name}.prof")


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def cold_scan(content: Path, work: Path, profile: Path | None = None) -> tuple[Catalog, int, float]:
    """Scan with an empty tag index: every audio file is opened and parsed."""
    index = TagIndex(work / "cold-tags.pickle")
    with profiled(profile, "scan"):
        (catalog, problems), seconds = timed(lambda: scan(content, tag_reader=index.read))
    if problems.errors:
        raise SystemExit(f"the synthetic catalog has errors: {problems.errors[:3]}")
    return catalog, index.misses, seconds


def cold_render(catalog: Catalog, profile: Path | None = None) -> tuple[int, float, float]:
    """render_pages() on a fresh theme: (HTML pages, seconds, mean page size)."""
    media = plain_media(catalog)
    with profiled(profile, "render"):
        outputs, seconds = timed(
            lambda: render_pages(catalog, media, Urls(catalog.config.base_url), problems=Problems())
        )
    html = [o.data for o in outputs if o.path.endswith(".html") and o.data is not None]
    return len(html), seconds, sum(map(len, html)) / len(html)


@dataclass(frozen=True)
class Edits:
    totals: list[float]  # per edit: from writing release.yaml to the end of the rebuild that shows it
    builds: list[float]  # of which the rebuild
    note: str  # what the last rebuild wrote


def edit_latency(
    content: Path,
    out: Path,
    options: BuildOptions,
    edits: int,
    timing: WatchTiming,
    profile: Path | None = None,
) -> Edits:
    """Edit `edits` release.yaml files one at a time under the real watcher; the originals are put back."""
    folders = sorted(p for p in (content / "releases").iterdir() if p.is_dir())
    chosen = [folders[(k * len(folders)) // edits] for k in range(edits)]
    originals = {f: (f / "release.yaml").read_text() for f in chosen}
    expect: dict[str, Any] = {}
    done = threading.Event()
    profiler = cProfile.Profile() if profile else None
    session = BuildSession(content, out, options, watching=True)  # as `tunecamp watch` does
    session.build()

    def rebuild(changed: set[Path]) -> None:
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        report = session.build(changed)
        if profiler:
            profiler.disable()
        ended = time.perf_counter()
        page = out / u.page_file(f"releases/{expect['slug']}/")
        if page.is_file() and expect["title"] in page.read_text() and report.ok:
            expect["started"], expect["ended"], expect["stats"] = started, ended, report.stats
            done.set()

    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(
        target=watch, args=([content], rebuild, stop, timing), kwargs={"ready": ready}, daemon=True
    )
    thread.start()
    totals, builds = [], []
    try:
        if not ready.wait(60):
            raise SystemExit("the watcher did not start")
        for k, folder in enumerate(chosen):
            time.sleep(0.3)  # the watcher is idle again
            done.clear()
            expect.update(slug=folder.name, title=f"Edited title {k} {time.time_ns()}")
            written = time.perf_counter()
            (folder / "release.yaml").write_text(f"{originals[folder]}title: {expect['title']}\n")
            if not done.wait(300):
                raise SystemExit(f"no rebuild showed the edit of {folder / 'release.yaml'}")
            totals.append(expect["ended"] - written)
            builds.append(expect["ended"] - expect["started"])
    finally:
        stop.set()
        thread.join(10)
        for folder, text in originals.items():
            (folder / "release.yaml").write_text(text)
    if profiler and profile:
        profile.mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(profile / "edit.prof")
    stats = expect.get("stats")
    note = f"{stats.written:,} files rewritten, {stats.unchanged:,} unchanged" if stats else "no write stats"
    return Edits(totals, builds, note)


def audio_rebuild(content: Path, work: Path) -> tuple[float | None, str]:
    """A transcode=True build with the media cache warm, into a fresh output (so it cannot be skipped)."""
    cache = work / "audio-cache"
    options = BuildOptions(transcode=True, cache_dir=cache, private_dir=work / "audio-private")
    first = build(content, work / "audio-public-1", options)
    if not (cache / "media").is_dir():
        return None, f"n/a: transcode=True left no media cache (first build {first.seconds:.2f} s)"
    second = build(content, work / "audio-public-2", options)
    return (
        second.seconds,
        f"a fresh output, media cache warm; the first build, transcoding: {first.seconds:.1f} s",
    )


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: a child started by a big parent inherits the
    parent's ru_maxrss through exec, while VmHWM starts afresh with the new program."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure(
    content: Path,
    work: Path,
    *,
    releases: int,
    edits: int = 5,
    timing: WatchTiming | None = None,
    audio: bool = False,
    profile: Path | None = None,
) -> Result:
    """Every number for one catalog, in this process; `work` holds the outputs and caches."""
    timing = timing or WatchTiming(debounce=0.02)
    work.mkdir(parents=True, exist_ok=True)
    catalog, tracks, scan_seconds = cold_scan(content, work, profile)
    pages, render_seconds, page_bytes = cold_render(catalog, profile)
    gc.collect()
    n = len(catalog.releases)
    baseline_seconds, baseline_bytes = baseline_render(n, tracks // max(1, n), pages)
    del catalog
    gc.collect()
    out, options = work / "public", BuildOptions(transcode=False, cache_dir=work / "cache")
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(work / "cache", ignore_errors=True)
    builds = builds_in_child(content, out, work / "cache", profile)
    edited = edit_latency(content, out, options, edits, timing, profile)
    audio_seconds, audio_note = audio_rebuild(content, work) if audio else (None, "skipped")
    return Result(
        releases=releases,
        tracks=tracks,
        scan_seconds=scan_seconds,
        pages=pages,
        render_seconds=render_seconds,
        page_bytes=page_bytes,
        baseline_seconds=baseline_seconds,
        baseline_bytes=baseline_bytes,
        cold_build_seconds=builds["cold"],
        noop_seconds=builds["noop"],
        noop_note=builds["what"],
        edit_seconds=edited.totals,
        edit_build_seconds=edited.builds,
        edit_note=edited.note,
        debounce=timing.debounce,
        settle=timing.settle,
        audio_seconds=audio_seconds,
        audio_note=audio_note,
        peak_rss_mb=builds["rss"],
        problems=builds["problems"],
        profiled=profile is not None,
        startup_seconds=builds["startup"],
        worker_full_seconds=builds["worker_full"],
        unpublish_seconds=builds["unpublish"],
        publish_seconds=builds["publish"],
    )


def builds_in_child(content: Path, out: Path, cache: Path, profile: Path | None) -> dict[str, Any]:
    """A cold build then a no-op build, in a fresh process on its main thread as `tunecamp build` runs.

    Its own process, so its peak RSS is the build's alone: this process holds the scan, the render
    and the baseline, and the watcher's thread gets a malloc arena of its own.
    """
    spec = json.dumps(
        {
            "content": str(content),
            "out": str(out),
            "cache": str(cache),
            "profile": str(profile) if profile else None,
        }
    )
    proc = subprocess.run(
        [sys.executable, __file__, "--builds", spec], check=True, stdout=subprocess.PIPE, text=True
    )
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def run_builds(spec: str) -> None:
    args = json.loads(spec)
    content, out, profile = Path(args["content"]), Path(args["out"]), args["profile"]
    options = BuildOptions(transcode=False, cache_dir=Path(args["cache"]))
    cold = build(content, out, options)
    with profiled(Path(profile) if profile else None, "noop"):
        noop = build(content, out, options)
    if noop.stats is None:
        what = "skipped: no input changed"
    else:
        what = f"{noop.stats.written:,} files rewritten, {noop.stats.unchanged:,} unchanged"
    rss = peak_rss_mb()
    started = measure_startup(content, out, options, out.parent / "daemon-data")
    print(
        json.dumps(
            {
                "cold": cold.seconds,
                "noop": noop.seconds,
                "what": what,
                "rss": rss,
                "problems": len(cold.problems.items),
                "startup": started.watch_seconds,
                "worker_full": started.worker_full_seconds,
                "unpublish": started.unpublish_seconds,
                "publish": started.publish_seconds,
            }
        )
    )


def measure_in_child(content: Path, work: Path, **kwargs: Any) -> Result:
    """measure() in a fresh interpreter, so peak RSS and warm caches belong to one size."""
    args = {"content": str(content), "work": str(work), **{k: v for k, v in kwargs.items() if k != "timing"}}
    timing = kwargs.get("timing") or WatchTiming(debounce=0.02)
    args["debounce"], args["settle"] = timing.debounce, timing.settle
    if args.get("profile"):
        args["profile"] = str(args["profile"])
    proc = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(args)], check=True, stdout=subprocess.PIPE, text=True
    )
    return Result(**json.loads(proc.stdout.strip().splitlines()[-1]))


def child(spec: str) -> None:
    args = json.loads(spec)
    timing = WatchTiming(debounce=args.pop("debounce"), settle=args.pop("settle"))
    profile = Path(args.pop("profile")) if args.get("profile") else None
    args.pop("profile", None)
    result = measure(
        Path(args.pop("content")), Path(args.pop("work")), timing=timing, profile=profile, **args
    )
    print(json.dumps(asdict(result)))


# --- the table ---------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def rows(r: Result) -> list[tuple[str, str, str, str]]:
    waits = f"debounce {r.debounce * 1000:.0f} ms + settle {r.settle * 1000:.0f} ms"
    edit = (
        f"{r.edit * 1000:,.0f} ms (median of {len(r.edit_seconds)}; rebuild {r.edit_build * 1000:,.0f} ms: "
        f"{r.edit_note}; watcher {(r.edit - r.edit_build) * 1000:,.0f} ms incl. {waits})"
    )
    audio = f"{r.audio_seconds:.2f} s ({r.audio_note})" if r.audio_seconds is not None else r.audio_note
    return [
        (
            "cold tag scan",
            f"{r.scan_rate:,.0f} tracks/s ({r.tracks:,} tracks in {r.scan_seconds:.2f} s)",
            f"≥ {TARGETS['scan']:,.0f} tracks/s",
            verdict(r.scan_rate >= TARGETS["scan"]),
        ),
        (
            "cold render",
            f"{r.render_rate:,.0f} pages/s ({r.pages:,} pages in {r.render_seconds:.2f} s, "
            f"{r.page_bytes / 1024:.1f} KB/page)",
            "",
            "",
        ),
        (
            "bare jinja2 baseline",
            f"{r.baseline_rate:,.0f} pages/s ({r.baseline_seconds:.2f} s, "
            f"{r.baseline_bytes / 1024:.1f} KB/page)",
            "",
            "",
        ),
        (
            "render / baseline",
            f"{r.ratio:.2f}",
            f"≥ {TARGETS['ratio']:.1f}",
            verdict(r.ratio >= TARGETS["ratio"]),
        ),
        ("cold build (tags, pages, feeds, write)", f"{r.cold_build_seconds:.2f} s", "", ""),
        (
            "no-op rebuild",
            f"{r.noop_seconds:.2f} s ({r.noop_note})",
            f"≤ {TARGETS['noop']:.1f} s",
            verdict(r.noop_seconds <= TARGETS["noop"]),
        ),
        (
            "single-edit latency",
            edit,
            f"≤ {TARGETS['edit'] * 1000:.0f} ms",
            verdict(r.edit <= TARGETS["edit"]),
        ),
        (
            "watch/serve start-up, unchanged catalog",
            f"{r.startup_seconds:.2f} s "
            f"({r.startup_seconds / max(r.noop_seconds, 1e-9):.1f} × the no-op build)",
            f"≤ {TARGETS['startup']:.0f} s",
            verdict(r.startup_seconds <= TARGETS["startup"]),
        ),
        (
            "admin publish of one release, live",
            f"{r.publish_seconds:.2f} s (the build worker process, start "
            f"to exit; unpublish {r.unpublish_seconds:.2f} s; its first, full build {r.worker_full_seconds:.2f} s)",
            f"≤ {TARGETS['publish']:.0f} s",
            verdict(r.publish_seconds <= TARGETS["publish"]),
        ),
        ("cached-audio build", audio, "", ""),
        (
            "peak RSS",
            f"{r.peak_rss_mb:,.0f} MB (a process running the cold and the no-op build)",
            f"≤ {TARGETS['rss']:.0f} MB",
            verdict(r.peak_rss_mb <= TARGETS["rss"]),
        ),
    ]


def code_version() -> str:
    """The commit measured, and whether the generator or themes had uncommitted changes (read-only git)."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "generator", "themes"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""
    return f", commit {head}" + (" with uncommitted changes in generator/ or themes/" if dirty else "")


def table(results: list[Result], load: float | None = None, version: str = "") -> str:
    load_note = f", load average {load:.2f} at the start" if load is not None else ""
    profiled = " Profiled with cProfile: every time is inflated." if any(r.profiled for r in results) else ""
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores{load_note}, "
        f"Python {platform.python_version()}{version}.{profiled}",
        "",
        "| Catalog | Measure | Result | Target | |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in results:
        size = f"{r.releases:,} × {r.tracks // max(1, r.releases)}"
        for i, (name, value, target, mark) in enumerate(rows(r)):
            lines.append(f"| {size if i == 0 else ''} | {name} | {value} | {target} | {mark} |")
    return "\n".join(lines)


def write_section(path: Path, body: str) -> None:
    """Put the table in the "## Build" section of `path`, leaving every other section as it is."""
    text = path.read_text() if path.exists() else "# Performance\n"
    block = f"{TABLE_START}\n{body}\n{TABLE_END}"
    if TABLE_START in text and TABLE_END in text:
        start, end = text.index(TABLE_START), text.index(TABLE_END) + len(TABLE_END)
        text = text[:start] + block + text[end:]
    elif re.search(r"^## Build$", text, re.M):
        text = re.sub(r"^## Build\n", lambda m: f"## Build\n\n{NOTE}\n\n{block}\n", text, count=1, flags=re.M)
    else:
        text = text.rstrip() + f"\n\n## Build\n\n{NOTE}\n\n{block}\n"
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--releases", default="100,1000", help="comma-separated catalog sizes (releases)")
    parser.add_argument("--tracks", type=int, default=10, help="tracks per release")
    parser.add_argument("--quick", action="store_true", help="the smallest size only, 3 edits, no audio run")
    parser.add_argument("--edits", type=int, default=5, help="single edits per size (the median is reported)")
    parser.add_argument("--debounce", type=float, default=0.02, help="the watcher's debounce, seconds")
    parser.add_argument(
        "--settle", type=float, default=WatchTiming().settle, help="the watcher's settle check"
    )
    parser.add_argument(
        "--workdir", type=Path, help="where catalogs are generated and kept (default: a temp dir)"
    )
    parser.add_argument("--write", type=Path, help="update the Build section of this Markdown file")
    parser.add_argument(
        "--profile", type=Path, help="write cProfile stats per size and stage into this folder"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--builds", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    if args.builds:
        run_builds(args.builds)
        return
    sizes = sorted(int(n) for n in args.releases.split(","))
    edits = args.edits
    if args.quick:
        sizes, edits = sizes[:1], min(edits, 3)
    workdir = args.workdir or Path(tempfile.gettempdir()) / "tunecamp-bench-build"
    timing = WatchTiming(debounce=args.debounce, settle=args.settle)
    load, version = os.getloadavg()[0], code_version()
    results = []
    for n in sizes:
        started = time.perf_counter()
        content = make_catalog(workdir, n, args.tracks)
        print(f"{n} × {args.tracks}: catalog ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        with tempfile.TemporaryDirectory(dir=workdir) as work:
            profile = args.profile / f"{n}x{args.tracks}" if args.profile else None
            result = measure_in_child(
                content,
                Path(work),
                releases=n,
                edits=edits,
                timing=timing,
                audio=not args.quick and n == sizes[0],
                profile=profile,
            )
        print(f"{n} × {args.tracks}: measured in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        results.append(result)
    body = table(results, load, version)
    print(body)
    if args.write:
        write_section(args.write, body)


if __name__ == "__main__":
    main()
